/**
 * Runs a fixture scenario in a real Node child with the shared OTel preload and this instrumentation,
 * against a fake provider, and returns what the caller got plus the spans that child exported.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CapturedSpan, OtlpCapture, Value } from '../../../test/helpers/otlp-capture.js';
import { otlpEnv, REPO_ROOT, runNode } from '../../../test/helpers/run-node.js';

export const FIXTURES = resolve(__dirname, 'fixtures');
const SETUP_CJS = join(REPO_ROOT, 'test/helpers/setup-otel.cjs');
const SETUP_MJS = join(REPO_ROOT, 'test/helpers/setup-otel.mjs');
export const INSTRUMENTATION = '@genai-ops/instrumentation-google-genai:GoogleGenAIInstrumentation';

export interface RunOutcome {
  result?: Record<string, unknown>;
  error?: { name: string; message: string };
  spans: CapturedSpan[];
  service: string;
  stderr: string;
}

let runs = 0;

/**
 * Makes `<dir>/node_modules/@google/genai` point at an aliased install (`google-genai-v1`), with its
 * nested dependencies beside it, so `--preserve-symlinks` loads it under its real package name (the
 * instrumentation hooks the name `@google/genai`).
 */
export function linkSdkVersion(alias: string): string {
  const dir = join(FIXTURES, '.sdk', alias);
  const modules = join(dir, 'node_modules');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(modules, '@google'), { recursive: true });
  const real = join(REPO_ROOT, 'node_modules', alias);
  symlinkSync(real, join(modules, '@google', 'genai'));
  let nested: string[] = [];
  try {
    nested = readdirSync(join(real, 'node_modules'));
  } catch {
    nested = [];
  }
  for (const name of nested)
    if (!name.startsWith('.')) symlinkSync(join(real, 'node_modules', name), join(modules, name));
  // The apps import the bare name, as users do, so they run from beside this node_modules.
  for (const f of ['app.cjs', 'app.mjs', 'scenarios.cjs']) copyFileSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

export function removeSdkVersions(): void {
  rmSync(join(FIXTURES, '.sdk'), { recursive: true, force: true });
}

export async function runScenario(
  capture: OtlpCapture,
  fakeUrl: string,
  scenario: string,
  options: {
    esm?: boolean;
    /** A directory made by linkSdkVersion: run that SDK version. */
    sdkDir?: string;
    captureContent?: boolean;
    env?: Record<string, string>;
    preload?: string[];
  } = {},
): Promise<RunOutcome> {
  const service = `gg-test-${process.pid}-${++runs}`;
  const nodeArgs = options.esm ? ['--import', SETUP_MJS] : ['--require', SETUP_CJS];
  if (options.sdkDir) nodeArgs.unshift('--preserve-symlinks');
  for (const p of options.preload ?? []) nodeArgs.push('--require', p);
  const res = await runNode(join(options.sdkDir ?? FIXTURES, options.esm ? 'app.mjs' : 'app.cjs'), {
    nodeArgs,
    args: [scenario],
    timeoutMs: 30_000,
    env: otlpEnv(capture.url, {
      OTEL_SERVICE_NAME: service,
      GENAI_OPS_TEST_INSTRUMENTATIONS: INSTRUMENTATION,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: options.captureContent ? 'true' : 'false',
      FAKE_URL: fakeUrl,
      ...options.env,
    }),
  });
  const line = res.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no output from scenario ${scenario}: ${res.stderr}`);
  const out = JSON.parse(line) as {
    result?: Record<string, unknown>;
    error?: { name: string; message: string };
  };
  // The child flushed before printing its exit; give the receiver a moment to decode the last batch.
  await new Promise((r) => setTimeout(r, 50));
  const spans = capture.spans.filter((s) => s.resource['service.name'] === service);
  return { ...out, spans, service, stderr: res.stderr };
}

/** Attributes with volatile values (ids, ports, timings) replaced by their type, for whole-map comparison. */
export function normalize(attributes: Record<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = { ...attributes };
  if (typeof out['server.port'] === 'number') out['server.port'] = '<port>';
  if (typeof out['gen_ai.response.id'] === 'string') out['gen_ai.response.id'] = '<id>';
  if (typeof out['gen_ai.response.time_to_first_chunk'] === 'number')
    out['gen_ai.response.time_to_first_chunk'] = '<seconds>';
  return out;
}
