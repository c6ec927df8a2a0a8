/**
 * End to end: the real @google/genai SDK (2.x, 1.x, and 0.x out of range) in a child process, over real
 * HTTP to the fake provider, exporting real OTLP to a local receiver. Emitted attributes are checked
 * whole against expected maps and validated against ../shared/semconv.
 */
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCapture } from '../../../test/helpers/otlp-capture.js';
import { validateAttributes, validateMessages } from '../../../test/helpers/semconv.js';
import { FIXTURES, linkSdkVersion, normalize, removeSdkVersions, runScenario } from './harness.js';

let capture: OtlpCapture;
let fake: FakeProvider;
let v1Dir: string;
let v0Dir: string;

beforeAll(async () => {
  capture = new OtlpCapture();
  await capture.start();
  fake = await startFakeProvider({ chunkDelayMs: 5 });
  v1Dir = linkSdkVersion('google-genai-v1');
  v0Dir = linkSdkVersion('google-genai-v0');
});

afterAll(async () => {
  await fake?.close();
  await capture?.close();
  removeSdkVersions();
});

const run = (scenario: string, options: Parameters<typeof runScenario>[3] = {}) =>
  runScenario(capture, fake.url, scenario, options);

const BASE = {
  'gen_ai.operation.name': 'generate_content',
  'gen_ai.provider.name': 'gcp.gemini',
  'gen_ai.request.model': 'gemini-2.0-flash',
  'server.address': '127.0.0.1',
  'server.port': '<port>',
};

const GENERATE_REQUEST = {
  'gen_ai.request.temperature': 0.5,
  'gen_ai.request.top_p': 0.9,
  'gen_ai.request.top_k': 40,
  'gen_ai.request.max_tokens': 200,
  'gen_ai.request.stop_sequences': ['END'],
  'gen_ai.request.seed': 7,
  'gen_ai.request.presence_penalty': 0.1,
  'gen_ai.request.frequency_penalty': 0.2,
  'gen_ai.request.reasoning.level': '1024',
};

