/**
 * End-to-end: real Node processes load the register entry the way users do (`--require` / `--import`
 * `@genai-ops/node/register`), call the fake provider through the real openai SDK, and export over real
 * OTLP/HTTP to receivers started here.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { startFakeProvider, type FakeProvider } from '@genai-ops/fake-provider';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, TOKEN_USAGE_BUCKETS } from '../../packages/core/src/semconv';
import { type CapturedSpan, OtlpCapture } from '../helpers/otlp-capture';
import { RawOtlpReceiver } from '../helpers/otlp-protobuf';
import { otlpEnv, REPO_ROOT, type RunResult, runNode } from '../helpers/run-node';

const REQUIRE = ['--require', '@genai-ops/node/register'];
const IMPORT = ['--import', '@genai-ops/node/register'];
const CHAT_EXAMPLE = resolve(REPO_ROOT, 'examples/chat-cjs/index.js');
const AGENT_EXAMPLE = resolve(REPO_ROOT, 'examples/agent-esm/index.mjs');
const CHAT_USAGE = resolve(__dirname, 'fixtures/chat-usage.cjs');
const PROGRAMMATIC = resolve(__dirname, 'fixtures/programmatic.cjs');

let fake: FakeProvider;
let capture: OtlpCapture;

beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(async () => {
  capture = new OtlpCapture();
  await capture.start();
});
afterEach(async () => {
  await capture.close();
});

/** The child's environment: OTLP http/json to `capture`, only the openai instrumentation, the fake provider. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return otlpEnv(capture.url, {
    FAKE_PROVIDER_URL: fake.url,
    OPENAI_API_KEY: undefined,
    GENAI_OPS_INSTRUMENTATIONS: 'openai',
    ...extra,
  });
}

function expectOk(result: RunResult): void {
  expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
}

function lastJsonLine(stdout: string): any {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (line === undefined) throw new Error(`no JSON line in stdout: ${stdout}`);
  return JSON.parse(line);
}

describe('register entry', () => {
  it('peek', async () => {
    const result = await runNode(CHAT_USAGE, { nodeArgs: REQUIRE, env: env() });
    console.log(result);
    await capture.waitFor(() => capture.spans.length > 0 && capture.metrics.length > 0);
    console.log(JSON.stringify(capture.spans, null, 1), JSON.stringify(capture.metrics, null, 1));
  });
});
