/**
 * End to end: real Node children load the SDK the way users do (CommonJS preload, ESM loader hook), call
 * the fake provider over real HTTP, and export over OTLP to a receiver in this process.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapturedSpan, OtlpCapture } from '../../../test/helpers/otlp-capture.js';
import { otlpEnv, REPO_ROOT, runNode } from '../../../test/helpers/run-node.js';
import { attributeErrors } from './semconv.js';

const { PNG_1PX } = require('./fixtures/scenarios.cjs') as { PNG_1PX: string };

const FIXTURES = resolve(__dirname, 'fixtures');
const SETUP_CJS = resolve(REPO_ROOT, 'test/helpers/setup-otel.cjs');
const SETUP_MJS = resolve(REPO_ROOT, 'test/helpers/setup-otel.mjs');
const INSTRUMENTATION = '@genai-ops/instrumentation-anthropic:AnthropicInstrumentation';
const MODEL = 'claude-sonnet-5-5';
const SCOPE = '@genai-ops/instrumentation-anthropic';
const SDK_SCOPE = 'com.anthropic.sdk.typescript';
const JSON_ATTRIBUTES = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

/**
 * The SDK versions live under alias names in node_modules, which the module hooks do not match; a copy
 * under its real name (`<base>/node_modules/@anthropic-ai/sdk`) is loaded as users load it.
 */
function sdkBase(alias: string): string {
  const base = resolve(__dirname, '.sdk', alias);
  const target = resolve(base, 'node_modules/@anthropic-ai/sdk');
  if (!existsSync(resolve(target, 'package.json'))) {
    mkdirSync(resolve(target, '..'), { recursive: true });
    cpSync(resolve(REPO_ROOT, 'node_modules', alias), target, { recursive: true, dereference: true });
  }
  return base;
}

let fake: FakeProvider;
let capture: OtlpCapture;

beforeAll(async () => {
  fake = await startFakeProvider({ chunkDelayMs: 2 });
  capture = new OtlpCapture();
  await capture.start();
});

afterAll(async () => {
  await capture?.close();
  await fake?.close();
});

interface Run {
  results: Record<string, any>;
  spans: CapturedSpan[];
  stderr: string;
}