function expectValid(attributes: Record<string, unknown>): void {
  // error.type is an open enum in the conventions (any class name or provider code); the shared
  // validator only knows `_OTHER`, so it is checked here as a string instead.
  expect(validateAttributes(attributes, { allowExtra: ['error.type'] })).toEqual([]);
  if (attributes['error.type'] !== undefined) expect(typeof attributes['error.type']).toBe('string');
  const kinds = {
    'gen_ai.input.messages': 'input',
    'gen_ai.output.messages': 'output',
    'gen_ai.system_instructions': 'system',
  } as const;
  if (attributes['gen_ai.tool.definitions'] !== undefined) {
    expect(validateMessages('tools', attributes['gen_ai.tool.definitions'])).toEqual([]);
  }
  for (const [key, kind] of Object.entries(kinds)) {
    if (attributes[key] !== undefined) expect(validateMessages(kind, attributes[key]), key).toEqual([]);
  }
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

describe('GoogleGenAIInstrumentation (@google/genai 2.x, CommonJS)', () => {
  it('non-streaming generateContent with content capture: one span, whole attribute map', async () => {
    const out = await run('generate', { captureContent: true });
    expect(out.error).toBeUndefined();
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(out.spans).toHaveLength(1);
    const span = out.spans[0]!;
    expect(span.name).toBe('generate_content gemini-2.0-flash');
    expect(span.kind).toBe(3);
    expect(span.status.code).toBe(0);
    expect(normalize(span.attributes)).toEqual({
      ...BASE,
      ...GENERATE_REQUEST,
      'gen_ai.system_instructions': json([{ type: 'text', content: 'Be brief.' }]),
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'Hello there' }] },
        { role: 'assistant', parts: [{ type: 'text', content: 'Hi!' }] },
        { role: 'user', parts: [{ type: 'text', content: 'Tell me a story' }] },
      ]),
      'gen_ai.response.id': '<id>',
      'gen_ai.response.model': 'gemini-2.0-flash',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.output.messages': json([
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', content: 'Thinking about: Tell me a story' },
            { type: 'text', content: 'Echo: Tell me a story' },
          ],
          finish_reason: 'stop',
        },
      ]),
    });
    expectValid(span.attributes);
  });

  it('content capture off (the default): no message attributes', async () => {
    const out = await run('generate');
    expect(out.spans).toHaveLength(1);
    expect(normalize(out.spans[0]!.attributes)).toEqual({
      ...BASE,
      ...GENERATE_REQUEST,
      'gen_ai.response.id': '<id>',
      'gen_ai.response.model': 'gemini-2.0-flash',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 5,
    });
    expectValid(out.spans[0]!.attributes);
  });

  it('cache and reasoning usage: input includes cached, output includes thoughts', async () => {
    const out = await run('say', {
      env: {
        GENAI_TEXT: 'Hello',
        GENAI_EXTRA_HEADERS: json({ 'x-fake-cached-tokens': '4', 'x-fake-reasoning-tokens': '3' }),
      },
    });
    const attrs = out.spans[0]!.attributes;
    const usage = out.result?.usage as {
      promptTokenCount: number;
      candidatesTokenCount: number;
      thoughtsTokenCount: number;
    };
    const request = fake.requests.at(-1)!;
    expect(request.headers['x-fake-cached-tokens']).toBe('4');
    expect({
      input: attrs['gen_ai.usage.input_tokens'],
      output: attrs['gen_ai.usage.output_tokens'],
      cacheRead: attrs['gen_ai.usage.cache_read.input_tokens'],
      reasoning: attrs['gen_ai.usage.reasoning.output_tokens'],
    }).toEqual({
      input: usage.promptTokenCount,
      output: usage.candidatesTokenCount + usage.thoughtsTokenCount,
      cacheRead: 4,
      reasoning: 3,
    });
  });

  it('tools, JSON output and a function call answer; helper getters still work', async () => {
    const out = await run('tools', { captureContent: true });
    expect(out.result?.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'example' } }]);
    const attrs = out.spans[0]!.attributes;
    expect(normalize(attrs)).toEqual({
      ...BASE,
      'gen_ai.output.type': 'json',
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'What is the weather? use the get_weather tool' }] },
      ]),
      'gen_ai.tool.definitions': json([{ type: 'function', name: 'get_weather' }]),
      'gen_ai.response.id': '<id>',
      'gen_ai.response.model': 'gemini-2.0-flash',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': attrs['gen_ai.usage.input_tokens'] as number,
      'gen_ai.usage.output_tokens': attrs['gen_ai.usage.output_tokens'] as number,
      'gen_ai.output.messages': json([
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'example' } }],
          finish_reason: 'stop',
        },
      ]),
    });
    expectValid(attrs);
  });

  it('tool results, inline data and file URIs become tool / blob / uri parts', async () => {
    const out = await run('tool-result', { captureContent: true });
    const attrs = out.spans[0]!.attributes;
    expect(JSON.parse(attrs['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: null, name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: null, response: { forecast: 'rainy' } }] },
      {
        role: 'user',
        parts: [
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: '', elided: true, size: 6 },
          { type: 'uri', modality: 'document', mime_type: 'application/pdf', uri: 'gs://bucket/doc.pdf' },
        ],
      },
    ]);
    expectValid(attrs);
  });

  it('streaming: one span ended after the last chunk, with time to first chunk', async () => {
    const out = await run('stream', { captureContent: true });
    expect(out.result).toEqual({ text: 'Echo: Stream me a long story please', chunks: 5 });
    expect(out.spans).toHaveLength(1);
    const attrs = out.spans[0]!.attributes;
    expect(normalize(attrs)).toEqual({
      ...BASE,
      'gen_ai.request.stream': true,
      'gen_ai.input.messages': json([
        { role: 'user', parts: [{ type: 'text', content: 'Stream me a long story please' }] },
      ]),
      'gen_ai.response.id': '<id>',
      'gen_ai.response.model': 'gemini-2.0-flash',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 8,
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
    expectValid(attrs);
  });

  it('streaming with an early break: the span still ends, with what was read', async () => {
    const out = await run('stream-break', { captureContent: true });
    expect(out.result).toEqual({ chunks: 2 });
    expect(out.spans).toHaveLength(1);
    const attrs = out.spans[0]!.attributes;
    expect(out.spans[0]!.status.code).toBe(0);
    expect(attrs['gen_ai.response.finish_reasons']).toBeUndefined();
    const output = JSON.parse(attrs['gen_ai.output.messages'] as string);
    expect(output).toHaveLength(1);
    expect(output[0].finish_reason).toBe('cancelled');
    expect('Echo: Stream me a long story please'.startsWith(output[0].parts[0].content)).toBe(true);
    expectValid(attrs);
  });

  it('double iteration: the second loop sees nothing (as without us), still one span', async () => {
    const out = await run('stream-twice');
    expect(out.result).toEqual({ first: 5, second: 0 });
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(0);
  });

  it('a dropped connection mid-stream: the caller gets the error, the span ends with error.type', async () => {
    const out = await run('stream-drop');
    expect(out.error?.name).toBe('TypeError');
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(2);
    expect(out.spans[0]!.attributes['error.type']).toBe('TypeError');
  });

  it('abort: AbortError reaches the caller and is the error.type', async () => {
    const out = await run('abort');
    expect(out.error?.message).toMatch(/abort/i);
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(2);
    expect(out.spans[0]!.attributes['error.type']).toBe('AbortError');
  });

  it('abort mid-stream (config.abortSignal): AbortError reaches the caller and is the error.type', async () => {
    const out = await run('stream-abort-mid', { captureContent: true });
    expect(out.error?.message).toMatch(/abort/i);
    expect(out.spans).toHaveLength(1);
    const attrs = out.spans[0]!.attributes;
    expect(out.spans[0]!.status.code).toBe(2);
    expect(attrs['error.type']).toBe('AbortError');
    expect(JSON.parse(attrs['gen_ai.output.messages'] as string)[0].finish_reason).toBe('error');
  });

  it('abort before the stream is read, stream kept and never read: the span ends at the abort', async () => {
    const out = await run('stream-abort-before-read');
    expect(out.result).toEqual({ kept: 'function' });
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(2);
    expect(normalize(out.spans[0]!.attributes)).toEqual({
      ...BASE,
      'gen_ai.request.stream': true,
      'error.type': 'AbortError',
    });
  });

  it('a per-request httpOptions.baseUrl is the server.address (not the client base URL)', async () => {
    const out = await run('request-base-url');
    expect(out.result?.text).toMatch(/^Echo: Hello/);
    expect(out.spans).toHaveLength(1);
    const attrs = out.spans[0]!.attributes;
    expect({ address: attrs['server.address'], port: attrs['server.port'] }).toEqual({
      address: '127.0.0.1',
      port: fake.port,
    });
  });

  it.each(['blocked', 'blocked-stream'])(
    '%s: a prompt blocked by promptFeedback (no candidates) finishes as content_filter',
    async (scenario) => {
      const out = await run(scenario, { captureContent: true });
      expect(out.error).toBeUndefined();
      expect(out.result).toEqual(
        scenario === 'blocked' ? { text: null, blockReason: 'PROHIBITED_CONTENT' } : { chunks: 1 },
      );
      expect(out.spans).toHaveLength(1);
      const attrs = out.spans[0]!.attributes;
      expect(out.spans[0]!.status.code).toBe(0);
      expect(attrs['gen_ai.response.finish_reasons']).toEqual(['content_filter']);
      expect(JSON.parse(attrs['gen_ai.output.messages'] as string)).toEqual([
        { role: 'assistant', parts: [], finish_reason: 'content_filter' },
      ]);
      expect(attrs['gen_ai.usage.input_tokens']).toBe(6);
      expectValid(attrs);
    },
  );

  it.each(['400', '500'])(
    'HTTP %s: ApiError to the caller, span status ERROR with error.type',
    async (status) => {
      const out = await run(`error-${status}`);
      expect(out.error?.name).toBe('ApiError');
      expect(out.spans).toHaveLength(1);
      const span = out.spans[0]!;
      expect(span.status.code).toBe(2);
      expect(normalize(span.attributes)).toEqual({ ...BASE, 'error.type': 'ApiError' });
      expectValid(span.attributes);
    },
  );

  it('chats: sendMessage and sendMessageStream are one span each, history intact', async () => {
    const out = await run('chat', { captureContent: true });
    expect(out.result).toMatchObject({
      first: 'Echo: First question lorem ipsum',
      second: 'Echo: Second question lorem ipsum',
    });
    expect(out.spans).toHaveLength(2);
    const [first, second] = [...out.spans].sort((a, b) =>
      Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)),
    );
    expect(first!.attributes['gen_ai.request.stream']).toBeUndefined();
    expect(second!.attributes['gen_ai.request.stream']).toBe(true);
    expect(JSON.parse(second!.attributes['gen_ai.input.messages'] as string)).toHaveLength(3);
    for (const s of out.spans) expectValid(s.attributes);
  });

  it('embedContent: an embeddings span', async () => {
    const out = await run('embed');
    expect(out.result).toEqual({ dims: 16 });
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.name).toBe('embeddings text-embedding-004');
    expect(normalize(out.spans[0]!.attributes)).toEqual({
      ...BASE,
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'text-embedding-004',
      'gen_ai.embeddings.dimension.count': 16,
    });
    expectValid(out.spans[0]!.attributes);
  });

  it('Vertex AI (vertexai: true): provider gcp.vertex_ai', async () => {
    const out = await run('generate', { env: { GENAI_VERTEX: '1' } });
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(fake.requests.at(-1)!.path).toMatch(
      /publishers\/google\/models\/gemini-2\.0-flash:generateContent/,
    );
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.attributes['gen_ai.provider.name']).toBe('gcp.vertex_ai');
  });

  it('records the client metrics', async () => {
    const out = await run('say', { env: { GENAI_TEXT: 'metrics please' } });
    expect(out.spans).toHaveLength(1);
    await capture.waitFor(
      () =>
        capture
          .metricPoints('gen_ai.client.token.usage')
          .some((p) => p.attributes['gen_ai.provider.name'] === 'gcp.gemini'),
      5000,
      'token usage metric',
    );
    const duration = capture
      .metricPoints('gen_ai.client.operation.duration')
      .find(
        (p) =>
          p.attributes['gen_ai.provider.name'] === 'gcp.gemini' && p.attributes['error.type'] === undefined,
      );
    expect(duration?.unit).toBe('s');
    expect(normalize(duration!.attributes)).toEqual({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.0-flash',
      'gen_ai.response.model': 'gemini-2.0-flash',
      'server.address': '127.0.0.1',
      'server.port': '<port>',
    });
  });
});

