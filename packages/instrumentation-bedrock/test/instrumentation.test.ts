/**
 * End to end: the real @aws-sdk/client-bedrock-runtime in a child process, over real HTTP (AWS
 * event-stream framing for streams) to the fake provider, exporting real OTLP to a local receiver.
 * Emitted attributes are compared whole and validated against ../shared/semconv.
 */
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCapture } from '../../../test/helpers/otlp-capture.js';
import { validateAttributes, validateMessages } from '../../../test/helpers/semconv.js';
import { FIXTURES, makeOutOfRangeSdk, normalize, removeSdks, runScenario } from './harness.js';

let capture: OtlpCapture;
let fake: FakeProvider;
let v4Dir: string;

beforeAll(async () => {
  capture = new OtlpCapture();
  await capture.start();
  fake = await startFakeProvider({ chunkDelayMs: 5 });
  v4Dir = makeOutOfRangeSdk();
});

afterAll(async () => {
  await fake?.close();
  await capture?.close();
  removeSdks();
});

const run = (scenario: string, options: Parameters<typeof runScenario>[3] = {}) =>
  runScenario(capture, fake.url, scenario, options);
const headers = (h: Record<string, string>) => ({ BEDROCK_HEADERS: JSON.stringify(h) });
const json = (v: unknown) => JSON.stringify(v);

const MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const BASE = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'aws.bedrock',
  'gen_ai.request.model': MODEL,
  'server.address': '127.0.0.1',
  'server.port': '<port>',
};
const CONVERSE_REQUEST = {
  'gen_ai.request.max_tokens': 100,
  'gen_ai.request.temperature': 0.5,
  'gen_ai.request.top_p': 0.9,
  'gen_ai.request.top_k': 20,
  'gen_ai.request.stop_sequences': ['END'],
};

function expectValid(attributes: Record<string, unknown>): void {
  // error.type is an open enum in the conventions; the shared validator only knows `_OTHER`.
  expect(validateAttributes(attributes, { allowExtra: ['error.type'] })).toEqual([]);
  if (attributes['error.type'] !== undefined) expect(typeof attributes['error.type']).toBe('string');
  const kinds = {
    'gen_ai.input.messages': 'input',
    'gen_ai.output.messages': 'output',
    'gen_ai.system_instructions': 'system',
  } as const;
  for (const [key, kind] of Object.entries(kinds)) {
    if (attributes[key] !== undefined) expect(validateMessages(kind, attributes[key]), key).toEqual([]);
  }
  if (attributes['gen_ai.tool.definitions'] !== undefined)
    expect(validateMessages('tools', attributes['gen_ai.tool.definitions'])).toEqual([]);
}

