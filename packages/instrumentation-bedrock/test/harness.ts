/**
 * Runs a fixture scenario in a real Node child with the shared OTel preload and this instrumentation,
 * against a fake provider, and returns what the caller got plus the spans that child exported.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CapturedSpan, OtlpCapture, Value } from '../../../test/helpers/otlp-capture.js';
import { otlpEnv, REPO_ROOT, runNode } from '../../../test/helpers/run-node.js';

export const FIXTURES = resolve(__dirname, 'fixtures');
const SETUP_CJS = join(REPO_ROOT, 'test/helpers/setup-otel.cjs');
const SETUP_MJS = join(REPO_ROOT, 'test/helpers/setup-otel.mjs');
const INSTRUMENTATION = '@genai-ops/instrumentation-bedrock:BedrockRuntimeInstrumentation';

export interface RunOutcome {
  result?: Record<string, unknown>;
  error?: { name: string; message: string; code?: string };
  spans: CapturedSpan[];
  stderr: string;
}

let runs = 0;

/**
 * There is no other major of @aws-sdk/client-bedrock-runtime (all releases are 3.x), so the "outside the
 * range" case uses the installed code under a package.json that says 4.0.0, loaded with
 * `--preserve-symlinks` so the hook sees that package.json.
 */
export function makeOutOfRangeSdk(): string {
  const dir = join(FIXTURES, '.sdk', 'v4');
  const pkg = join(dir, 'node_modules', '@aws-sdk', 'client-bedrock-runtime');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  const real = join(REPO_ROOT, 'node_modules', '@aws-sdk', 'client-bedrock-runtime');
  const manifest = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8'));
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...manifest, version: '4.0.0' }));
  symlinkSync(join(real, 'dist-cjs'), join(pkg, 'dist-cjs'));
  for (const f of ['app.cjs', 'scenarios.cjs']) copyFileSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

export function removeSdks(): void {
  rmSync(join(FIXTURES, '.sdk'), { recursive: true, force: true });
}

export async function runScenario(
  capture: OtlpCapture,
  fakeUrl: string,
  scenario: string,
  options: {
    esm?: boolean;
    appDir?: string;
    captureContent?: boolean;
    env?: Record<string, string>;
    preload?: string[];
  } = {},
): Promise<RunOutcome> {
  const service = `br-test-${process.pid}-${++runs}`;
  const nodeArgs = ['--no-warnings', ...(options.esm ? ['--import', SETUP_MJS] : ['--require', SETUP_CJS])];
  if (options.appDir) nodeArgs.unshift('--preserve-symlinks');
  for (const p of options.preload ?? []) nodeArgs.push('--require', p);
  const res = await runNode(join(options.appDir ?? FIXTURES, options.esm ? 'app.mjs' : 'app.cjs'), {
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
  const out = JSON.parse(line) as Pick<RunOutcome, 'result' | 'error'>;
  await new Promise((r) => setTimeout(r, 50));
  const spans = capture.spans.filter((s) => s.resource['service.name'] === service);
  return { ...out, spans, stderr: res.stderr };
}

/** Attributes with volatile values (ids, ports, timings) replaced by a marker, for whole-map comparison. */
export function normalize(attributes: Record<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = { ...attributes };
  if (typeof out['server.port'] === 'number') out['server.port'] = '<port>';
  if (typeof out['gen_ai.response.id'] === 'string') out['gen_ai.response.id'] = '<id>';
  if (typeof out['gen_ai.response.time_to_first_chunk'] === 'number')
    out['gen_ai.response.time_to_first_chunk'] = '<seconds>';
  return out;
}
