/**
 * Test helper: runs the genai-ops collector as users do, as a child process through its CLI
 * (`node collector/dist/cli.js collector --data <dir> --port 0`), and talks to it over HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT, type RunResult, runNode } from './run-node';

/** The collector CLI (`genai-ops`), built. */
export const COLLECTOR_CLI = resolve(REPO_ROOT, 'collector/dist/cli.js');

export interface CollectorProcess {
  /** Base URL (OTLP/HTTP at `/v1/traces`, query API at `/api`). */
  url: string;
  pid: number;
  /** Runs one read-only query through `POST /api/sql`. */
  sql(query: string): Promise<Record<string, unknown>[]>;
  /** Polls `sql(query)` until `done(rows)` holds; rejects after `timeoutMs`. */
  waitForRows(
    query: string,
    done: (rows: Record<string, unknown>[]) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>[]>;
  /** SIGTERM and wait for exit (SIGKILL after `timeoutMs`); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Everything the process wrote so far. */
  output(): string;
}

function childEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...extra })) {
    if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && !k.startsWith('OTEL_'))
      env[k] = v;
  }
  return env;
}

/** Starts the collector on 127.0.0.1, a random free port and `dataDir`; resolves once it listens. */
export async function startCollectorProcess(
  dataDir: string,
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CollectorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [COLLECTOR_CLI, 'collector', '--data', dataDir, '--port', '0', '--host', '127.0.0.1'],
    { cwd: REPO_ROOT, env: childEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`collector did not start within ${options.timeoutMs ?? 60_000} ms:\n${out}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (d: Buffer): void => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d;
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`collector exited (${code}) before listening:\n${out}`));
    });
  });

  const sql = async (query: string): Promise<Record<string, unknown>[]> => {
    const res = await fetch(`${url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json()) as { rows?: Record<string, unknown>[]; error?: string };
    if (!res.ok) throw new Error(`POST /api/sql ${res.status}: ${body.error}`);
    return body.rows ?? [];
  };

  return {
    url,
    pid: child.pid as number,
    sql,
    async waitForRows(query, done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let rows: Record<string, unknown>[] = [];
      for (;;) {
        rows = await sql(query);
        if (done(rows)) return rows;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for rows of: ${query}\nlast: ${JSON.stringify(rows)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    output: () => out,
  };
}

/** Runs the `genai-ops` CLI (`sql`, `traces`, `trace`, ...) with `args`. */
export function runCollectorCli(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return runNode(COLLECTOR_CLI, { args, timeoutMs, env: { GENAI_OPS_URL: undefined } });
}
