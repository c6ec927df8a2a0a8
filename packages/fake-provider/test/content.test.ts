import { describe, expect, it } from 'vitest';
import { modelFamily } from '../src/bedrock-native';
import {
  type Conversation,
  DEFAULT_SHAPING,
  embeddingVector,
  float32Base64,
  planReply,
  sampleFromSchema,
  splitChars,
} from '../src/content';
import { crc32, decodeMessages, encodeEvent } from '../src/event-stream';
import { datedModel } from '../src/openai';

const conv = (over: Partial<Conversation>): Conversation => ({
  inputTexts: [],
  lastUserText: '',
  lastIsToolResult: false,
  tools: [],
  ...over,
});

describe('planReply', () => {
  const cases: [string, Conversation, Partial<typeof DEFAULT_SHAPING>, unknown][] = [
    [
      'echo padded to the chunk count',
      conv({ inputTexts: ['hello'], lastUserText: 'hello' }),
      {},
      {
        kind: 'text',
        text: 'Echo: hello lorem ipsum dolor',
        pieces: ['Echo:', ' hello', ' lorem', ' ipsum', ' dolor'],
        finish: 'stop',
        usage: { inputTokens: 2, outputTokens: 5, reasoningTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ],
    [
      'echo trimmed to 8 words, grouped into 3 chunks',
      conv({ inputTexts: ['a b c d e f g h i j'], lastUserText: 'a b c d e f g h i j' }),
      { chunks: 3, reasoningTokens: 4, cachedTokens: 1 },
      {
        kind: 'text',
        text: 'Echo: a b c d e f g h',
        pieces: ['Echo: a b', ' c d e', ' f g h'],
        finish: 'stop',
        usage: { inputTokens: 5, outputTokens: 13, reasoningTokens: 4, cachedTokens: 1, cacheWriteTokens: 0 },
      },
    ],
    [
      'max tokens cuts the reply',
      conv({ lastUserText: 'one two three', maxTokens: 2 }),
      { chunks: 1 },
      {
        kind: 'text',
        text: 'Echo: one',
        pieces: ['Echo: one'],
        finish: 'length',
        usage: { inputTokens: 0, outputTokens: 2, reasoningTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ],
    [
      'tool named in the text',
      conv({
        lastUserText: 'call second now',
        tools: [
          { name: 'first' },
          { name: 'second', schema: { type: 'object', properties: { n: { type: 'integer' } } } },
        ],
      }),
      { chunks: 2 },
      {
        kind: 'tool',
        toolName: 'second',
        args: '{"n":1}',
        pieces: ['{"n"', ':1}'],
        usage: { inputTokens: 0, outputTokens: 4, reasoningTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ],
    [
      'the word "tool" picks the first tool',
      conv({ lastUserText: 'use a tool', tools: [{ name: 'first' }] }),
      { chunks: 1 },
      {
        kind: 'tool',
        toolName: 'first',
        args: '{}',
        pieces: ['{}'],
        usage: { inputTokens: 0, outputTokens: 2, reasoningTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ],
    [
      'a tool result gets text, even when a tool is named',
      conv({
        lastUserText: 'use first',
        tools: [{ name: 'first' }],
        lastIsToolResult: true,
        toolResultText: 'ok',
      }),
      { chunks: 2 },
      {
        kind: 'text',
        text: 'Result: ok',
        pieces: ['Result:', ' ok'],
        finish: 'stop',
        usage: { inputTokens: 0, outputTokens: 2, reasoningTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ],
  ];
  it.each(cases)('%s', (_name, c, shaping, expected) => {
    expect(planReply(c, { ...DEFAULT_SHAPING, ...shaping })).toEqual(expected);
  });

  it('pieces always join to the text, for any chunk count', () => {
    for (const chunks of [1, 2, 5, 7, 50]) {
      const plan = planReply(conv({ lastUserText: 'the quick brown fox' }), { ...DEFAULT_SHAPING, chunks });
      expect(plan.pieces.join('')).toBe(plan.kind === 'text' ? plan.text : '');
      expect(plan.pieces).toHaveLength(chunks);
    }
  });
});

describe('sampleFromSchema', () => {
  const cases: [string, unknown, unknown][] = [
    ['string', { type: 'string' }, 'example'],
    ['enum', { type: 'string', enum: ['b', 'a'] }, 'b'],
    ['nullable union', { type: ['null', 'integer'] }, 1],
    ['Gemini upper-case types', { type: 'OBJECT', properties: { ok: { type: 'BOOLEAN' } } }, { ok: true }],
    ['array with minItems', { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 3 }, [1, 1]],
    ['anyOf skips null', { anyOf: [{ type: 'null' }, { type: 'string', format: 'date' }] }, '2024-01-01'],
    [
      '$ref into $defs',
      {
        type: 'object',
        properties: { p: { $ref: '#/$defs/P' } },
        $defs: { P: { type: 'object', properties: { x: { const: 7 } } } },
      },
      { p: { x: 7 } },
    ],
  ];
  it.each(cases)('%s', (_name, schema, expected) => {
    expect(sampleFromSchema(schema)).toEqual(expected);
  });
});

describe('helpers', () => {
  it('datedModel', () => {
    expect(datedModel('gpt-4o-mini')).toBe('gpt-4o-mini-2024-07-18');
    expect(datedModel('gpt-4o')).toBe('gpt-4o-2024-08-06');
    expect(datedModel('my-model')).toBe('my-model-2024-07-18');
    expect(datedModel('gpt-4o-2024-05-13')).toBe('gpt-4o-2024-05-13');
  });

  it('modelFamily handles ids, inference profiles and ARNs', () => {
    const cases: [string, string | undefined][] = [
      ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic'],
      ['us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic'],
      ['arn:aws:bedrock:us-east-1:1:inference-profile/eu.meta.llama3-2-1b-instruct-v1:0', 'llama'],
      ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0', 'nova'],
      ['amazon.titan-text-lite-v1', 'titan-text'],
      ['amazon.titan-embed-text-v2:0', 'titan-embed'],
      ['mistral.mistral-large-2407-v1:0', 'mistral'],
      ['cohere.command-r-plus-v1:0', 'cohere'],
      ['cohere.embed-multilingual-v3', 'cohere-embed'],
      ['ai21.jamba-1-5-mini-v1:0', undefined],
    ];
    for (const [id, family] of cases) expect([id, modelFamily(id)]).toEqual([id, family]);
  });

  it('splitChars never loses characters', () => {
    expect(splitChars('abcdefg', 3)).toEqual(['abc', 'de', 'fg']);
    expect(splitChars('ab', 5)).toEqual(['a', 'b']);
    expect(splitChars('', 3)).toEqual(['']);
  });

  it('embeddings are deterministic unit vectors, and base64 round-trips them exactly', () => {
    const a = embeddingVector('hello', 32);
    expect(embeddingVector('hello', 32)).toEqual(a);
    expect(embeddingVector('world', 32)).not.toEqual(a);
    expect(Math.sqrt(a.reduce((s, v) => s + v * v, 0))).toBeCloseTo(1, 5);
    const buf = Buffer.from(float32Base64(a), 'base64');
    expect(Array.from({ length: 32 }, (_, i) => buf.readFloatLE(i * 4))).toEqual(a);
  });

  it('crc32 matches the IEEE check value and event-stream messages round-trip', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const msg = encodeEvent('chunk', { bytes: 'eyJhIjoxfQ==' });
    const [decoded] = decodeMessages(Buffer.concat([msg]));
    expect(decoded!.headers).toEqual({
      ':event-type': 'chunk',
      ':content-type': 'application/json',
      ':message-type': 'event',
    });
    expect(JSON.parse(decoded!.payload.toString())).toEqual({ bytes: 'eyJhIjoxfQ==' });
    const corrupted = Buffer.from(msg);
    corrupted[corrupted.length - 6] ^= 0xff;
    expect(() => decodeMessages(corrupted)).toThrow(/CRC/);
  });
});