describe('guard hook', () => {
  const preload = [`${FIXTURES}/guard.cjs`];

  it('redacts input on a copy: the provider gets the redacted text, the caller keeps its own', async () => {
    const out = await run('say', {
      preload,
      captureContent: true,
      env: { GENAI_TEXT: 'my secret-123 please' },
    });
    expect(out.result?.sent).toBe('my secret-123 please');
    expect(out.result?.text).toMatch(/^ECHO: my \[REDACTED\] please/);
    const body = fake.requests.at(-1)!.body as { contents: Array<{ parts: Array<{ text: string }> }> };
    expect(body.contents[0]!.parts[0]!.text).toBe('my [REDACTED] please');
    expect(JSON.parse(out.spans[0]!.attributes['gen_ai.input.messages'] as string)[0].parts[0].content).toBe(
      'my [REDACTED] please',
    );
  });

  it('blocks input: the provider is never called, the caller gets the guard error', async () => {
    const before = fake.requests.length;
    const out = await run('say', { preload, env: { GENAI_TEXT: 'forbidden words' } });
    expect(out.error).toEqual({ name: 'GuardrailViolationError', message: 'input blocked' });
    expect(fake.requests.length).toBe(before);
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.attributes['error.type']).toBe('GuardrailViolationError');
  });

  it('stops a stream whose output it blocks: the error surfaces from the iteration', async () => {
    const out = await run('stream-say', { preload, env: { GENAI_TEXT: 'Stream me a long story please' } });
    expect(out.error).toEqual({ name: 'GuardrailViolationError', message: 'output blocked' });
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.attributes['error.type']).toBe('GuardrailViolationError');
  });
});