/** Runs a fixture and returns its JSON result and the spans of its trace(s). */
async function run(
  script: string,
  scenarios: string,
  options: { esm?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<Run> {
  const before = capture.spans.length;
  const out = await runNode(resolve(FIXTURES, script), {
    nodeArgs: options.esm ? ['--import', SETUP_MJS] : ['--require', SETUP_CJS],
    args: [scenarios],
    env: otlpEnv(capture.url, {
      GENAI_OPS_TEST_INSTRUMENTATIONS: INSTRUMENTATION,
      ANTHROPIC_BASE_URL: fake.url,
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
      ...options.env,
    }),
    timeoutMs: 45_000,
  });
  expect(out.code, out.stderr).toBe(0);
  const line = out.stdout.trim().split('\n').pop() ?? '{}';
  const results = JSON.parse(line);
  const expectedScenarios = Object.keys(results).filter((k) => k !== 'seen').length;
  await capture.waitFor(
    () =>
      capture.spans.slice(before).filter((s) => s.name.startsWith('scenario ')).length >= expectedScenarios,
    10_000,
    'scenario spans',
  );
  // Our spans end before their scenario span; give the batch a moment in case they came in a later export.
  await new Promise((r) => setTimeout(r, 100));
  return { results, spans: capture.spans.slice(before), stderr: out.stderr };
}

/** The spans that are children of `scenario <name>`. */
function childrenOf(r: Run, name: string): CapturedSpan[] {
  const parent = r.spans.find((s) => s.name === `scenario ${name}`);
  expect(parent, `scenario ${name}`).toBeDefined();
  return r.spans.filter((s) => s.parentSpanId === parent!.spanId && s.traceId === parent!.traceId);
}

/** The one span of our scope under a scenario; asserts there is exactly one span (ours) for the call. */
function onlyChat(r: Run, name: string): CapturedSpan {
  const children = childrenOf(r, name);
  expect(children.map((s) => `${s.scope}|${s.name}`)).toEqual([`${SCOPE}|chat ${MODEL}`]);
  return children[0]!;
}

/** Attributes with JSON content parsed and volatile values checked then replaced. */
function normalize(span: CapturedSpan): Record<string, unknown> {
  expect(attributeErrors(span.attributes)).toEqual([]);
  const out: Record<string, unknown> = { ...span.attributes };
  for (const key of JSON_ATTRIBUTES)
    if (typeof out[key] === 'string') out[key] = JSON.parse(out[key] as string);
  const ttfc = out['gen_ai.response.time_to_first_chunk'];
  if (ttfc !== undefined) {
    expect(typeof ttfc).toBe('number');
    expect(ttfc as number).toBeGreaterThan(0);
    out['gen_ai.response.time_to_first_chunk'] = 'ttfc';
  }
  return out;
}

function base(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': MODEL,
    'server.address': '127.0.0.1',
    'server.port': fake.port,
    ...extra,
  };
}

function usage(u: {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}) {
  return {
    'gen_ai.usage.input_tokens':
      u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
    'gen_ai.usage.output_tokens': u.output_tokens,
    'gen_ai.usage.cache_read.input_tokens': u.cache_read_input_tokens,
    'gen_ai.usage.cache_creation.input_tokens': u.cache_creation_input_tokens,
  };
}

const text = (t: string) => ({ type: 'text', content: t });
const user = (t: string) => [{ role: 'user', parts: [text(t)] }];
const assistant = (t: string, finish = 'stop') => [
  { role: 'assistant', parts: [text(t)], finish_reason: finish },
];

const ALL =
  'create,cache,tools,thinking,image,stream,break,helper,betaHelper,withResponse,tee,double,abort,controllerAbort,abortBeforeIterate,streamGc,helperAbort,drop,error429,error500,beta,conversation,count';

describe.each([
  // [label, alias, whether the SDK emits spans of its own]
  ['1.x (1.14.0)', 'anthropic-sdk-v1', true],
  ['0.x latest (0.137.0)', 'anthropic-sdk-v0', true],
  ['0.x range floor (0.50.4)', 'anthropic-sdk-v0-floor', false],
])('@anthropic-ai/sdk %s, CommonJS', (_label, alias, sdkTracing) => {
  let r: Run;
  beforeAll(async () => {
    r = await run('app.cjs', ALL, { env: { SDK_BASE: sdkBase(alias) } });
  });

  it('non-streaming create: whole attribute map, caller params untouched', () => {
    const res = r.results.create;
    expect(res.paramsUnchanged).toBe(true);
    expect(res.stop_reason).toBe('end_turn');
    const span = onlyChat(r, 'create');
    expect(span.kind).toBe(3); // CLIENT
    expect(span.status.code).toBe(0);
    expect(normalize(span)).toEqual(
      base({
        'gen_ai.request.max_tokens': 100,
        'gen_ai.request.temperature': 0.5,
        'gen_ai.request.top_p': 0.9,
        'gen_ai.request.top_k': 40,
        'gen_ai.request.stop_sequences': ['END'],
        'gen_ai.system_instructions': [text('You are terse.')],
        'gen_ai.input.messages': user('Say hello to Paris'),
        'gen_ai.response.id': res.id,
        'gen_ai.response.model': res.model,
        'gen_ai.response.finish_reasons': ['stop'],
        ...usage(res.usage),
        'gen_ai.output.messages': assistant(res.text),
      }),
    );
  });

  it('prompt caching: cache reads and writes counted inside input tokens', () => {
    const res = r.results.cache;
    expect(res.usage.cache_read_input_tokens).toBe(7);
    expect(res.usage.cache_creation_input_tokens).toBe(3);
    const attrs = normalize(onlyChat(r, 'cache'));
    expect(attrs['gen_ai.usage.input_tokens']).toBe(res.usage.input_tokens + 10);
    expect(attrs['gen_ai.usage.cache_read.input_tokens']).toBe(7);
    expect(attrs['gen_ai.usage.cache_creation.input_tokens']).toBe(3);
    expect(attrs['gen_ai.system_instructions']).toEqual([text('Long cached instructions.')]);
  });

  it('tool use and tool results map to tool_call and tool_call_response parts', () => {
    const res = r.results.tools;
    expect(res.first.stop_reason).toBe('tool_use');
    const [first, second] = childrenOf(r, 'tools').sort((a, b) =>
      a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1,
    );
    const a1 = normalize(first!);
    const toolCall = {
      type: 'tool_call',
      id: res.first.tool.id,
      name: 'get_weather',
      arguments: res.first.tool.input,
    };
    expect(a1['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
    expect(a1['gen_ai.output.messages']).toEqual([
      { role: 'assistant', parts: [toolCall], finish_reason: 'tool_call' },
    ]);
    expect(a1['gen_ai.tool.definitions']).toEqual([
      {
        type: 'function',
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    const a2 = normalize(second!);
    expect(a2['gen_ai.input.messages']).toEqual([
      ...user('Use the get_weather tool for Paris'),
      { role: 'assistant', parts: [toolCall] },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: res.first.tool.id, response: 'rainy, 12C' }],
      },
    ]);
    expect(a2['gen_ai.output.messages']).toEqual(assistant(res.second.text));
  });

  it('extended thinking: reasoning parts and the budget', () => {
    const res = r.results.thinking;
    expect(res.blocks).toEqual(['thinking', 'text']);
    const attrs = normalize(onlyChat(r, 'thinking'));
    expect(attrs['anthropic.request.thinking.budget_tokens']).toBe(1024);
    const out = attrs['gen_ai.output.messages'] as Array<{
      parts: Array<{ type: string; content?: string }>;
    }>;
    expect(out[0]!.parts[0]).toEqual({ type: 'reasoning', content: res.thinking });
    expect(out[0]!.parts[1]!.type).toBe('text');
  });

  it('images: base64 as an elided blob, URL as a uri part', () => {
    const attrs = normalize(onlyChat(r, 'image'));
    expect(attrs['gen_ai.input.messages']).toEqual([
      {
        role: 'user',
        parts: [
          {
            type: 'blob',
            modality: 'image',
            mime_type: 'image/png',
            content: '',
            elided: true,
            size: Math.floor((PNG_1PX.length * 3) / 4),
          },
          { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
          text('Describe the images'),
        ],
      },
    ]);
  });

  it('streaming create: usage from message_start and message_delta, time to first chunk', () => {
    const res = r.results.stream;
    const span = onlyChat(r, 'stream');
    expect(normalize(span)).toEqual(
      base({
        'gen_ai.request.max_tokens': 100,
        'gen_ai.request.stream': true,
        'gen_ai.input.messages': user('Stream about Rome'),
        'gen_ai.response.id': res.id,
        'gen_ai.response.model': MODEL,
        'gen_ai.response.finish_reasons': ['stop'],
        ...usage(res.usage),
        'gen_ai.output.messages': assistant(res.text),
        'gen_ai.response.time_to_first_chunk': 'ttfc',
      }),
    );
  });

  it('early break ends the span without error, with what was received', () => {
    expect(r.results.break.events).toBe(3);
    const span = onlyChat(r, 'break');
    expect(span.status.code).toBe(0);
    const attrs = normalize(span);
    expect(attrs['error.type']).toBeUndefined();
    expect(attrs['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(typeof attrs['gen_ai.usage.input_tokens']).toBe('number');
    // message_start's output count is a placeholder; the real one never came.
    expect(attrs['gen_ai.usage.output_tokens']).toBeUndefined();
  });

  it('the messages.stream() helper still works and gives one span', () => {
    const res = r.results.helper;
    expect(res.onText).toBe(res.finalText);
    expect(res.finalText.length).toBeGreaterThan(0);
    const attrs = normalize(onlyChat(r, 'helper'));
    expect(attrs['gen_ai.response.id']).toBe(res.id);
    expect(attrs['gen_ai.output.messages']).toEqual(assistant(res.finalText));
    expect(attrs['gen_ai.usage.output_tokens']).toBe(res.usage.output_tokens);
  });

  it('the beta.messages.stream() helper gives one span', () => {
    const res = r.results.betaHelper;
    const attrs = normalize(onlyChat(r, 'betaHelper'));
    expect(attrs['gen_ai.response.id']).toBe(res.id);
    expect(attrs['gen_ai.output.messages']).toEqual(assistant(res.text));
  });

  it('withResponse() and asResponse() keep working (body read once, by the caller)', () => {
    const res = r.results.withResponse;
    expect(res.status).toBe(200);
    expect(res.rawStatus).toBe(200);
    expect(typeof res.request_id).toBe('string');
    expect(typeof res.rawId).toBe('string');
    const spans = childrenOf(r, 'withResponse');
    expect(spans).toHaveLength(2);
    const ids = spans.map((s) => s.attributes['gen_ai.response.id']);
    expect(ids).toContain(res.id);
    // asResponse(): the caller owns the body, so the span has no response attributes, but it ended.
    expect(ids).toContain(undefined);
    for (const s of spans) expect(s.status.code).toBe(0);
  });

  it('tee() and double iteration: one span, counted once', () => {
    expect(r.results.tee.na).toBe(r.results.tee.nb);
    const tee = normalize(onlyChat(r, 'tee'));
    expect(tee['gen_ai.response.finish_reasons']).toEqual(['stop']);
    const dbl = r.results.double;
    expect(dbl.second.message).toContain('consumed');
    const span = onlyChat(r, 'double');
    expect(span.status.code).toBe(0);
  });

  it('abort mid-stream ends the span as an abort, as the OpenAI instrumentation does', () => {
    const res = r.results.abort;
    expect(res.n).toBeGreaterThanOrEqual(3);
    const span = onlyChat(r, 'abort');
    // The SDK ends an aborted stream quietly; the span still says it was aborted.
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe(res.error?.name ?? 'APIUserAbortError');
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
  });

  it('stream.controller.abort() mid-stream ends the span as an abort', () => {
    expect(r.results.controllerAbort.n).toBeGreaterThanOrEqual(3);
    const span = onlyChat(r, 'controllerAbort');
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('APIUserAbortError');
  });

  it('a stream object collected while its iterator is read: the span ends with the stream, not before', () => {
    expect(r.results.streamGc.events).toBeGreaterThan(2);
    const span = onlyChat(r, 'streamGc');
    expect(span.status.code).toBe(0);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('stream.controller.abort() before the first event ends the span at once', () => {
    expect(r.results.abortBeforeIterate.aborted).toBe(true);
    const span = onlyChat(r, 'abortBeforeIterate');
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('APIUserAbortError');
  });

  it('aborting the messages.stream() helper ends its span as an abort', () => {
    const res = r.results.helperAbort;
    expect(res.error).toMatchObject({ name: 'APIUserAbortError' });
    const span = onlyChat(r, 'helperAbort');
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('APIUserAbortError');
  });

  it('a dropped connection mid-stream is an error', () => {
    const res = r.results.drop;
    expect(res.error).not.toBeNull();
    const span = onlyChat(r, 'drop');
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe(res.error.name);
    const out = JSON.parse(span.attributes['gen_ai.output.messages'] as string);
    expect(out[0].finish_reason).toBe('error');
  });

  it('HTTP 429 and 500 surface as the SDK error classes with error.type', () => {
    expect(r.results.error429.error).toMatchObject({ name: 'RateLimitError', status: 429 });
    expect(r.results.error500.error).toMatchObject({ name: 'InternalServerError', status: 500 });
    const s429 = onlyChat(r, 'error429');
    expect(normalize(s429)).toEqual(
      base({
        'gen_ai.request.max_tokens': 10,
        'gen_ai.input.messages': user('Rate limit me'),
        'error.type': 'RateLimitError',
      }),
    );
    expect(s429.status.code).toBe(2);
    const s500 = onlyChat(r, 'error500');
    expect(s500.attributes['error.type']).toBe('InternalServerError');
    expect(s500.attributes['gen_ai.request.stream']).toBe(true);
  });

  it('beta.messages.create is covered', () => {
    const attrs = normalize(onlyChat(r, 'beta'));
    expect(attrs['gen_ai.response.id']).toBe(r.results.beta.id);
    expect(attrs['gen_ai.output.messages']).toEqual(assistant(r.results.beta.text));
  });

  it('the conversation id given in the SDK request option openTelemetry.conversationId is on our span', () => {
    const spans = childrenOf(r, 'conversation');
    expect(spans.map((s) => `${s.scope}|${s.name}`)).toEqual([
      `${SCOPE}|chat ${MODEL}`,
      `${SCOPE}|chat ${MODEL}`,
    ]);
    for (const s of spans) expect(normalize(s)['gen_ai.conversation.id']).toBe('conv_42');
    expect(spans.map((s) => s.attributes['gen_ai.response.id']).sort()).toEqual(
      [r.results.conversation.id, r.results.conversation.streamedId].sort(),
    );
  });

  it('countTokens gets no inference span; the SDK keeps its own span for it', () => {
    expect(r.results.count.input_tokens).toBeGreaterThan(0);
    const children = childrenOf(r, 'count');
    expect(children.filter((s) => s.scope === SCOPE)).toEqual([]);
    expect(children.map((s) => s.scope)).toEqual(sdkTracing ? [SDK_SCOPE] : []);
  });

  it('never two spans per call: no SDK span for the calls we instrument', () => {
    const sdkSpans = r.spans.filter((s) => s.scope === SDK_SCOPE);
    expect(sdkSpans.map((s) => s.name)).toEqual(sdkTracing ? ['anthropic.messages.count_tokens'] : []);
  });

  it('records the client metrics', async () => {
    await capture.waitFor(
      () => capture.metricPoints('gen_ai.client.operation.duration').length > 0,
      10_000,
      'metrics',
    );
    const duration = capture
      .metricPoints('gen_ai.client.operation.duration')
      .filter(
        (p) =>
          p.attributes['gen_ai.provider.name'] === 'anthropic' &&
          p.attributes['error.type'] === 'RateLimitError',
      );
    expect(duration.length).toBeGreaterThan(0);
    const tokens = capture
      .metricPoints('gen_ai.client.token.usage')
      .filter((p) => p.attributes['gen_ai.token.type'] === 'input');
    expect(tokens.length).toBeGreaterThan(0);
    expect(capture.metricPoints('gen_ai.client.operation.time_to_first_chunk').length).toBeGreaterThan(0);
  });
});

describe('content capture off (default)', () => {
  it('records no content attributes', async () => {
    const r = await run('app.cjs', 'create,stream', {
      env: {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: undefined,
        SDK_BASE: sdkBase('anthropic-sdk-v1'),
      },
    });
    for (const name of ['create', 'stream']) {
      const attrs = normalize(onlyChat(r, name));
      for (const key of JSON_ATTRIBUTES) expect(attrs[key]).toBeUndefined();
      expect(attrs['gen_ai.response.id']).toBe(r.results[name].id);
    }
  });
});

/** The ESM app placed beside a copied SDK, so its static `import '@anthropic-ai/sdk'` loads that version. */
function esmApp(alias: string): string {
  const base = sdkBase(alias);
  for (const f of ['app.mjs', 'scenarios.cjs']) cpSync(resolve(FIXTURES, f), resolve(base, f));
  return resolve(base, 'app.mjs');
}

describe('content capture EVENT_ONLY', () => {
  it('puts content on the details event, not on the span', async () => {
    const r = await run('app.cjs', 'create', {
      env: {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY',
        SDK_BASE: sdkBase('anthropic-sdk-v1'),
      },
    });
    const span = onlyChat(r, 'create');
    const attrs = normalize(span);
    for (const key of JSON_ATTRIBUTES) expect(attrs[key]).toBeUndefined();
    await capture.waitFor(() => capture.logs.some((l) => l.spanId === span.spanId), 10_000, 'details event');
    const event = capture.logs.find((l) => l.spanId === span.spanId)!;
    expect(event.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(event.attributes['gen_ai.input.messages']).toEqual(user('Say hello to Paris'));
    expect(event.attributes['gen_ai.output.messages']).toEqual(assistant(r.results.create.text));
    expect(event.attributes['gen_ai.response.id']).toBe(r.results.create.id);
  });
});

describe.each([
  ['1.x (1.14.0)', 'anthropic-sdk-v1'],
  ['0.x (0.137.0)', 'anthropic-sdk-v0'],
])('ESM, @anthropic-ai/sdk %s', (_label, alias) => {
  it('patches the SDK loaded with import', async () => {
    const r = await run(esmApp(alias), 'create,stream,helper,error429', { esm: true });
    expect(onlyChat(r, 'error429').attributes['error.type']).toBe('RateLimitError');
    expect(normalize(onlyChat(r, 'create'))['gen_ai.response.id']).toBe(r.results.create.id);
    expect(normalize(onlyChat(r, 'stream'))['gen_ai.output.messages']).toEqual(
      assistant(r.results.stream.text),
    );
    expect(normalize(onlyChat(r, 'helper'))['gen_ai.response.id']).toBe(r.results.helper.id);
    expect(r.spans.filter((s) => s.scope === SDK_SCOPE)).toEqual([]);
  });
});

describe('SDK version outside the supported range (0.39.0)', () => {
  it('is a no-op: the app works, no span from us', async () => {
    const r = await run('app.cjs', 'create,stream', { env: { SDK_BASE: sdkBase('anthropic-sdk-old') } });
    expect(r.results.create.text.length).toBeGreaterThan(0);
    expect(r.results.stream.text.length).toBeGreaterThan(0);
    expect(r.spans.filter((s) => s.scope === SCOPE)).toEqual([]);
  });
});

describe.each([
  {
    client: 'bedrock',
    provider: 'aws.bedrock',
    model: 'anthropic.claude-sonnet-5-5-v1:0',
    text: 'Bedrock',
    path: '/model/anthropic.claude-sonnet-5-5-v1:0/invoke',
  },
  {
    client: 'vertex',
    provider: 'gcp.vertex_ai',
    model: 'claude-sonnet-5-5@20260101',
    text: 'Vertex',
    path: '/v1/projects/fake-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-5-5@20260101:rawPredict',
  },
])('$client client', ({ client, provider, model, text, path }) => {
  it(`reports ${provider} through the same patch, streaming or not`, async () => {
    const before = fake.requests.length;
    const r = await run('cloud-clients.cjs', client);
    const res = r.results[client];
    const [span, ...rest] = childrenOf(r, client);
    expect(rest).toEqual([]);
    expect(span!.scope).toBe(SCOPE);
    const attrs = normalize(span!);
    expect(attrs).toEqual({
      ...base({ 'gen_ai.provider.name': provider, 'gen_ai.request.model': model }),
      'gen_ai.request.max_tokens': 50,
      'gen_ai.input.messages': user(`Hello from ${text}`),
      'gen_ai.response.id': res.id,
      'gen_ai.response.model': res.model,
      'gen_ai.response.finish_reasons': ['stop'],
      ...usage(res.usage),
      'gen_ai.output.messages': assistant(res.text),
    });
    // The client's own wire shape reached the fake provider (not the plain Messages route).
    const paths = fake.requests.slice(before).map((q) => q.path.split('?')[0]);
    expect(paths).toContain(path);
    expect(paths).not.toContain('/v1/messages');
    const streamed = r.results[`${client}Stream`];
    const [streamSpan, ...others] = childrenOf(r, `${client}Stream`);
    expect(others).toEqual([]);
    const sAttrs = normalize(streamSpan!);
    expect(sAttrs['gen_ai.provider.name']).toBe(provider);
    expect(sAttrs['gen_ai.request.stream']).toBe(true);
    expect(sAttrs['gen_ai.response.id']).toBe(streamed.id);
    expect(sAttrs['gen_ai.output.messages']).toEqual(assistant(streamed.text));
  });
});

describe('guard hook', () => {
  it('redacts input on a copy, blocks before the provider, stops a stream, redacts output', async () => {
    const before = fake.requests.length;
    const r = await run('guard.cjs', '');
    const sent = fake.requests.slice(before);
    // redact: the provider got the redacted copy; the caller's params are unchanged.
    expect(r.results.redact.paramsUnchanged).toBe(true);
    const first = sent[0]!.body as { system: string; messages: Array<{ content: string }> };
    expect(first.system).toBe('Keep the [REDACTED]');
    expect(first.messages[0]!.content).toBe('My [REDACTED] is here');
    expect(r.results.seen[0]).toEqual(['system:Keep the SECRET', 'user:My SECRET is here']);
    // Non-streamed output redacted before the caller saw it.
    expect(r.results.redact.text.startsWith('[ECHO]')).toBe(true);
    const redactSpan = normalize(onlyChat(r, 'redact'));
    expect(redactSpan['gen_ai.input.messages']).toEqual(user('My [REDACTED] is here'));
    expect(redactSpan['gen_ai.output.messages']).toEqual(assistant(r.results.redact.text));
    // block: the error reached the caller, the provider was never called for it.
    expect(r.results.block.error).toEqual({ name: 'GuardrailViolationError', message: 'blocked input' });
    expect(sent.some((q) => JSON.stringify(q.body).includes('BLOCKME'))).toBe(false);
    const blockSpan = onlyChat(r, 'block');
    expect(blockSpan.attributes['error.type']).toBe('GuardrailViolationError');
    // stream stopped by the output guard: the error surfaced from the caller's iteration.
    expect(r.results.streamStop.error).toEqual({
      name: 'GuardrailViolationError',
      message: 'blocked output',
    });
    const stopSpan = onlyChat(r, 'streamStop');
    expect(stopSpan.status.code).toBe(2);
    expect(stopSpan.attributes['error.type']).toBe('GuardrailViolationError');
  });
});
