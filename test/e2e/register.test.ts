/**
 * End-to-end: real Node processes load the register entry the way users do (`--require` / `--import`
 * `@genai-ops/node/register`), call the fake provider through the real openai SDK, and export over real
 * OTLP/HTTP (http/json and http/protobuf) to receivers started here.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mapFinishReason } from '../../packages/core/src/messages';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DURATION_BUCKETS,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
  GEN_AI_OPERATION_NAME_VALUES,
  GEN_AI_PROVIDER_NAME_VALUES,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  OPENAI_API_TYPE_VALUES,
  TOKEN_USAGE_BUCKETS,
} from '../../packages/core/src/semconv';
import {
  type CapturedMetricPoint,
  type CapturedSpan,
  OtlpCapture,
  type Value,
} from '../helpers/otlp-capture';
import { RawOtlpReceiver } from '../helpers/otlp-protobuf';
import { otlpEnv, REPO_ROOT, type RunResult, runNode } from '../helpers/run-node';

const REQUIRE = ['--require', '@genai-ops/node/register'];
const IMPORT = ['--import', '@genai-ops/node/register'];
const CHAT_EXAMPLE = resolve(REPO_ROOT, 'examples/chat-cjs/index.js');
const AGENT_EXAMPLE = resolve(REPO_ROOT, 'examples/agent-esm/index.mjs');
const CHAT_USAGE = resolve(__dirname, 'fixtures/chat-usage.cjs');
const PROGRAMMATIC = resolve(__dirname, 'fixtures/programmatic.cjs');
const ONE_SPAN = resolve(__dirname, 'fixtures/one-span.cjs');
const OWN_SDK_APP = resolve(__dirname, 'fixtures/own-sdk-app.cjs');
const RESOLVE_OPENAI = resolve(__dirname, 'fixtures/resolve-openai.mjs');
const MODEL = 'gpt-4o-mini';
const CHAT_SPAN = `${GEN_AI_OPERATION_NAME_VALUES.CHAT} ${MODEL}`;

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

/**
 * The child's environment: OTLP http/json to `capture`, the openai instrumentation only, the fake provider.
 * Metrics are exported by the exit flush (a long interval keeps a loaded machine from timing out exports).
 */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return otlpEnv(capture.url, {
    FAKE_PROVIDER_URL: fake.url,
    OPENAI_API_KEY: undefined,
    GENAI_OPS_INSTRUMENTATIONS: 'openai',
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    ...extra,
  });
}

function expectClean(result: RunResult): void {
  expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({
    code: 0,
    signal: null,
    stderr: '',
  });
}

interface SdkOutput {
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    prompt_tokens_details: { cached_tokens: number };
    completion_tokens_details: { reasoning_tokens: number };
  };
  model: string;
  id: string;
  finishReason: string;
  serviceTier: string;
  systemFingerprint: string;
}

function jsonLine<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (line === undefined) throw new Error(`no JSON line in stdout: ${stdout}`);
  return JSON.parse(line) as T;
}

/** The whole attribute map the openai instrumentation must put on the span of the fixture's chat call. */
function expectedChatAttributes(out: SdkOutput): Record<string, Value> {
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUES.CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUES.OPENAI,
    [ATTR_GEN_AI_REQUEST_MODEL]: MODEL,
    [ATTR_SERVER_ADDRESS]: '127.0.0.1',
    [ATTR_SERVER_PORT]: fake.port,
    [ATTR_OPENAI_API_TYPE]: OPENAI_API_TYPE_VALUES.CHAT_COMPLETIONS,
    [ATTR_GEN_AI_RESPONSE_ID]: out.id,
    [ATTR_GEN_AI_RESPONSE_MODEL]: out.model,
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [mapFinishReason(out.finishReason)],
    [ATTR_OPENAI_RESPONSE_SERVICE_TIER]: out.serviceTier,
    [ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT]: out.systemFingerprint,
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: out.usage.prompt_tokens,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: out.usage.completion_tokens,
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: out.usage.prompt_tokens_details.cached_tokens,
    [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: out.usage.completion_tokens_details.reasoning_tokens,
  };
}

