import { afterEach, describe, expect, it } from 'vitest';
import { validateMessages } from '../../../test/helpers/semconv.js';
import {
  ENV_CAPTURE_MESSAGE_CONTENT,
  type InputMessage,
  resolveContentPolicy,
  sanitizeContent,
  serializeWithCap,
  setGlobalRedactHook,
} from '../src/index.js';

const saved = process.env[ENV_CAPTURE_MESSAGE_CONTENT];
afterEach(() => {
  if (saved === undefined) delete process.env[ENV_CAPTURE_MESSAGE_CONTENT];
  else process.env[ENV_CAPTURE_MESSAGE_CONTENT] = saved;
  setGlobalRedactHook(undefined);
});

describe('resolveContentPolicy', () => {
  const cases: Array<[string | undefined, boolean | string | undefined, string, boolean, boolean]> = [
    // env, explicit, mode, onSpan, onEvent
    [undefined, undefined, 'NO_CONTENT', false, false],
    ['true', undefined, 'SPAN_ONLY', true, false],
    ['TRUE', undefined, 'SPAN_ONLY', true, false],
    ['false', undefined, 'NO_CONTENT', false, false],
    ['SPAN_ONLY', undefined, 'SPAN_ONLY', true, false],
    ['event_only', undefined, 'EVENT_ONLY', false, true],
    ['SPAN_AND_EVENT', undefined, 'SPAN_AND_EVENT', true, true],
    ['NO_CONTENT', undefined, 'NO_CONTENT', false, false],
    ['garbage', undefined, 'NO_CONTENT', false, false],
    ['true', false, 'NO_CONTENT', false, false],
    ['false', true, 'SPAN_ONLY', true, false],
    [undefined, 'SPAN_AND_EVENT', 'SPAN_AND_EVENT', true, true],
    ['SPAN_AND_EVENT', 'EVENT_ONLY', 'EVENT_ONLY', false, true],
  ];
  it.each(cases)('env=%s explicit=%s -> %s', (env, explicit, mode, onSpan, onEvent) => {
    if (env === undefined) delete process.env[ENV_CAPTURE_MESSAGE_CONTENT];
    else process.env[ENV_CAPTURE_MESSAGE_CONTENT] = env;
    const p = resolveContentPolicy({ captureMessageContent: explicit as never });
    expect({ mode: p.mode, onSpan: p.onSpan, onEvent: p.onEvent }).toEqual({ mode, onSpan, onEvent });
  });

  it('explicit redact hook wins over the global one, which applies even to policies resolved before it', () => {
    const own = (t: string) => t.toUpperCase();
    const early = resolveContentPolicy({ captureMessageContent: true });
    setGlobalRedactHook(() => 'global');
    const withOwn = resolveContentPolicy({ captureMessageContent: true, redact: own });
    expect(sanitizeContent(['x'], withOwn, 'a')).toEqual(['X']);
    expect(sanitizeContent(['x'], early, 'a')).toEqual(['global']);
  });
});

