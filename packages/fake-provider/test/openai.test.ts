import OpenAI, { AzureOpenAI } from 'openai';
import OpenAIv4 from 'openai-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeProvider } from '../src/index';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake.close();
});

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};

// Both SDK majors expose the same surface for what is tested here; the union keeps the calls typed loosely.
type AnyClient = OpenAI | OpenAIv4;
const SDKS: [string, (url: string, headers?: Record<string, string>) => AnyClient][] = [
  [
    'openai v6',
    (url, headers) =>
      new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, defaultHeaders: headers }),
  ],
  [
    'openai v4',
    (url, headers) =>
      new OpenAIv4({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, defaultHeaders: headers }),
  ],
];

describe.each(SDKS)('%s', (_name, make) => {
  it('chat completion (non-streaming) echoes the user text with deterministic usage', async () => {
    const client = make(fake.url, { 'x-fake-cached-tokens': '3', 'x-fake-reasoning-tokens': '2' }) as OpenAI;
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there, fake provider' },
      ],
    });
    expect(res.model).toBe('gpt-4o-mini-2024-07-18');
    expect(res.object).toBe('chat.completion');
    expect(res.system_fingerprint).toMatch(/^fp_/);
    expect(res.choices[0]!.message.content).toBe('Echo: Hello there, fake provider');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    const chars = 'Be brief.'.length + 'Hello there, fake provider'.length;
    expect(res.usage).toMatchObject({
      prompt_tokens: Math.ceil(chars / 4) + 3,
      completion_tokens: 5 + 2,
      total_tokens: Math.ceil(chars / 4) + 3 + 7,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it('chat completion streaming: role chunk, N content chunks, finish chunk, usage chunk, [DONE]', async () => {
    const client = make(fake.url, { 'x-fake-chunks': '7' }) as OpenAI;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const contents: string[] = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.model).toBe('gpt-4o-2024-08-06');
      const c = chunk.choices[0];
      if (c?.delta.content) contents.push(c.delta.content);
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(contents).toHaveLength(7);
    expect(contents.join('')).toBe('Echo: one two three lorem ipsum dolor');
    expect(finish).toBe('stop');
    expect(chunks).toBe(1 + 7 + 1 + 1);
    expect(usage?.completion_tokens).toBe(7);
  });

  it('tool calls, streamed and not, with deterministic arguments', async () => {
    const client = make(fake.url) as OpenAI;
    const messages = [{ role: 'user' as const, content: 'What is the get_weather in Paris?' }];
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools: [WEATHER_TOOL],
    });
    const call = res.choices[0]!.message.tool_calls![0]!;
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.type).toBe('function');
    const fn = (call as { function: { name: string; arguments: string } }).function;
    expect(fn.name).toBe('get_weather');
    expect(JSON.parse(fn.arguments)).toEqual({ city: 'example', unit: 'celsius' });

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools: [WEATHER_TOOL],
      stream: true,
    });
    let args = '';
    let name = '';
    let finish = '';
    for await (const chunk of stream) {
      const tc = chunk.choices[0]?.delta.tool_calls?.[0];
      if (tc?.function?.name) name = tc.function.name;
      if (tc?.function?.arguments) args += tc.function.arguments;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
    }
    expect(name).toBe('get_weather');
    expect(args).toBe(fn.arguments);
    expect(finish).toBe('tool_calls');

    // A tool result as the last message gets a text reply.
    const after = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      tools: [WEATHER_TOOL],
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: fn }] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny 21C' },
      ],
    });
    expect(after.choices[0]!.message.content).toBe('Result: sunny 21C lorem ipsum');
  });

  it('max_tokens cuts the reply with finish_reason length', async () => {
    const client = make(fake.url) as OpenAI;
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'a b c d e f' }],
    });
    expect(res.choices[0]!.message.content).toBe('Echo: a');
    expect(res.choices[0]!.finish_reason).toBe('length');
  });

  it('embeddings: float and base64 encodings carry the same deterministic vector; dimensions honoured', async () => {
    const client = make(fake.url) as OpenAI;
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['alpha', 'beta'],
      encoding_format: 'float',
      dimensions: 8,
    });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]!.embedding).toHaveLength(8);
    expect(floats.data[0]!.embedding).not.toEqual(floats.data[1]!.embedding);
    expect(floats.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    // No encoding_format: the SDKs request base64 and decode it themselves.
    const decoded = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'alpha',
      dimensions: 8,
    });
    expect(decoded.data[0]!.embedding).toEqual(floats.data[0]!.embedding);
    const full = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'alpha',
      encoding_format: 'float',
    });
    expect(full.data[0]!.embedding).toHaveLength(1536);
    const norm = Math.sqrt(full.data[0]!.embedding.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 4);
  });

  it('lists models', async () => {
    const client = make(fake.url) as OpenAI;
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-4o-mini');
  });

  it('error statuses surface as the SDK error classes', async () => {
    const sdk = make(fake.url) as OpenAI;
    const ctor = sdk.constructor as typeof OpenAI;
    const call = (status: number) =>
      sdk.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-fake-status': String(status) } },
      );
    await expect(call(429)).rejects.toBeInstanceOf(ctor.RateLimitError);
    await expect(call(400)).rejects.toBeInstanceOf(ctor.BadRequestError);
    await expect(call(401)).rejects.toBeInstanceOf(ctor.AuthenticationError);
    const err = await call(503).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ctor.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'server_error' });
  });

  it('a dropped connection makes the stream throw', async () => {
    const client = make(fake.url, { 'x-fake-drop-after-chunks': '3' }) as OpenAI;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'drop me' }],
      stream: true,
    });
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    };
    await expect(consume()).rejects.toThrow();
    expect(seen.length).toBeLessThanOrEqual(3);
  });
});