describe('module systems and versions', () => {
  it('ESM (import with the import-in-the-middle hook): same spans as CommonJS', async () => {
    const out = await run('generate', { esm: true });
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(out.spans).toHaveLength(1);
    expect(normalize(out.spans[0]!.attributes)).toMatchObject({ ...BASE, ...GENERATE_REQUEST });
    const streamed = await run('stream', { esm: true });
    expect(streamed.result).toEqual({ text: 'Echo: Stream me a long story please', chunks: 5 });
    expect(streamed.spans).toHaveLength(1);
    expect(streamed.spans[0]!.attributes['gen_ai.request.stream']).toBe(true);
  });

  it('oldest supported major (1.1.0): generate, stream and embed (a prototype method there)', async () => {
    for (const [scenario, name] of [
      ['generate', 'generate_content gemini-2.0-flash'],
      ['stream', 'generate_content gemini-2.0-flash'],
      ['embed', 'embeddings text-embedding-004'],
    ] as const) {
      const out = await run(scenario, { sdkDir: v1Dir });
      expect(out.error, scenario).toBeUndefined();
      expect(
        out.spans.map((s) => s.name),
        scenario,
      ).toEqual([name]);
      expectValid(out.spans[0]!.attributes);
    }
    const esm = await run('stream', { sdkDir: v1Dir, esm: true });
    expect(esm.spans).toHaveLength(1);
    const aborted = await run('stream-abort-before-read', { sdkDir: v1Dir });
    expect(aborted.spans.map((s) => s.attributes['error.type'])).toEqual(['AbortError']);
  });

  it('a version outside the range (0.15.0, ESM: its CommonJS entry does not load on Node 20) is left alone: the call works, no span', async () => {
    const out = await run('generate', { sdkDir: v0Dir, esm: true });
    expect(out.result?.text).toBe('Echo: Tell me a story');
    expect(out.spans).toEqual([]);
  });
});