describe('sanitizeContent', () => {
  const messages: InputMessage[] = [
    { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
    {
      role: 'user',
      parts: [
        { type: 'text', content: 'mail me at a@b.co' },
        { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo'.repeat(100) },
      ],
    },
  ];

  it('elides inline media and redacts text without touching the caller objects', () => {
    const before = JSON.stringify(messages);
    const policy = resolveContentPolicy({
      captureMessageContent: true,
      redact: (t) => t.replace(/\S+@\S+/g, '[EMAIL]'),
    });
    const out = sanitizeContent(messages, policy, 'gen_ai.input.messages') as any[];
    expect(JSON.stringify(messages)).toBe(before);
    expect(out[1].parts[0]).toEqual({ type: 'text', content: 'mail me at [EMAIL]' });
    expect(out[1].parts[1]).toEqual({
      type: 'blob',
      modality: 'image',
      mime_type: 'image/png',
      content: '',
      elided: true,
      size: 825,
    });
    expect(out[0].role).toBe('system');
    expect(validateMessages('input', out)).toEqual([]);
  });

  it('keeps media when captureMedia is on', () => {
    const policy = resolveContentPolicy({ captureMessageContent: true, captureMedia: true });
    const out = sanitizeContent(messages, policy, 'gen_ai.input.messages') as any[];
    expect(out[1].parts[1].content).toBe((messages[1]!.parts[1] as { content: string }).content);
  });

  it('redacts every key and leaf of tool arguments and results, whatever the key is called', () => {
    const policy = resolveContentPolicy({
      captureMessageContent: true,
      redact: (t) => t.replace(/\S+@\S+/g, '[EMAIL]').replace(/\d{9,}/g, '[NUMBER]'),
    });
    const input: InputMessage[] = [
      {
        role: 'assistant',
        parts: [
          {
            type: 'tool_call',
            id: 'call_1',
            name: 'lookup',
            arguments: {
              type: 'ana@example.org',
              role: 'bob@example.org',
              modality: 'eve@example.org',
              mime_type: 'joe@example.org',
              'kim@example.org': { phone: 351912345678, count: 3 },
            },
          },
        ],
      },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: 'call_1', response: [{ type: 'max@example.org' }] }],
      },
    ];
    const out = sanitizeContent(input, policy, 'gen_ai.input.messages') as any[];
    expect(out[0].parts[0].arguments).toEqual({
      type: '[EMAIL]',
      role: '[EMAIL]',
      modality: '[EMAIL]',
      mime_type: '[EMAIL]',
      '[EMAIL]': { phone: '[NUMBER]', count: 3 },
    });
    expect(out[1].parts[0].response).toEqual([{ type: '[EMAIL]' }]);
    expect(validateMessages('input', out)).toEqual([]);
  });

  it('keeps the structure when the hook replaces every string it is given', () => {
    const policy = resolveContentPolicy({ captureMessageContent: true, redact: () => 'X' });
    const out = sanitizeContent(messages, policy, 'gen_ai.input.messages') as any[];
    expect(out[0]).toEqual({ role: 'system', parts: [{ type: 'text', content: 'X' }] });
    expect(out[1].parts[1]).toMatchObject({ type: 'blob', modality: 'image', mime_type: 'image/png' });
    expect(validateMessages('input', out)).toEqual([]);
  });

  it.each([
    'data:image/png;BASE64,',
    'DATA:image/png;base64,',
    'data:image/png;base64 ,',
    `data:image/png;name=${'n'.repeat(300)};base64,`,
    ' data:image/png;base64,',
  ])('elides inline data left in a uri part (%s...)', (prefix) => {
    const data = 'iVBORw0KGgo'.repeat(100);
    const input: InputMessage[] = [
      { role: 'user', parts: [{ type: 'uri', modality: 'image', uri: `${prefix}${data}` }] },
    ];
    const out = sanitizeContent(input, resolveContentPolicy({ captureMessageContent: true }), 'a') as any[];
    expect(JSON.stringify(out)).not.toContain('iVBORw0KGgo');
    expect(out[0].parts[0]).toMatchObject({ type: 'blob', modality: 'image', content: '', elided: true });
    expect(validateMessages('input', out)).toEqual([]);
    const kept = sanitizeContent(
      input,
      resolveContentPolicy({ captureMessageContent: true, captureMedia: true }),
      'a',
    ) as any[];
    expect(kept[0].parts[0].uri).toBe(`${prefix}${data}`);
  });

  it('leaves uri parts that are not data URLs alone', () => {
    const input: InputMessage[] = [
      { role: 'user', parts: [{ type: 'uri', modality: 'image', uri: 'https://example.com/data:x.png' }] },
    ];
    const out = sanitizeContent(input, resolveContentPolicy({ captureMessageContent: true }), 'a');
    expect(out).toEqual(input);
  });

  it('fails closed when the redaction hook throws', () => {
    const policy = resolveContentPolicy({
      captureMessageContent: true,
      redact: () => {
        throw new Error('boom');
      },
    });
    const out = sanitizeContent(messages, policy, 'gen_ai.input.messages') as any[];
    expect(out[0].parts[0].content).toBe('[REDACTION_FAILED]');
  });
});