describe('openai v4 only', () => {
  it('beta.chat.completions.parse with a json_schema response format', async () => {
    const client = new OpenAIv4({ baseURL: `${fake.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const res = await client.beta.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Give me a city' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city',
          strict: true,
          schema: {
            type: 'object',
            properties: { name: { type: 'string' } },
            required: ['name'],
            additionalProperties: false,
          },
        },
      },
    });
    expect(res.choices[0]!.message.parsed).toEqual({ name: 'example' });
  });
});

describe('openai v6 only', () => {
  const client = () => new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'k', maxRetries: 0 });

  it('chat.completions.parse with a json_schema response format', async () => {
    const res = await client().chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Give me a person' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'person',
          strict: true,
          schema: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              age: { type: 'integer' },
              tags: { type: 'array', items: { type: 'string' } },
            },
            required: ['name', 'age', 'tags'],
            additionalProperties: false,
          },
        },
      },
    });
    expect(res.choices[0]!.message.parsed).toEqual({ name: 'example', age: 1, tags: ['example'] });
  });

  it('responses API: non-streaming output_text and usage details', async () => {
    const res = await client().responses.create(
      { model: 'gpt-4.1', instructions: 'sys', input: 'Tell me something' },
      { headers: { 'x-fake-cached-tokens': '4', 'x-fake-reasoning-tokens': '6' } },
    );
    expect(res.status).toBe('completed');
    expect(res.model).toBe('gpt-4.1-2025-04-14');
    expect(res.output_text).toBe('Echo: Tell me something lorem');
    expect(res.usage).toEqual({
      input_tokens: Math.ceil(('sys'.length + 'Tell me something'.length) / 4) + 4,
      input_tokens_details: { cached_tokens: 4 },
      output_tokens: 5 + 6,
      output_tokens_details: { reasoning_tokens: 6 },
      total_tokens: Math.ceil(20 / 4) + 4 + 11,
    });
  });

  it('responses API streaming: the typed event sequence', async () => {
    const stream = await client().responses.create(
      { model: 'gpt-4o-mini', input: [{ role: 'user', content: 'stream this please' }], stream: true },
      { headers: { 'x-fake-chunks': '3' } },
    );
    const types: string[] = [];
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(text).toBe('Echo: stream this please');
    expect(completed?.usage?.output_tokens).toBe(4);

    // The SDK's stream helper assembles the same final response.
    const helper = client().responses.stream({ model: 'gpt-4o-mini', input: 'stream this please' });
    const final = await helper.finalResponse();
    expect(final.output_text).toBe('Echo: stream this please lorem');
  });

  it('responses API function_call items, streamed and not', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'lookup',
        strict: true,
        parameters: { type: 'object', properties: { q: { type: 'string' } } },
      },
    ];
    const res = await client().responses.create({ model: 'gpt-4o-mini', input: 'use a tool', tools });
    const item = res.output[0]!;
    expect(item.type).toBe('function_call');
    expect(item).toMatchObject({ name: 'lookup', arguments: '{"q":"example"}', status: 'completed' });

    const stream = await client().responses.create({
      model: 'gpt-4o-mini',
      input: 'use a tool',
      tools,
      stream: true,
    });
    let args = '';
    const types = new Set<string>();
    for await (const e of stream) {
      types.add(e.type);
      if (e.type === 'response.function_call_arguments.delta') args += e.delta;
    }
    expect(args).toBe('{"q":"example"}');
    expect(types.has('response.function_call_arguments.done')).toBe(true);

    const callId = (item as OpenAI.Responses.ResponseFunctionToolCall).call_id;
    const after = await client().responses.create({
      model: 'gpt-4o-mini',
      tools,
      input: [
        { role: 'user', content: 'use a tool' },
        { type: 'function_call_output', call_id: callId, output: 'found it' },
      ],
    });
    expect(after.output_text).toBe('Result: found it lorem ipsum');
  });

  it('Azure OpenAI deployment paths', async () => {
    const azure = new AzureOpenAI({
      endpoint: fake.url,
      apiKey: 'k',
      apiVersion: '2024-10-21',
      deployment: 'my-gpt4o-mini',
      maxRetries: 0,
    });
    const res = await azure.chat.completions.create({
      model: '',
      messages: [{ role: 'user', content: 'azure hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('Echo: azure hi lorem ipsum');
    const last = fake.requests[fake.requests.length - 1]!;
    expect(last.path).toBe('/openai/deployments/my-gpt4o-mini/chat/completions?api-version=2024-10-21');
    expect(last.headers['api-key']).toBe('k');
    const emb = await azure.embeddings.create({
      model: '',
      input: 'x',
      encoding_format: 'float',
      dimensions: 4,
    });
    expect(emb.data[0]!.embedding).toHaveLength(4);
  });

  it('Azure OpenAI v1 paths', async () => {
    const v1 = new OpenAI({ baseURL: `${fake.url}/openai/v1`, apiKey: 'k', maxRetries: 0 });
    const res = await v1.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'v1' }],
    });
    expect(res.choices[0]!.message.content).toBe('Echo: v1 lorem ipsum dolor');
  });
});