/** Token usage points summed per token type, and duration point count, across all points received. */
function metricSummary(points: CapturedMetricPoint[]) {
  const tokens: Record<string, number> = {};
  for (const p of points.filter((m) => m.name === METRIC_GEN_AI_CLIENT_TOKEN_USAGE)) {
    const type = String(p.attributes[ATTR_GEN_AI_TOKEN_TYPE]);
    tokens[type] = (tokens[type] ?? 0) + (p.sum ?? 0);
  }
  const durations = points.filter((m) => m.name === METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
  return { tokens, durationCount: durations.reduce((n, p) => n + (p.count ?? 0), 0) };
}

function bounds(points: CapturedMetricPoint[], name: string): number[][] {
  return [...new Set(points.filter((p) => p.name === name).map((p) => JSON.stringify(p.explicitBounds)))].map(
    (s) => JSON.parse(s) as number[],
  );
}

/** A local TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Runs `script`, waits for the line `ready` on stdout, sends `signal`, and resolves at exit. */
function runAndSignal(
  script: string,
  args: string[],
  childEnv: Record<string, string | undefined>,
  signal: NodeJS.Signals,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...childEnv })) {
      if (v !== undefined && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') merged[k] = v;
    }
    const child = spawn(process.execPath, [...REQUIRE, script, ...args], { cwd: REPO_ROOT, env: merged });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!signalled && stdout.split('\n').includes('ready')) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not finish: ${stdout} ${stderr}`));
    }, 45_000);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolvePromise({ code, signal: sig, stdout, stderr });
    });
  });
}

describe('register entry, CommonJS (--require), http/json', () => {
  it('exports the chat span with its whole attribute map, the GenAI metrics and the configured resource', async () => {
    const result = await runNode(CHAT_USAGE, {
      nodeArgs: REQUIRE,
      env: env({
        OTEL_SERVICE_NAME: 'e2e-chat',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e,team=genai%20ops',
      }),
    });
    expectClean(result);
    const out = jsonLine<SdkOutput>(result.stdout);
    await capture.waitFor(
      () => capture.spans.length > 0 && capture.metrics.length > 0,
      10_000,
      'span and metrics',
    );

    expect(capture.spans.map((s) => [s.name, s.kind, s.status.code, s.scope])).toEqual([
      [CHAT_SPAN, 3, 0, '@genai-ops/instrumentation-openai'],
    ]);
    const span = capture.spans[0]!;
    expect(span.attributes).toEqual(expectedChatAttributes(out));
    expect(span.resource).toMatchObject({
      'service.name': 'e2e-chat',
      'deployment.environment.name': 'e2e',
      team: 'genai ops',
      'telemetry.distro.name': 'genai-ops',
      'telemetry.sdk.language': 'nodejs',
    });

    expect(metricSummary(capture.metrics)).toEqual({
      tokens: { input: out.usage.prompt_tokens, output: out.usage.completion_tokens },
      durationCount: 1,
    });
    expect(bounds(capture.metrics, METRIC_GEN_AI_CLIENT_TOKEN_USAGE)).toEqual([[...TOKEN_USAGE_BUCKETS]]);
    expect(bounds(capture.metrics, METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([[...DURATION_BUCKETS]]);
  });

  it('exports the GenAI histograms from the in-process aggregator, in the temporality the exporter asks for', async () => {
    const result = await runNode(resolve(__dirname, 'fixtures/chat-twice-bound.cjs'), {
      nodeArgs: REQUIRE,
      env: env({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' }),
    });
    expectClean(result);
    const out = jsonLine<{ bound: boolean; chunks: number }>(result.stdout);
    expect(out.bound).toBe(true);
    await capture.waitFor(
      () => capture.metrics.some((m) => m.name === METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK),
      10_000,
      'per-chunk histogram',
    );
    const genai = capture.metrics.filter((m) => m.name.startsWith('gen_ai.'));
    // Delta (1), under the instrumentation's own scope, exactly once per series.
    expect(new Set(genai.map((m) => `${m.scope} ${m.temporality}`))).toEqual(
      new Set(['@genai-ops/instrumentation-openai 1']),
    );
    expect(metricSummary(genai).durationCount).toBe(2);
    const perChunk = genai.filter((m) => m.name === METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK);
    // One observation per chunk after the first, the usage-only chunk we requested included.
    expect(perChunk.reduce((n, p) => n + (p.count ?? 0), 0)).toBeGreaterThanOrEqual(out.chunks - 1);
    for (const p of genai) expect(p.bucketCounts!.reduce((a, b) => a + b, 0)).toBe(p.count);
  });

  it('runs the CommonJS chat example with every instrumentation: a plain and a streamed chat span, tokens matching the metrics', async () => {
    // GENAI_OPS_INSTRUMENTATIONS unset: all four genai-ops instrumentations load, silently.
    const result = await runNode(CHAT_EXAMPLE, {
      nodeArgs: REQUIRE,
      env: env({ GENAI_OPS_INSTRUMENTATIONS: undefined }),
      args: ['What is OTLP?'],
    });
    expectClean(result);
    expect(result.stdout).toMatch(/^answer: .+\nstreamed: .+\n$/);
    await capture.waitFor(() => capture.spansNamed(CHAT_SPAN).length === 2, 10_000, 'two chat spans');
    await capture.waitFor(() => capture.metrics.length > 0, 10_000, 'metrics');

    const spans = capture.spansNamed(CHAT_SPAN);
    const usage = spans.map((s) => [
      s.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS],
      s.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS],
    ]);
    for (const [input, output] of usage) {
      expect(input).toBeGreaterThan(0);
      expect(output).toBeGreaterThan(0);
    }
    // Same question twice: the fake answers identically, streamed or not.
    expect(usage[0]).toEqual(usage[1]);
    expect(metricSummary(capture.metrics)).toEqual({
      tokens: {
        input: usage.reduce((n, u) => n + Number(u[0]), 0),
        output: usage.reduce((n, u) => n + Number(u[1]), 0),
      },
      durationCount: 2,
    });
  });

  it('exports content events through the logs pipeline when capture is on (EVENT_ONLY)', async () => {
    const result = await runNode(CHAT_USAGE, {
      nodeArgs: REQUIRE,
      env: env({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY' }),
    });
    expectClean(result);
    await capture.waitFor(
      () => capture.spans.length > 0 && capture.logs.length > 0,
      10_000,
      'span and event',
    );
    const span = capture.spansNamed(CHAT_SPAN)[0]!;
    expect(span.attributes[ATTR_GEN_AI_INPUT_MESSAGES]).toBeUndefined();
    expect(capture.logs.map((l) => [l.eventName, l.traceId, l.spanId])).toEqual([
      [EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, span.traceId, span.spanId],
    ]);
    expect(JSON.stringify(capture.logs[0]!.attributes[ATTR_GEN_AI_INPUT_MESSAGES])).toContain(
      'Tell me about telemetry',
    );
  });
});

describe('register entry, ESM (--import)', () => {
  it('patches `import OpenAI from "openai"` in the ESM agent example: agent, chat and tool spans in one trace', async () => {
    const result = await runNode(AGENT_EXAMPLE, { nodeArgs: IMPORT, env: env() });
    expectClean(result);
    expect(result.stdout).toMatch(/^answer after 2 model calls: /);
    await capture.waitFor(() => capture.spans.length >= 4, 10_000, 'four spans');

    const agent = capture.spansNamed(GEN_AI_OPERATION_NAME_VALUES.INVOKE_AGENT);
    const chats = capture.spansNamed(CHAT_SPAN);
    const tools = capture.spansNamed(GEN_AI_OPERATION_NAME_VALUES.EXECUTE_TOOL);
    expect([agent.length, chats.length, tools.length, capture.spans.length]).toEqual([1, 2, 1, 4]);
    const root = agent[0]!;
    expect(root.parentSpanId).toBe('');
    for (const child of [...chats, ...tools]) {
      expect([child.traceId, child.parentSpanId]).toEqual([root.traceId, root.spanId]);
    }
    const [first, second] = [...chats].sort((a, b) => a.startTimeUnixNano.localeCompare(b.startTimeUnixNano));
    expect(first!.attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS]).toEqual([mapFinishReason('tool_calls')]);
    expect(second!.attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS]).toEqual([mapFinishReason('stop')]);
    // The second call carries the tool call and its result, so it has more input.
    expect(Number(second!.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS])).toBeGreaterThan(
      Number(first!.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]),
    );
    expect(tools[0]!.attributes[ATTR_GEN_AI_TOOL_NAME]).toBe('get_weather');
  });
});

describe('register entry, http/protobuf', () => {
  it('defaults to http/protobuf and sends OTEL_EXPORTER_OTLP_HEADERS on every request', async () => {
    const receiver = new RawOtlpReceiver();
    await receiver.start();
    try {
      const result = await runNode(CHAT_USAGE, {
        nodeArgs: REQUIRE,
        env: env({
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: undefined,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,authorization=Bearer%20s3cret',
        }),
      });
      expectClean(result);
      const out = jsonLine<SdkOutput>(result.stdout);
      await capture.waitFor(
        () => receiver.spans().length > 0 && receiver.histogramPoints().length > 0,
        10_000,
        'protobuf span and metrics',
      );
      const requests = receiver.requests.filter((r) => /\/v1\/(traces|metrics)$/.test(r.path));
      expect(requests.length).toBeGreaterThanOrEqual(2);
      for (const r of requests) {
        expect([r.headers['content-type'], r.headers['x-tenant'], r.headers.authorization]).toEqual([
          'application/x-protobuf',
          'acme',
          'Bearer s3cret',
        ]);
      }
      const spans = receiver.spans();
      expect(spans.map((s: CapturedSpan) => s.name)).toEqual([CHAT_SPAN]);
      expect(spans[0]!.attributes).toEqual(expectedChatAttributes(out));
      expect(spans[0]!.resource['service.name']).toBe('genai-ops-test');
      const points = receiver.histogramPoints();
      expect(metricSummary(points)).toEqual({
        tokens: { input: out.usage.prompt_tokens, output: out.usage.completion_tokens },
        durationCount: 1,
      });
      expect(bounds(points, METRIC_GEN_AI_CLIENT_TOKEN_USAGE)).toEqual([[...TOKEN_USAGE_BUCKETS]]);
      expect(bounds(points, METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([[...DURATION_BUCKETS]]);
    } finally {
      await receiver.close();
    }
  });
});

describe('register entry, per-signal endpoint and protocol', () => {
  it('sends traces as http/json to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and metrics as protobuf to the base endpoint', async () => {
    const receiver = new RawOtlpReceiver();
    await receiver.start();
    try {
      const result = await runNode(CHAT_USAGE, {
        nodeArgs: REQUIRE,
        env: env({
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${capture.url}/custom/v1/traces`,
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        }),
      });
      expectClean(result);
      await capture.waitFor(
        () => capture.spans.length > 0 && receiver.histogramPoints().length > 0,
        10_000,
        'json spans and protobuf metrics',
      );
      expect(Object.keys(capture.requests)).toEqual(['/custom/v1/traces']);
      expect(capture.spans.map((s) => s.name)).toEqual([CHAT_SPAN]);
      expect(receiver.requestsTo('traces')).toEqual([]);
      expect([...new Set(receiver.requestsTo('metrics').map((r) => r.headers['content-type']))]).toEqual([
        'application/x-protobuf',
      ]);
    } finally {
      await receiver.close();
    }
  });
});