describe('Converse', () => {
  it('non-streaming with content capture: one span, whole attribute map', async () => {
    const out = await run('converse', { captureContent: true });
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({
      text: 'Echo: Tell me a story',
      stopReason: 'end_turn',
      sent: 'Tell me a story',
    });
    expect(out.spans).toHaveLength(1);
    const span = out.spans[0]!;
    expect(span.name).toBe(`chat ${MODEL}`);
    expect(span.kind).toBe(3);
    expect(normalize(span.attributes)).toEqual({
      ...BASE,
      ...CONVERSE_REQUEST,
      'aws.bedrock.guardrail.id': 'gr-123',
      'gen_ai.system_instructions': json([{ type: 'text', content: 'Be brief.' }]),
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'Tell me a story' }] },
      ]),
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 6,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.output.messages': json([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: 'Echo: Tell me a story' }],
          finish_reason: 'stop',
        },
      ]),
    });
    expectValid(span.attributes);
  });

  it('the callback form send(command[, options], callback): one span per call, the outcome to the callback', async () => {
    const out = await run('converse-callback');
    const r = out.result as {
      ok: { err?: string; text?: string; returned?: string };
      failed: { err?: string; text?: string; returned?: string };
    };
    expect(r.ok.text?.length).toBeGreaterThan(0);
    expect(r.ok.err).toBeUndefined();
    // The request for an empty model id fails (the fake provider has no such route): the error is the callback's.
    expect([typeof r.failed.err, r.failed.text, r.failed.returned]).toEqual(['string', undefined, undefined]);
    expect(r.ok.returned).toBeUndefined();
    expect(out.spans).toHaveLength(2);
    const [ok, failed] = [...out.spans].sort(
      (a, b) => Number(a.startTimeUnixNano) - Number(b.startTimeUnixNano),
    );
    expect(normalize(ok!.attributes)).toMatchObject({ ...BASE, 'gen_ai.usage.output_tokens': 5 });
    expect(failed!.attributes['error.type']).toBeDefined();
    expect(failed!.status.code).toBe(2);
  });

  it('content capture off: no message attributes', async () => {
    const out = await run('converse');
    expect(normalize(out.spans[0]!.attributes)).toEqual({
      ...BASE,
      ...CONVERSE_REQUEST,
      'aws.bedrock.guardrail.id': 'gr-123',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 6,
      'gen_ai.usage.output_tokens': 5,
    });
  });

  it('cache reads and writes are added to input_tokens (Bedrock reports them apart)', async () => {
    const out = await run('converse-cache', {
      env: headers({ 'x-fake-cached-tokens': '7', 'x-fake-cache-write-tokens': '3' }),
    });
    const usage = out.result?.usage as {
      inputTokens: number;
      cacheReadInputTokens: number;
      cacheWriteInputTokens: number;
      outputTokens: number;
    };
    expect(usage.cacheReadInputTokens).toBe(7);
    const a = out.spans[0]!.attributes;
    expect({
      input: a['gen_ai.usage.input_tokens'],
      output: a['gen_ai.usage.output_tokens'],
      read: a['gen_ai.usage.cache_read.input_tokens'],
      write: a['gen_ai.usage.cache_creation.input_tokens'],
    }).toEqual({ input: usage.inputTokens + 7 + 3, output: usage.outputTokens, read: 7, write: 3 });
  });

  it('tool use, tool results and images become tool_call / tool / blob parts', async () => {
    const out = await run('converse-tools', { captureContent: true });
    expect(out.result?.stopReason).toBe('tool_use');
    const a = out.spans[0]!.attributes;
    expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 't1', name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: 'rainy' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Again, use the get_weather tool' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: '', elided: true, size: 3 },
        ],
      },
    ]);
    expect(a['gen_ai.tool.definitions']).toBe(json([{ type: 'function', name: 'get_weather' }]));
    const toolUse = (out.result!.content as Array<{ toolUse: { toolUseId: string } }>)[0]!.toolUse;
    expect(JSON.parse(a['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: toolUse.toolUseId, name: 'get_weather', arguments: {} }],
        finish_reason: 'tool_call',
      },
    ]);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
    expectValid(a);
  });

  it('ConverseStream: one span ended after the last event, whole attribute map', async () => {
    const out = await run('converse-stream', { captureContent: true });
    expect(out.result).toEqual({ events: 9, text: 'Echo: Stream me a long story please' });
    expect(out.spans).toHaveLength(1);
    expect(normalize(out.spans[0]!.attributes)).toEqual({
      ...BASE,
      ...CONVERSE_REQUEST,
      'gen_ai.request.stream': true,
      'gen_ai.system_instructions': json([{ type: 'text', content: 'Be brief.' }]),
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'Stream me a long story please' }] },
      ]),
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.output.messages': json([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: 'Echo: Stream me a long story please' }],
          finish_reason: 'stop',
        },
      ]),
      'gen_ai.response.time_to_first_chunk': '<seconds>',
    });
    expectValid(out.spans[0]!.attributes);
  });

  it('ConverseStream tool use: streamed tool input becomes a tool_call part', async () => {
    const out = await run('converse-stream-tools', { captureContent: true });
    const output = JSON.parse(out.spans[0]!.attributes['gen_ai.output.messages'] as string);
    expect(output[0].parts[0]).toMatchObject({ type: 'tool_call', name: 'get_weather', arguments: {} });
    expect(output[0].finish_reason).toBe('tool_call');
  });

  it('early break: the span ends, partial output marked cancelled', async () => {
    const out = await run('converse-stream-break', { captureContent: true });
    expect(out.result?.events).toBe(3);
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(0);
    const output = JSON.parse(out.spans[0]!.attributes['gen_ai.output.messages'] as string);
    // Exactly what the caller read before it stopped.
    expect(output).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: out.result?.text }], finish_reason: 'cancelled' },
    ]);
    expect(out.spans[0]!.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
  });

  it('double iteration behaves as without us (the SDK yields 1 event the second time), one span', async () => {
    const out = await run('converse-stream-twice');
    expect(out.result).toEqual({ first: 9, second: 1 });
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.attributes['gen_ai.usage.output_tokens']).toBe(7);
  });

  it('a dropped connection mid-stream: the caller gets the error, the span ends with error.type', async () => {
    const out = await run('converse-stream-drop', { env: headers({ 'x-fake-drop-after-chunks': '3' }) });
    expect(out.error).toBeDefined();
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(2);
    // The SDK's event stream over HTTP/2 fails with a plain Error whose code says what happened.
    expect(out.spans[0]!.attributes['error.type']).toBe(out.error!.code ?? out.error!.name);
  });

  it('abort: the AbortError reaches the caller and is the error.type', async () => {
    const out = await run('abort', { env: headers({ 'x-fake-latency-ms': '2000' }) });
    expect(out.error?.name).toBe('AbortError');
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.attributes['error.type']).toBe('AbortError');
  });

  it.each([
    ['400', 'ValidationException'],
    ['429', 'ThrottlingException'],
    ['500', 'InternalServerException'],
  ])('HTTP %s: %s to the caller and as error.type', async (status, name) => {
    const out = await run('error', { env: headers({ 'x-fake-status': status }) });
    expect(out.error?.name).toBe(name);
    expect(out.spans).toHaveLength(1);
    const span = out.spans[0]!;
    expect(span.status.code).toBe(2);
    expect(normalize(span.attributes)).toEqual({ ...BASE, ...CONVERSE_REQUEST, 'error.type': name });
    expectValid(span.attributes);
  });

  it('records the client metrics with the resolved server address', async () => {
    const out = await run('converse');
    expect(out.spans).toHaveLength(1);
    await capture.waitFor(
      () =>
        capture
          .metricPoints('gen_ai.client.operation.duration')
          .some((p) => p.attributes['gen_ai.provider.name'] === 'aws.bedrock'),
      5000,
      'duration metric',
    );
    const point = capture
      .metricPoints('gen_ai.client.token.usage')
      .find(
        (p) =>
          p.attributes['gen_ai.provider.name'] === 'aws.bedrock' &&
          p.attributes['gen_ai.token.type'] === 'input',
      );
    expect(normalize(point!.attributes)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': MODEL,
      'gen_ai.token.type': 'input',
      'server.address': '127.0.0.1',
      'server.port': '<port>',
    });
  });
});