describe('serializeWithCap', () => {
  it('returns the plain JSON under the cap', () => {
    expect(serializeWithCap([{ a: 'b' }], 100)).toEqual({ json: '[{"a":"b"}]', truncated: false });
  });

  it.each([200, 500, 1000, 4096])(
    'cuts long strings and stays valid, schema-conformant JSON (cap %i)',
    (cap) => {
      const msgs: InputMessage[] = [
        { role: 'user', parts: [{ type: 'text', content: 'x'.repeat(10_000) }] },
        { role: 'assistant', parts: [{ type: 'text', content: 'short' }] },
        { role: 'user', parts: [{ type: 'text', content: '😀'.repeat(5_000) }] },
      ];
      const { json, truncated } = serializeWithCap(msgs, cap);
      expect(truncated).toBe(true);
      expect(json.length).toBeLessThanOrEqual(cap);
      const parsed = JSON.parse(json);
      expect(validateMessages('input', parsed)).toEqual([]);
      expect(JSON.stringify(parsed)).toContain('…[truncated]');
      // No lone surrogates from cutting an emoji in half.
      expect(json).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    },
  );

  it.each([
    [
      'pretty-printed JSON',
      (n: number) =>
        JSON.stringify(
          { rows: Array.from({ length: n }, (_, i) => ({ id: i, name: `item ${i}` })) },
          null,
          2,
        ),
    ],
    ['quotes and newlines', (n: number) => '"\n'.repeat(n)],
    ['control characters', (n: number) => '\u0001'.repeat(n)],
    ['lone surrogates', (n: number) => '\ud800a'.repeat(n)],
  ])('cuts a string heavy in JSON escapes (%s) instead of dropping it', (_name, make) => {
    const cap = 32 * 1024;
    for (const n of [5_000, 20_000, 100_000]) {
      const msgs: InputMessage[] = [
        { role: 'user', parts: [{ type: 'text', content: `Summarize:\n${make(n)}` }] },
      ];
      const { json, truncated } = serializeWithCap(msgs, cap);
      if (!truncated) continue;
      expect(json.length).toBeLessThanOrEqual(cap);
      const parsed = JSON.parse(json);
      expect(validateMessages('input', parsed)).toEqual([]);
      expect(parsed).toHaveLength(1);
      expect(parsed[0].parts[0].content.startsWith('Summarize:\n')).toBe(true);
      expect(parsed[0].parts[0].content.endsWith('…[truncated]')).toBe(true);
      // The cut uses the budget rather than leaving most of it empty.
      expect(json.length).toBeGreaterThan(cap * 0.9);
    }
  });

  it('marks truncation only when something was cut, at the exact limit', () => {
    const msgs = [{ role: 'user', parts: [{ type: 'text', content: 'a"b\n😀'.repeat(50) }] }];
    const exact = JSON.stringify(msgs).length;
    expect(serializeWithCap(msgs, exact)).toEqual({ json: JSON.stringify(msgs), truncated: false });
    const cut = serializeWithCap(msgs, exact - 1);
    expect(cut.truncated).toBe(true);
    expect(cut.json.length).toBeLessThanOrEqual(exact - 1);
    expect(cut.json).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(JSON.parse(cut.json)[0].parts[0].content).toMatch(/…\[truncated\]$/);
  });

  it('drops the oldest messages when there are too many to fit', () => {
    const msgs = Array.from({ length: 400 }, (_, i) => ({
      role: 'user',
      parts: [{ type: 'text', content: `m${i}` }],
    }));
    const { json, truncated } = serializeWithCap(msgs, 600);
    expect(truncated).toBe(true);
    const parsed = JSON.parse(json) as typeof msgs;
    expect(json.length).toBeLessThanOrEqual(600);
    expect(parsed.length).toBeGreaterThan(0);
    expect(parsed.at(-1)).toEqual(msgs.at(-1));
  });
});