/**
 * Runs the chat fixture in a mode that ends without `beforeExit` ('exit': process.exit(0); 'crash': an
 * unhandled rejection), its span held a minute by the batch processor: only the exit export can send it.
 */
function runEndingEarly(mode: 'exit' | 'crash', extra: Record<string, string> = {}): Promise<RunResult> {
  return runNode(CHAT_USAGE, {
    nodeArgs: REQUIRE,
    args: [mode],
    env: env({ OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRICS_EXPORTER: 'none', ...extra }),
    timeoutMs: 45_000,
  });
}

describe('register entry, lifecycle and environment', () => {
  it.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])(
    'flushes on %s, then dies of the signal when the app has no handler',
    async (signal) => {
      const result = await runAndSignal(
        CHAT_USAGE,
        ['wait'],
        env({ OTEL_BSP_SCHEDULE_DELAY: '60000' }),
        signal,
      );
      expect([result.code, result.signal, result.stderr]).toEqual([null, signal, '']);
      // The span waited in the batch processor (60 s delay): only the signal flush can have sent it.
      await capture.waitFor(() => capture.spansNamed(CHAT_SPAN).length === 1, 10_000, 'flushed span');
    },
  );

  it('flushes on SIGTERM and leaves exiting to the app when it has its own handler', async () => {
    const result = await runAndSignal(
      CHAT_USAGE,
      ['wait', 'app-handler'],
      env({ OTEL_BSP_SCHEDULE_DELAY: '60000' }),
      'SIGTERM',
    );
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    expect(result.stdout).toContain('app-handler');
    await capture.waitFor(() => capture.spansNamed(CHAT_SPAN).length === 1, 10_000, 'flushed span');
  });

  it('an unreachable collector costs one diagnostic line and nothing else: exit code 0', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await runNode(CHAT_USAGE, {
      nodeArgs: REQUIRE,
      env: env({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        GENAI_OPS_FLUSH_TIMEOUT_MS: '1500',
      }),
      timeoutMs: 45_000,
    });
    expect([result.code, result.signal]).toEqual([0, null]);
    expect(jsonLine<SdkOutput>(result.stdout).usage.prompt_tokens).toBeGreaterThan(0);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[genai-ops\] \w+: telemetry export failed: /);
    expect(Date.now() - started).toBeLessThan(40_000);
  });

  it('sends the spans still pending when the app ends with process.exit() (gzip)', async () => {
    const result = await runEndingEarly('exit', { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    expectClean(result);
    const out = jsonLine<SdkOutput>(result.stdout);
    // The batch processor would have held the span for a minute and process.exit() skips beforeExit: only
    // the exit export can have sent it, and it waited for the answer, so it is here already.
    const spans = capture.spansNamed(CHAT_SPAN);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes).toEqual(expectedChatAttributes(out));
    expect(spans[0]!.resource['service.name']).toBe('genai-ops-test');
  });

  it.each(['cumulative', 'delta'])(
    'sends the GenAI histograms recorded since the last metric export at process.exit() (%s), once',
    async (temporality) => {
      const result = await runEndingEarly('exit', {
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: temporality,
      });
      expectClean(result);
      const out = jsonLine<SdkOutput>(result.stdout);
      const genai = capture.metrics.filter((m) => m.name.startsWith('gen_ai.'));
      expect(metricSummary(genai)).toEqual({
        tokens: { input: out.usage.prompt_tokens, output: out.usage.completion_tokens },
        durationCount: 1,
      });
      expect(new Set(genai.map((m) => m.temporality))).toEqual(new Set([temporality === 'delta' ? 1 : 2]));
      expect(genai[0]!.resource!['service.name']).toBe('genai-ops-test');
      expect(capture.spansNamed(CHAT_SPAN)).toHaveLength(1);
    },
  );

  it('sends the span of the failed call when an unhandled rejection ends the app', async () => {
    const result = await runEndingEarly('crash');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('InternalServerError');
    const spans = capture.spansNamed(CHAT_SPAN);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['error.type']).toBe('InternalServerError');
    expect(spans[0]!.status.code).toBe(2);
  });

  it('sends the content events still pending at process.exit() (EVENT_ONLY)', async () => {
    const result = await runEndingEarly('exit', {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY',
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
    });
    expectClean(result);
    const span = capture.spansNamed(CHAT_SPAN)[0]!;
    expect(capture.logs.map((l) => [l.eventName, l.traceId, l.spanId])).toEqual([
      [EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS, span.traceId, span.spanId],
    ]);
    expect(JSON.stringify(capture.logs[0]!.attributes[ATTR_GEN_AI_INPUT_MESSAGES])).toContain(
      'Tell me about telemetry',
    );
  });

  it('GENAI_OPS_EXIT_HOOKS=false leaves process.exit() as it was: the pending span is lost', async () => {
    const result = await runEndingEarly('exit', { GENAI_OPS_EXIT_HOOKS: 'false' });
    expectClean(result);
    expect(capture.spans).toEqual([]);
  });

  it('process.exit() with an unreachable collector: one diagnostic line, exit within the flush timeout', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await runEndingEarly('exit', {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      GENAI_OPS_FLUSH_TIMEOUT_MS: '1500',
    });
    expect([result.code, result.signal]).toEqual([0, null]);
    expect(stderrLines(result.stderr)).toEqual([
      expect.stringMatching(
        /^\[genai-ops\] warn: telemetry export failed: genai-ops: 1 span\(s\) pending at process exit could not be sent: ECONNREFUSED/,
      ),
    ]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('loads the gRPC, zipkin, prometheus, b3 and jaeger modules only when the environment asks for them', async () => {
    const fixture = resolve(__dirname, 'fixtures/loaded-modules.cjs');
    const plain = await runNode(fixture, { nodeArgs: REQUIRE, env: env({ OTEL_METRICS_EXPORTER: 'none' }) });
    expectClean(plain);
    expect(jsonLine(plain.stdout)).toEqual({
      loaded: [],
      grpcLoaded: false,
      transport: undefined,
      fields: ['traceparent', 'tracestate', 'baggage'],
    });
    const grpc = await runNode(fixture, {
      nodeArgs: REQUIRE,
      env: env({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_PROPAGATORS: 'b3,tracecontext',
        OTEL_METRICS_EXPORTER: 'none',
      }),
    });
    expect(grpc.code).toBe(0);
    // (@grpc/grpc-js itself loads with the first export.)
    expect(jsonLine(grpc.stdout)).toMatchObject({
      loaded: ['exporter-trace-otlp-grpc', 'propagator-b3'],
      transport: 'GrpcExporterTransport',
      fields: ['b3', 'traceparent', 'tracestate'],
    });
  });

  it('OTEL_SDK_DISABLED=true exports nothing and the app runs unchanged', async () => {
    const result = await runNode(CHAT_USAGE, { nodeArgs: REQUIRE, env: env({ OTEL_SDK_DISABLED: 'true' }) });
    expectClean(result);
    expect(jsonLine<SdkOutput>(result.stdout).usage.prompt_tokens).toBeGreaterThan(0);
    expect(capture.requests).toEqual({});
  });

  it('honours OTEL_TRACES_SAMPLER=always_off and OTEL_METRICS_EXPORTER=none', async () => {
    const result = await runNode(CHAT_USAGE, {
      nodeArgs: REQUIRE,
      env: env({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_METRICS_EXPORTER: 'none' }),
    });
    expectClean(result);
    expect(jsonLine<SdkOutput>(result.stdout).usage.prompt_tokens).toBeGreaterThan(0);
    expect([capture.spans, capture.metrics]).toEqual([[], []]);
  });

  it('start({ tracerProvider, meterProvider }) only registers the instrumentations against the app providers', async () => {
    const result = await runNode(PROGRAMMATIC, { env: env() });
    expectClean(result);
    const out = jsonLine<{
      usage: SdkOutput['usage'];
      spans: Array<{ name: string; attributes: Record<string, Value> }>;
      metrics: string[];
      started: boolean;
    }>(result.stdout);
    expect(out.spans.map((s) => s.name)).toEqual([CHAT_SPAN]);
    expect(out.spans[0]!.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]).toBe(out.usage.prompt_tokens);
    expect([...new Set(out.metrics)].sort()).toEqual(
      [METRIC_GEN_AI_CLIENT_OPERATION_DURATION, METRIC_GEN_AI_CLIENT_TOKEN_USAGE].sort(),
    );
    expect(out.started).toBe(false);
    // Nothing was set up to export over OTLP.
    expect(capture.requests).toEqual({});
  });
});

