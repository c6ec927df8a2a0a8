/**
 * End-to-end: the Anthropic, Google GenAI and Bedrock examples (`examples/anthropic-cjs`, `gemini-esm`,
 * `bedrock-cjs`) run as real processes under the register entry (`--require` for CommonJS, `--import` for
 * ESM), against the fake provider, through the real SDKs. Each app runs twice, all at once:
 *   (a) http/json to an OtlpCapture: whole span attribute maps, one span per call, the GenAI metrics;
 *   (b) http/protobuf to a collector process: the DuckDB rows (provider, model, tokens, cost_usd).
 * A fixture (fixtures/sdk-cached.cjs) adds one call per SDK with cache reads and writes, to check their pricing.
 * Expected values come from what each app printed: the usage its SDK received from the provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapFinishReason } from '../../packages/core/src/messages';
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  GEN_AI_OPERATION_NAME_VALUES as OP,
  GEN_AI_PROVIDER_NAME_VALUES as PROVIDER,
} from '../../packages/core/src/semconv';
import { type CollectorProcess, startCollectorProcess } from '../helpers/collector-process';
import { type CapturedSpan, OtlpCapture, type Value } from '../helpers/otlp-capture';
import { otlpEnv, REPO_ROOT, type RunResult, runNode } from '../helpers/run-node';
import { validateAttributes } from '../helpers/semconv';

/*
 * USD per million tokens, from the @pydantic/genai-prices data the collector bundles (0.1.8), for the exact
 * model ids the fake provider echoes back. Written out here so the test does not reuse the code it checks.
 *   anthropic / claude-haiku-4-5: input $1, cache read $0.10, cache write $1.25, output $5.
 *   google / gemini-2.5-flash: input $0.30, cache read $0.03, output $2.50.
 *   aws / us.anthropic.claude-haiku-4-5-20251001-v1:0 (matched as regional.anthropic.claude-haiku-4-5-20251001-v1:0):
 *     input $1.10, cache read $0.11, cache write $1.375, output $5.50.
 *   google / gemini-embedding-001: input $0.15. The Gemini API's embedContent reports no token usage (only
 *   Vertex AI does), so the span has none and the collector must say so instead of pricing it at zero.
 */
interface Price {
  input: number;
  cacheRead: number;
  /** Absent where the provider reports no cache writes (Gemini). */
  cacheWrite?: number;
  output: number;
}
const CLAUDE_HAIKU_4_5: Price = { input: 1, cacheRead: 0.1, cacheWrite: 1.25, output: 5 };
const GEMINI_2_5_FLASH: Price = { input: 0.3, cacheRead: 0.03, output: 2.5 };
const GEMINI_EMBEDDING_001 = { input: 0.15 };
const BEDROCK_CLAUDE_HAIKU_4_5: Price = { input: 1.1, cacheRead: 0.11, cacheWrite: 1.375, output: 5.5 };
const PRICE_VERSION = '@pydantic/genai-prices@0.1.8';
const TOLERANCE = 1e-12;

const ANTHROPIC_MODEL = 'claude-haiku-4-5';
const GEMINI_MODEL = 'gemini-2.5-flash';
const GEMINI_EMBEDDING_MODEL = 'gemini-embedding-001';
const BEDROCK_MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const MAX_TOKENS = 256;

const REQUIRE = ['--require', '@genai-ops/node/register'];
const IMPORT = ['--import', '@genai-ops/node/register'];
/** Generous bounds: the suite shares 2 cores with other work. */
const RUN_TIMEOUT_MS = 90_000;
const HOOK_TIMEOUT_MS = 180_000;
const WAIT_MS = 20_000;

type AppName = 'anthropic' | 'gemini' | 'bedrock';

interface AppSpec {
  script: string;
  nodeArgs: string[];
  scope: string;
  rootSpan: string;
  kinds: string[];
  /** Extra env: the AWS SDK warns on stderr about Node 20 (a process warning, not ours). */
  env?: Record<string, string>;
}

