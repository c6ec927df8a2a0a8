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