/** For the configuration tests: traces only, and no OTEL_LOG_LEVEL / OTEL_SDK_DISABLED from the parent. */
function configEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return env({
    OTEL_LOG_LEVEL: undefined,
    OTEL_SDK_DISABLED: undefined,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    ...extra,
  });
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

describe('register entry: bad environment values get one clear diagnostic', () => {
  it.each(['warn', 'info'])(
    'reports an invalid OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRICS_EXPORTER with OTEL_LOG_LEVEL=%s too',
    async (level) => {
      const result = await runNode(ONE_SPAN, {
        nodeArgs: REQUIRE,
        env: configEnv({
          OTEL_LOG_LEVEL: level,
          OTEL_METRICS_EXPORTER: 'otlp,bogus',
          OTEL_METRIC_EXPORT_INTERVAL: 'soon',
        }),
      });
      expect([result.code, result.signal]).toEqual([0, null]);
      const lines = stderrLines(result.stderr);
      expect(lines.filter((l) => l.includes('OTEL_METRIC_EXPORT_INTERVAL (soon) is invalid'))).toHaveLength(
        1,
      );
      expect(
        lines.filter((l) => l.includes('Unsupported OTEL_METRICS_EXPORTER value: "bogus"')),
      ).toHaveLength(1);
    },
  );

  it('reports an unknown OTEL_LOG_LEVEL and keeps the default level', async () => {
    const result = await runNode(ONE_SPAN, { nodeArgs: REQUIRE, env: configEnv({ OTEL_LOG_LEVEL: 'loud' }) });
    expect([result.code, result.signal]).toEqual([0, null]);
    expect(stderrLines(result.stderr)).toEqual([
      '[genai-ops] warn: OTEL_LOG_LEVEL: unknown value "loud", expected one of NONE, ERROR, WARN, INFO, DEBUG, VERBOSE, ALL; using WARN',
    ]);
    await capture.waitFor(() => capture.spans.length === 1, 10_000, 'the span');
  });

  // Only a case-insensitive "true" disables the SDK; any other value MUST be read as false (with a warning).
  // https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#parsing-empty-value
  it.each(['1', 'yes'])(
    'OTEL_SDK_DISABLED=%s is not "true": the SDK runs, with one warning',
    async (value) => {
      const result = await runNode(ONE_SPAN, {
        nodeArgs: REQUIRE,
        env: configEnv({ OTEL_SDK_DISABLED: value }),
      });
      expect([result.code, result.signal]).toEqual([0, null]);
      expect(stderrLines(result.stderr)).toEqual([
        `[genai-ops] warn: Unknown value '${value}' for OTEL_SDK_DISABLED, expected 'true' or 'false', falling back to 'false' (default)`,
      ]);
      await capture.waitFor(() => capture.spans.length === 1, 10_000, 'the span');
    },
  );

  it('OTEL_SDK_DISABLED=TRUE (any case) disables it', async () => {
    const result = await runNode(ONE_SPAN, {
      nodeArgs: REQUIRE,
      env: configEnv({ OTEL_SDK_DISABLED: 'TRUE' }),
    });
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    expect(capture.requests).toEqual({});
  });
});