const APPS: Record<AppName, AppSpec> = {
  anthropic: {
    script: 'examples/anthropic-cjs/index.js',
    nodeArgs: REQUIRE,
    scope: '@genai-ops/instrumentation-anthropic',
    rootSpan: 'anthropic-example',
    kinds: ['create', 'stream'],
  },
  gemini: {
    script: 'examples/gemini-esm/index.mjs',
    nodeArgs: IMPORT,
    scope: '@genai-ops/instrumentation-google-genai',
    rootSpan: 'gemini-example',
    kinds: ['generate', 'stream', 'embed'],
  },
  bedrock: {
    script: 'examples/bedrock-cjs/index.js',
    nodeArgs: REQUIRE,
    scope: '@genai-ops/instrumentation-bedrock',
    rootSpan: 'bedrock-example',
    kinds: ['converse', 'converse-stream', 'invoke'],
    env: { NODE_NO_WARNINGS: '1' },
  },
};

/** One call as the app printed it; `usage` is the SDK's usage object, as received. */
interface Call {
  kind: string;
  id?: string;
  model?: string;
  stopReason?: string;
  finishReason?: string;
  dimensions?: number;
  /** Embeddings: the input tokens the SDK received, if any. */
  inputTokens?: number;
  usage?: Record<string, number | null | undefined>;
}
interface AppOutput {
  example: string;
  target: string;
  traceId: string;
  calls: Call[];
}
interface AppRun {
  result: RunResult;
  out: AppOutput;
}

let fake: FakeProvider;
let dataDir: string;
let collector: CollectorProcess;
const captures = {} as Record<AppName, OtlpCapture>;
const viaCapture = {} as Record<AppName, AppRun>;
const viaCollector = {} as Record<AppName, AppRun>;
/** The cache fixture's run: one call per SDK with cache reads (and writes), exported to the collector. */
let cached: { traceId: string; calls: Array<{ app: AppName; usage: Call['usage'] }> };
/** The call kind of the fixture's call per SDK, for `tokens()`. */
const CACHED_KIND: Record<AppName, string> = { anthropic: 'create', gemini: 'generate', bedrock: 'converse' };
const CACHED_TOKENS = 2048;
const CACHE_WRITE_TOKENS = 512;
const NAMES = Object.keys(APPS) as AppName[];

/** The child's env: the fake provider, never a real API, whatever the developer's shell has. */
function baseEnv(name: AppName): Record<string, string | undefined> {
  return {
    FAKE_PROVIDER_URL: fake.url,
    ANTHROPIC_API_KEY: undefined,
    GEMINI_API_KEY: undefined,
    GOOGLE_API_KEY: undefined,
    AWS_REGION: undefined,
    ANTHROPIC_MODEL: undefined,
    GEMINI_MODEL: undefined,
    GEMINI_EMBEDDING_MODEL: undefined,
    BEDROCK_MODEL: undefined,
    GENAI_OPS_INSTRUMENTATIONS: undefined,
    OTEL_SERVICE_NAME: `e2e-${name}`,
    OTEL_LOGS_EXPORTER: 'none',
    ...APPS[name].env,
  };
}

/** OTLP http/protobuf to the collector, traces only. */
function toCollector(): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
}

