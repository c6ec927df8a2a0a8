/**
 * Test helper: runs a real Node.js process (as users do, with the register entry preloaded) and collects
 * its output. Instrumentation patches do not fire inside vitest workers, so every instrumentation test
 * goes through a child process.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Extra node flags, e.g. ['--require', '@genai-ops/node/register'] or ['--import', ...]. */
  nodeArgs?: string[];
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Send this signal after `signalAfterMs`. */
  signal?: NodeJS.Signals;
  signalAfterMs?: number;
}

/** Environment for a child exporting to an OtlpCapture at `otlpUrl` over http/json, flushing fast. */
export function otlpEnv(
  otlpUrl: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'genai-ops-test',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    OTEL_BLRP_SCHEDULE_DELAY: '50',
    ...extra,
  };
}

/** Runs `node [nodeArgs] script [args]` and resolves when it exits (or is killed on timeout). */
export function runNode(script: string, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...options.env })) {
      if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') env[k] = v;
    }
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    const signalTimer =
      options.signal !== undefined
        ? setTimeout(() => child.kill(options.signal), options.signalAfterMs ?? 500)
        : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signalTimer) clearTimeout(signalTimer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}