describe('register entry in an app that already set up its own OpenTelemetry SDK', () => {
  it('adds the instrumentations to the app providers: no second SDK, no errors, GenAI metrics where the app reads them', async () => {
    const result = await runNode(OWN_SDK_APP, {
      env: configEnv({
        OTEL_METRICS_EXPORTER: undefined,
        OTEL_LOGS_EXPORTER: undefined,
      }),
    });
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { spans: string[]; metrics: string[] };
    expect(out).toEqual({
      spans: ['chat gpt-4o-mini'],
      metrics: [METRIC_GEN_AI_CLIENT_OPERATION_DURATION, METRIC_GEN_AI_CLIENT_TOKEN_USAGE].sort(),
    });
    // Nothing of ours exported anything on the side.
    expect(capture.requests).toEqual({});
  });
});

describe('ESM register entry (--import) and OTEL_SDK_DISABLED', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['true', false],
  ])('OTEL_SDK_DISABLED=%s: the SDK modules go through the import hook: %s', async (disabled, hooked) => {
    const result = await runNode(RESOLVE_OPENAI, {
      nodeArgs: IMPORT,
      env: configEnv({ OTEL_SDK_DISABLED: disabled }),
    });
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    expect(result.stdout.trim().endsWith('?iitm=true')).toBe(hooked);
  });
});
