import Anthropic from '@anthropic-ai/sdk';
import AnthropicV0 from 'anthropic-sdk-v0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeProvider } from '../src/index';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake.close();
});

const TOOLS = [
  {
    name: 'get_stock_price',
    description: 'Price of a ticker',
    input_schema: {
      type: 'object' as const,
      properties: { ticker: { type: 'string' } },
      required: ['ticker'],
    },
  },
];

type AnyClient = Anthropic | AnthropicV0;
const SDKS: [string, (url: string, headers?: Record<string, string>) => AnyClient][] = [
  [
    'anthropic sdk 1.x',
    (url, h) => new Anthropic({ baseURL: url, apiKey: 'k', maxRetries: 0, defaultHeaders: h }),
  ],
  [
    'anthropic sdk 0.x',
    (url, h) => new AnthropicV0({ baseURL: url, apiKey: 'k', maxRetries: 0, defaultHeaders: h }),
  ],
];

describe.each(SDKS)('%s', (_name, make) => {
  it('messages.create (non-streaming) with cache usage', async () => {
    const client = make(fake.url, {
      'x-fake-cached-tokens': '10',
      'x-fake-cache-write-tokens': '20',
    }) as Anthropic;
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Hi Claude, how are you?' }],
    });
    expect(msg.model).toBe('claude-sonnet-4-5');
    expect(msg.content).toEqual([{ type: 'text', text: 'Echo: Hi Claude, how are you?' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage).toMatchObject({
      input_tokens: Math.ceil(('You are terse.'.length + 'Hi Claude, how are you?'.length) / 4),
      output_tokens: 6,
      cache_read_input_tokens: 10,
      cache_creation_input_tokens: 20,
    });
  });

  it('streaming: the raw SSE event sequence and the stream helper', async () => {
    const client = make(fake.url, { 'x-fake-chunks': '4' }) as Anthropic;
    const stream = await client.messages.create({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let outputTokens = 0;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
      if (e.type === 'message_delta') outputTokens = e.usage.output_tokens;
    }
    // The SDKs swallow `ping` events; server.test.ts checks they are on the wire.
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toBe('Echo: stream me lorem');
    expect(outputTokens).toBe(4);

    const helper = client.messages.stream({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream me' }],
    });
    const final = await helper.finalMessage();
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Echo: stream me lorem' });
    expect(final.stop_reason).toBe('end_turn');
  });

  it('tool_use blocks, streamed (input_json_delta) and not', async () => {
    const client = make(fake.url) as Anthropic;
    const params = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: TOOLS,
      messages: [{ role: 'user' as const, content: 'call get_stock_price for ACME' }],
    };
    const msg = await client.messages.create(params);
    expect(msg.stop_reason).toBe('tool_use');
    const block = msg.content[0]!;
    expect(block).toMatchObject({ type: 'tool_use', name: 'get_stock_price', input: { ticker: 'example' } });

    const final = await client.messages.stream(params).finalMessage();
    expect(final.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_stock_price',
      input: { ticker: 'example' },
    });
    expect(final.stop_reason).toBe('tool_use');

    const toolUseId = (block as Anthropic.ToolUseBlock).id;
    const after = await client.messages.create({
      ...params,
      messages: [
        ...params.messages,
        { role: 'assistant', content: [block as Anthropic.ToolUseBlock] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: '42 USD' }] },
      ],
    });
    expect(after.content).toEqual([{ type: 'text', text: 'Result: 42 USD lorem ipsum' }]);
  });

  it('thinking blocks when thinking is enabled, with signature deltas', async () => {
    const client = make(fake.url) as Anthropic;
    const params = {
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      messages: [{ role: 'user' as const, content: 'think hard' }],
    };
    const msg = await client.messages.create(params);
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'Thinking about: think hard' });
    const deltas: string[] = [];
    for await (const e of await client.messages.create({ ...params, stream: true })) {
      if (e.type === 'content_block_delta') deltas.push(e.delta.type);
    }
    expect(deltas.slice(0, 2)).toEqual(['thinking_delta', 'signature_delta']);
    expect(deltas.slice(2).every((d) => d === 'text_delta')).toBe(true);
  });

  it('count_tokens', async () => {
    const client = make(fake.url) as Anthropic;
    const res = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: '12345678' }],
    });
    expect(res.input_tokens).toBe(2);
  });

  it('error statuses surface as the SDK error classes', async () => {
    const client = make(fake.url) as Anthropic;
    const ctor = client.constructor as typeof Anthropic;
    const call = (status: number) =>
      client.messages.create(
        { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-fake-status': String(status) } },
      );
    await expect(call(429)).rejects.toBeInstanceOf(ctor.RateLimitError);
    await expect(call(404)).rejects.toBeInstanceOf(ctor.NotFoundError);
    const err = await call(529).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ctor.InternalServerError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });

  it('a dropped connection makes the stream throw', async () => {
    const client = make(fake.url, { 'x-fake-drop-after-chunks': '4' }) as Anthropic;
    const stream = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'drop' }],
      stream: true,
    });
    const seen: string[] = [];
    const consume = async () => {
      for await (const e of stream) seen.push(e.type);
    };
    await expect(consume()).rejects.toThrow();
    expect(seen).not.toContain('message_stop');
  });
});

describe('Claude on Vertex AI (rawPredict)', () => {
  const path = (model: string, specifier: string) =>
    `${fake.url}/v1/projects/p/locations/us-east5/publishers/anthropic/models/${model}:${specifier}`;
  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const request = {
    anthropic_version: 'vertex-2023-10-16',
    max_tokens: 20,
    messages: [{ role: 'user', content: 'Hello Vertex' }],
  };

  it('answers the Messages body with the model of the path, plain and streamed', async () => {
    const plain = await post(path('claude-sonnet-5-5@20260101', 'rawPredict'), request);
    expect(plain.status).toBe(200);
    const message = (await plain.json()) as { type: string; model: string; content: Array<{ text: string }> };
    expect([message.type, message.model]).toEqual(['message', 'claude-sonnet-5-5@20260101']);
    const streamed = await post(path('claude-sonnet-5-5@20260101', 'streamRawPredict'), request);
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const events = (await streamed.text()).match(/^event: (\S+)$/gm)?.map((l) => l.slice(7));
    expect(events?.[0]).toBe('message_start');
    expect(events?.at(-1)).toBe('message_stop');
  });

  it('refuses a body without anthropic_version, as Vertex does', async () => {
    const { anthropic_version: _omitted, ...bare } = request;
    const res = await post(path('claude-sonnet-5-5', 'rawPredict'), bare);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic_version: Field required' },
    });
  });
});