describe('InvokeModel: each model family', () => {
  const cases: Array<[string, string, string, Record<string, unknown>]> = [
    [
      'anthropic',
      'chat',
      'anthropic.claude-3-haiku-20240307-v1:0',
      { 'gen_ai.request.max_tokens': 100, 'gen_ai.request.temperature': 0.3, 'gen_ai.request.top_k': 5 },
    ],
    ['nova', 'chat', 'amazon.nova-lite-v1:0', { 'gen_ai.request.max_tokens': 50, 'gen_ai.request.top_k': 3 }],
    [
      'titan',
      'text_completion',
      'amazon.titan-text-express-v1',
      {
        'gen_ai.request.max_tokens': 50,
        'gen_ai.request.temperature': 0.1,
        'gen_ai.request.top_p': 0.9,
        'gen_ai.request.stop_sequences': ['User:'],
      },
    ],
    [
      'llama',
      'text_completion',
      'meta.llama3-8b-instruct-v1:0',
      { 'gen_ai.request.max_tokens': 64, 'gen_ai.request.temperature': 0.2, 'gen_ai.request.top_p': 0.8 },
    ],
    [
      'mistral',
      'text_completion',
      'mistral.mistral-7b-instruct-v0:2',
      {
        'gen_ai.request.max_tokens': 40,
        'gen_ai.request.top_k': 10,
        'gen_ai.request.stop_sequences': ['</s>'],
      },
    ],
    ['mistral-chat', 'chat', 'mistral.mistral-large-2407-v1:0', { 'gen_ai.request.max_tokens': 40 }],
    ['cohere', 'chat', 'cohere.command-r-v1:0', { 'gen_ai.request.top_p': 0.5, 'gen_ai.request.top_k': 4 }],
  ];

  it.each(cases)(
    '%s: %s span with its request parameters, output and usage; the caller body is intact',
    async (family, operation, model, request) => {
      const out = await run(`invoke-${family}`, { captureContent: true });
      expect(out.error).toBeUndefined();
      expect(out.result?.sentUnchanged).toBe(true);
      expect(out.spans).toHaveLength(1);
      const a = out.spans[0]!.attributes;
      expect(out.spans[0]!.name).toBe(`${operation} ${model}`);
      // Request side compared whole; the response side checked against what the caller received.
      const requestSide = Object.fromEntries(
        Object.entries(normalize(a)).filter(
          ([k]) => !/^gen_ai\.(response|usage|output|input|system)/.test(k),
        ),
      );
      expect(requestSide).toEqual({
        ...BASE,
        'gen_ai.operation.name': operation,
        'gen_ai.request.model': model,
        ...request,
      });
      const output = JSON.parse(a['gen_ai.output.messages'] as string);
      expect(output).toHaveLength(1);
      expect(output[0].finish_reason).toBe('stop');
      expect(JSON.stringify(out.result?.body)).toContain(output[0].parts[0].content);
      expect(JSON.parse(a['gen_ai.input.messages'] as string).at(-1).parts[0].content).toMatch(/Hello/);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
      expectValid(a);
    },
  );

  it.each([
    [
      'titan-embed',
      'amazon.titan-embed-text-v2:0',
      { 'gen_ai.embeddings.dimension.count': 256, 'gen_ai.usage.input_tokens': 2 },
    ],
    [
      'cohere-embed',
      'cohere.embed-english-v3',
      { 'gen_ai.embeddings.dimension.count': 1024, 'gen_ai.response.id': '<id>' },
    ],
  ])('%s: an embeddings span', async (family, model, expected) => {
    const out = await run(`invoke-${family}`, { captureContent: true });
    expect(out.spans).toHaveLength(1);
    expect(normalize(out.spans[0]!.attributes)).toEqual({
      ...BASE,
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': model,
      ...expected,
    });
    expectValid(out.spans[0]!.attributes);
  });

  it.each(['anthropic', 'nova', 'titan', 'llama', 'mistral', 'mistral-chat', 'cohere'])(
    'InvokeModelWithResponseStream %s: the joined text, finish reason and usage',
    async (family) => {
      const sync = await run(`invoke-${family}`, { captureContent: true });
      const streamed = await run(`invoke-stream-${family}`, { captureContent: true });
      expect(streamed.error).toBeUndefined();
      expect(streamed.spans).toHaveLength(1);
      const a = streamed.spans[0]!.attributes;
      const b = sync.spans[0]!.attributes;
      expect(a['gen_ai.request.stream']).toBe(true);
      expect(a['gen_ai.output.messages']).toBe(b['gen_ai.output.messages']);
      expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
      expect(a['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(typeof a['gen_ai.response.time_to_first_chunk']).toBe('number');
      expectValid(a);
    },
  );
});

describe('guard hook', () => {
  const preload = [`${FIXTURES}/guard.cjs`];

  it('Converse: redacts input on a new command, the caller keeps its own; rewrites the output', async () => {
    const out = await run('say', {
      preload,
      captureContent: true,
      env: { BEDROCK_TEXT: 'my secret-123 please' },
    });
    expect(out.result?.sent).toBe('my secret-123 please');
    expect(out.result?.text).toMatch(/^ECHO: my \[REDACTED\] please/);
    const body = fake.requests.at(-1)!.body as { messages: Array<{ content: Array<{ text: string }> }> };
    expect(body.messages[0]!.content[0]!.text).toBe('my [REDACTED] please');
  });

  it('InvokeModel: redacts the native body and the response body', async () => {
    const out = await run('say-invoke', { preload, env: { BEDROCK_TEXT: 'my secret-123 please' } });
    expect((fake.requests.at(-1)!.body as { prompt: string }).prompt).toBe('my [REDACTED] please');
    expect((out.result!.body as { generation: string }).generation).toMatch(/^ECHO: my \[REDACTED\] please/);
  });

  it('blocks input: the provider is never called, the caller gets the guard error', async () => {
    const before = fake.requests.length;
    const out = await run('say', { preload, env: { BEDROCK_TEXT: 'forbidden words' } });
    expect(out.error).toEqual({ name: 'Error', message: 'input blocked' });
    expect(fake.requests.length).toBe(before);
    expect(out.spans[0]!.attributes['error.type']).toBe('GuardrailViolationError');
  });

  it('stops a stream whose output it blocks: the error surfaces from the iteration', async () => {
    const out = await run('stream-say', { preload, env: { BEDROCK_TEXT: 'Stream me a long story please' } });
    expect(out.error?.message).toBe('output blocked');
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.attributes['error.type']).toBe('GuardrailViolationError');
  });
});

describe('with @opentelemetry/instrumentation-aws-sdk', () => {
  it('our GenAI span is the parent of the AWS SDK span, one of each per call', async () => {
    const out = await run('converse', {
      env: {
        GENAI_OPS_TEST_INSTRUMENTATIONS:
          '@genai-ops/instrumentation-bedrock:BedrockRuntimeInstrumentation,@opentelemetry/instrumentation-aws-sdk:AwsInstrumentation',
      },
    });
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(out.spans).toHaveLength(2);
    const ours = out.spans.find((s) => s.scope === '@genai-ops/instrumentation-bedrock')!;
    const aws = out.spans.find((s) => s.scope !== '@genai-ops/instrumentation-bedrock')!;
    expect(ours.name).toBe(`chat ${MODEL}`);
    expect(aws.parentSpanId).toBe(ours.spanId);
    expect(aws.traceId).toBe(ours.traceId);
  });
});

describe('module systems and versions', () => {
  it('ESM (import with the import-in-the-middle hook): same spans as CommonJS', async () => {
    const out = await run('converse', { esm: true });
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(out.spans).toHaveLength(1);
    expect(normalize(out.spans[0]!.attributes)).toMatchObject({ ...BASE, ...CONVERSE_REQUEST });
    const streamed = await run('converse-stream', { esm: true });
    expect(streamed.result).toMatchObject({ events: 9 });
    expect(streamed.spans).toHaveLength(1);
  });

  it('a version outside the range (4.0.0) is left alone: the call works, no span', async () => {
    const out = await run('converse', { appDir: v4Dir });
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(out.spans).toEqual([]);
  });
});