async function run(name: AppName, env: Record<string, string | undefined>): Promise<AppRun> {
  const result = await runNode(resolve(REPO_ROOT, APPS[name].script), {
    nodeArgs: APPS[name].nodeArgs,
    env,
    timeoutMs: RUN_TIMEOUT_MS,
  });
  const line = result.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (result.code !== 0 || line === undefined) {
    throw new Error(`${name} exited ${result.code} (${result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return { result, out: JSON.parse(line) as AppOutput };
}

beforeAll(async () => {
  fake = await startFakeProvider();
  dataDir = mkdtempSync(join(tmpdir(), 'genai-ops-e2e-sdk-examples-'));
  const [started] = await Promise.all([
    startCollectorProcess(dataDir),
    ...NAMES.map(async (name) => {
      captures[name] = new OtlpCapture();
      await captures[name].start();
    }),
  ]);
  collector = started;
  // Seven runs at once: three apps × (http/json to a capture, http/protobuf to the collector), and the
  // cache fixture.
  await Promise.all(
    NAMES.flatMap((name) => [
      run(
        name,
        otlpEnv(captures[name].url, {
          ...baseEnv(name),
          // Metrics go out in the exit flush; a long interval keeps a loaded machine from exporting the
          // cumulative points twice (the sums below would count them twice).
          OTEL_METRIC_EXPORT_INTERVAL: '60000',
        }),
      ).then((r) => {
        viaCapture[name] = r;
      }),
      run(name, { ...baseEnv(name), ...toCollector() }).then((r) => {
        viaCollector[name] = r;
      }),
    ]).concat(
      runNode(resolve(__dirname, 'fixtures/sdk-cached.cjs'), {
        nodeArgs: REQUIRE,
        env: { FAKE_URL: fake.url, OTEL_SERVICE_NAME: 'e2e-cached', NODE_NO_WARNINGS: '1', ...toCollector() },
        timeoutMs: RUN_TIMEOUT_MS,
      }).then((r) => {
        if (r.code !== 0) throw new Error(`sdk-cached.cjs exited ${r.code}:\n${r.stderr}`);
        cached = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      }),
    ),
  );
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await collector?.stop();
  await Promise.all(Object.values(captures).map((c) => c.close()));
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

/** Drops undefined values, so an attribute the SDK had no value for is expected absent. */
function defined(map: Record<string, Value | undefined>): Record<string, Value> {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined)) as Record<string, Value>;
}

function num(v: number | null | undefined): number {
  return v ?? 0;
}

/** Attributes every span of an app has: operation, provider, model, server of the fake. */
function common(operation: string, provider: string, model: string): Record<string, Value> {
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: operation,
    [ATTR_GEN_AI_PROVIDER_NAME]: provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
    [ATTR_SERVER_ADDRESS]: '127.0.0.1',
    [ATTR_SERVER_PORT]: fake.port,
  };
}

/** Streams carry the stream flag and a time to first chunk (volatile: any number). */
function streaming(stream: boolean): Record<string, Value | undefined> {
  return stream
    ? {
        [ATTR_GEN_AI_REQUEST_STREAM]: true,
        [ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: expect.any(Number) as unknown as Value,
      }
    : {};
}

/**
 * Token counts per the conventions, from what the SDK received: cache reads and writes inside input tokens
 * (Anthropic and Bedrock report them apart; Gemini's promptTokenCount already includes them), reasoning
 * inside output tokens.
 */
function tokens(name: AppName, call: Call) {
  const u = call.usage ?? {};
  if (name === 'gemini') {
    return {
      input: num(u.promptTokenCount) + num(u.toolUsePromptTokenCount),
      output: num(u.candidatesTokenCount) + num(u.thoughtsTokenCount),
      cacheRead: u.cachedContentTokenCount ?? undefined,
      cacheWrite: undefined,
      reasoning: u.thoughtsTokenCount ?? undefined,
    };
  }
  if (name === 'bedrock' && call.kind !== 'invoke') {
    return {
      input: num(u.inputTokens) + num(u.cacheReadInputTokens) + num(u.cacheWriteInputTokens),
      output: num(u.outputTokens),
      cacheRead: u.cacheReadInputTokens ?? undefined,
      cacheWrite: u.cacheWriteInputTokens ?? undefined,
      reasoning: undefined,
    };
  }
  // Anthropic Messages usage (the Anthropic SDK, and Claude's native body through InvokeModel).
  return {
    input: num(u.input_tokens) + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens),
    output: num(u.output_tokens),
    cacheRead: u.cache_read_input_tokens ?? undefined,
    cacheWrite: u.cache_creation_input_tokens ?? undefined,
    reasoning: undefined,
  };
}

function tokenAttributes(name: AppName, call: Call): Record<string, Value | undefined> {
  const t = tokens(name, call);
  return {
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: t.input,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: t.output,
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: t.cacheRead,
    [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: t.cacheWrite,
    [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: t.reasoning,
  };
}

/** The whole attribute map the instrumentation must put on the span of `call`. */
function expectedAttributes(name: AppName, call: Call): Record<string, Value> {
  switch (name) {
    case 'anthropic':
      return defined({
        ...common(OP.CHAT, PROVIDER.ANTHROPIC, ANTHROPIC_MODEL),
        [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: MAX_TOKENS,
        ...streaming(call.kind === 'stream'),
        [ATTR_GEN_AI_RESPONSE_ID]: call.id,
        [ATTR_GEN_AI_RESPONSE_MODEL]: call.model,
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [mapFinishReason(call.stopReason)],
        ...tokenAttributes(name, call),
      });
    case 'gemini':
      if (call.kind === 'embed') {
        return defined({
          ...common(OP.EMBEDDINGS, PROVIDER.GCP_GEMINI, GEMINI_EMBEDDING_MODEL),
          [ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: call.dimensions as number,
          [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: call.inputTokens,
        });
      }
      return defined({
        ...common(OP.GENERATE_CONTENT, PROVIDER.GCP_GEMINI, GEMINI_MODEL),
        [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: MAX_TOKENS,
        ...streaming(call.kind === 'stream'),
        [ATTR_GEN_AI_RESPONSE_ID]: call.id,
        [ATTR_GEN_AI_RESPONSE_MODEL]: call.model,
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [mapFinishReason(call.finishReason)],
        ...tokenAttributes(name, call),
      });
    case 'bedrock':
      // Converse has no response id nor model; Claude's native body has an id (Bedrock drops its model).
      return defined({
        ...common(OP.CHAT, PROVIDER.AWS_BEDROCK, BEDROCK_MODEL),
        [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: MAX_TOKENS,
        ...streaming(call.kind === 'converse-stream'),
        [ATTR_GEN_AI_RESPONSE_ID]: call.id,
        [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: [mapFinishReason(call.stopReason)],
        ...tokenAttributes(name, call),
      });
  }
}

function price(name: AppName): Price {
  return name === 'anthropic'
    ? CLAUDE_HAIKU_4_5
    : name === 'gemini'
      ? GEMINI_2_5_FLASH
      : BEDROCK_CLAUDE_HAIKU_4_5;
}

/** The expected cost of a call, by hand: each token part × its per-million price. */
function expectedCost(name: AppName, call: Call): number {
  const t = tokens(name, call);
  const p = price(name);
  const cacheRead = t.cacheRead ?? 0;
  const cacheWrite = t.cacheWrite ?? 0;
  return (
    ((t.input - cacheRead - cacheWrite) * p.input +
      cacheRead * p.cacheRead +
      // NaN (a failure) if a provider without a cache-write price here ever reports writes.
      (cacheWrite > 0 ? cacheWrite * (p.cacheWrite ?? Number.NaN) : 0) +
      t.output * p.output) /
    1e6
  );
}

/** The spans of one app, in call order: the instrumentation's spans by start time. */
function llmSpans(name: AppName): CapturedSpan[] {
  return captures[name].spans
    .filter((s) => s.scope === APPS[name].scope)
    .sort((a, b) => a.startTimeUnixNano.localeCompare(b.startTimeUnixNano));
}

/** Checks the OTLP/JSON side of one app: the app ran clean, one span per call, whole maps, metrics. */
async function checkCaptured(name: AppName): Promise<void> {
  const { result, out } = viaCapture[name];
  const app = APPS[name];
  expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({
    code: 0,
    signal: null,
    stderr: '',
  });
  expect(out.target).toBe('fake');
  expect(out.calls.map((c) => c.kind)).toEqual(app.kinds);
  expect(result.stdout).toContain(`trace id: ${out.traceId}`);
  const capture = captures[name];
  await capture.waitFor(
    () => llmSpans(name).length >= app.kinds.length && capture.spans.some((s) => s.name === app.rootSpan),
    WAIT_MS,
    `${name} spans`,
  );
  await capture.waitFor(() => capture.metrics.length > 0, WAIT_MS, `${name} metrics`);

  // Exactly one span per logical call (no SDK-own or duplicate spans), all children of the app's span.
  const root = capture.spans.find((s) => s.name === app.rootSpan) as CapturedSpan;
  expect(capture.spans).toHaveLength(app.kinds.length + 1);
  const spans = llmSpans(name);
  expect(spans).toHaveLength(app.kinds.length);
  spans.forEach((span, i) => {
    const call = out.calls[i] as Call;
    expect([span.traceId, span.parentSpanId, span.kind, span.status.code]).toEqual([
      out.traceId,
      root.spanId,
      3,
      0,
    ]);
    expect(span.name).toBe(
      `${span.attributes[ATTR_GEN_AI_OPERATION_NAME]} ${span.attributes[ATTR_GEN_AI_REQUEST_MODEL]}`,
    );
    expect(span.attributes).toEqual(expectedAttributes(name, call));
    expect(validateAttributes(span.attributes)).toEqual([]);
    expect(span.resource['service.name']).toBe(`e2e-${name}`);
  });

  // Metrics: token usage sums equal the span tokens per type; one duration point per call.
  const tokenSums: Record<string, number> = {};
  for (const p of capture.metricPoints(METRIC_GEN_AI_CLIENT_TOKEN_USAGE)) {
    const type = String(p.attributes[ATTR_GEN_AI_TOKEN_TYPE]);
    tokenSums[type] = (tokenSums[type] ?? 0) + (p.sum ?? 0);
  }
  const spanTokens = (key: string) => spans.reduce((n, s) => n + Number(s.attributes[key] ?? 0), 0);
  expect(tokenSums).toEqual({
    input: spanTokens(ATTR_GEN_AI_USAGE_INPUT_TOKENS),
    output: spanTokens(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS),
  });
  const durations = capture.metricPoints(METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
  expect(durations.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(app.kinds.length);
  for (const p of durations) {
    expect(p.attributes[ATTR_GEN_AI_PROVIDER_NAME]).toBe(spans[0]?.attributes[ATTR_GEN_AI_PROVIDER_NAME]);
  }
}

const ROW_COLUMNS =
  'parent_span_id, service_name, provider_name, operation_name, request_model, response_model, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd, cost_reason, price_version';

/** Checks the collector side of one app: its rows in DuckDB, with tokens and hand-computed costs. */
async function checkStored(name: AppName): Promise<void> {
  const { result, out } = viaCollector[name];
  const app = APPS[name];
  expect([result.code, result.stderr]).toEqual([0, '']);
  expect(out.calls.map((c) => c.kind)).toEqual(app.kinds);
  const rows = await collector.waitForRows(
    `SELECT ${ROW_COLUMNS} FROM spans WHERE trace_id = '${out.traceId}' AND operation_name IS NOT NULL ORDER BY start_time`,
    (r) => r.length >= app.kinds.length,
    WAIT_MS,
  );
  expect(rows).toHaveLength(app.kinds.length);
  const root = await collector.sql(
    `SELECT span_id FROM spans WHERE trace_id = '${out.traceId}' AND parent_span_id = '' AND name = '${app.rootSpan}'`,
  );
  expect(root).toHaveLength(1);
  out.calls.forEach((call, i) => {
    const row = rows[i] as Record<string, unknown>;
    const attrs = expectedAttributes(name, call);
    expect(row).toMatchObject({
      parent_span_id: root[0]?.span_id,
      service_name: `e2e-${name}`,
      provider_name: attrs[ATTR_GEN_AI_PROVIDER_NAME],
      operation_name: attrs[ATTR_GEN_AI_OPERATION_NAME],
      request_model: attrs[ATTR_GEN_AI_REQUEST_MODEL],
      response_model: attrs[ATTR_GEN_AI_RESPONSE_MODEL] ?? null,
    });
    if (name === 'gemini' && call.kind === 'embed') {
      if (call.inputTokens === undefined) {
        // The SDK received no usage for the embeddings: no tokens, no cost, and a reason (never a silent 0).
        expect(row).toMatchObject({ input_tokens: null, output_tokens: null, cost_usd: null });
        expect(row.cost_reason).toBe('no token usage on span');
      } else {
        expect(row.input_tokens).toBe(call.inputTokens);
        const cost = (call.inputTokens * GEMINI_EMBEDDING_001.input) / 1e6;
        expect(Math.abs((row.cost_usd as number) - cost)).toBeLessThan(TOLERANCE);
      }
      return;
    }
    const t = tokens(name, call);
    expect([row.input_tokens, row.output_tokens]).toEqual([t.input, t.output]);
    expect([row.cache_read_tokens ?? 0, row.cache_creation_tokens ?? 0]).toEqual([
      t.cacheRead ?? 0,
      t.cacheWrite ?? 0,
    ]);
    expect(row.price_version).toBe(PRICE_VERSION);
    expect(row.cost_reason).toBeNull();
    expect(typeof row.cost_usd).toBe('number');
    expect(Math.abs((row.cost_usd as number) - expectedCost(name, call))).toBeLessThan(TOLERANCE);
  });
}

describe.each(NAMES)('%s example under the register entry, against the fake provider', (name) => {
  it('exports one span per call with its whole attribute map, and the GenAI metrics (http/json)', async () => {
    await checkCaptured(name);
  });

  it('lands in DuckDB through the collector (http/protobuf) with provider tokens and hand-computed costs', async () => {
    await checkStored(name);
  });
});

describe('cached input tokens through the collector', () => {
  it('stores cache reads and writes inside input tokens and prices each part at its own rate', async () => {
    expect(cached.calls.map((c) => c.app)).toEqual(['anthropic', 'gemini', 'bedrock']);
    const rows = await collector.waitForRows(
      `SELECT ${ROW_COLUMNS} FROM spans WHERE trace_id = '${cached.traceId}' AND operation_name IS NOT NULL ORDER BY start_time`,
      (r) => r.length >= cached.calls.length,
      WAIT_MS,
    );
    expect(rows).toHaveLength(cached.calls.length);
    cached.calls.forEach(({ app, usage }, i) => {
      const call: Call = { kind: CACHED_KIND[app], usage };
      const t = tokens(app, call);
      // The provider's side: the fake's headers became cache counts in the usage the SDK received.
      expect([t.cacheRead, t.cacheWrite]).toEqual([
        CACHED_TOKENS,
        app === 'gemini' ? undefined : CACHE_WRITE_TOKENS,
      ]);
      const row = rows[i] as Record<string, unknown>;
      expect(row).toMatchObject({
        service_name: 'e2e-cached',
        provider_name: {
          anthropic: PROVIDER.ANTHROPIC,
          gemini: PROVIDER.GCP_GEMINI,
          bedrock: PROVIDER.AWS_BEDROCK,
        }[app],
        input_tokens: t.input,
        output_tokens: t.output,
        cache_read_tokens: CACHED_TOKENS,
        cache_creation_tokens: app === 'gemini' ? null : CACHE_WRITE_TOKENS,
        price_version: PRICE_VERSION,
        cost_reason: null,
      });
      expect(Math.abs((row.cost_usd as number) - expectedCost(app, call))).toBeLessThan(TOLERANCE);
    });
  });
});
