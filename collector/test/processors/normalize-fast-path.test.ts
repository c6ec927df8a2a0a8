import { describe, expect, it } from 'vitest';
import type { Attributes, AttrValue } from '../../src/model.js';
import { NormalizeProcessor, normalizeSpan, normalizeSpanFull } from '../../src/processors/normalize.js';
import { isStringifyOf, shareParsed, takeParsed } from '../../src/processors/shared-parse.js';
import { makeSpan } from './helpers.js';

const SYS = JSON.stringify([{ type: 'text', content: 'You are a helpful planner.' }]);
const IN = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Plan my week.' }] }]);
const OUT = JSON.stringify([
  { role: 'assistant', parts: [{ type: 'text', content: 'Monday: rest.' }], finish_reason: 'stop' },
]);
const TOOLS = JSON.stringify([{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }]);

const current = (over: Record<string, AttrValue | undefined> = {}): Attributes => {
  const a: Record<string, AttrValue | undefined> = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 10,
    'gen_ai.usage.output_tokens': 5,
    'gen_ai.system_instructions': SYS,
    'gen_ai.input.messages': IN,
    'gen_ai.output.messages': OUT,
    ...over,
  };
  for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
  return a as Attributes;
};

/**
 * Spans the fast path must either take (already current) or hand to the full path; in every case the
 * result must be what the full path returns.
 */
const CASES: Array<[string, Attributes, string?]> = [
  ['current chat span', current()],
  ['current span with tool definitions', current({ 'gen_ai.tool.definitions': TOOLS })],
  [
    'agent span without messages',
    { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
  ],
  ['span without GenAI attributes', { 'http.method': 'GET' }],
  ['no operation, provider only', { 'gen_ai.provider.name': 'openai' }],
  ['operation that does not count usage', current({ 'gen_ai.operation.name': 'execute_tool' })],
  ['messages with whitespace', current({ 'gen_ai.input.messages': JSON.stringify(JSON.parse(IN), null, 2) })],
  ['leading whitespace', current({ 'gen_ai.input.messages': ` ${IN}` })],
  ['escaped slash', current({ 'gen_ai.input.messages': IN.replace('my week', 'my\\/week') })],
  ['unicode escape', current({ 'gen_ai.input.messages': IN.replace('Plan', '\\u0050lan') })],
  [
    'newlines, quotes and emoji in content',
    current({
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: 'line 1\nsay "hi" \u{1F600} \\ done\t' }] },
      ]),
    }),
  ],
  ['lone surrogate', current({ 'gen_ai.output.messages': OUT.replace('rest.', 'rest\\ud800') })],
  ['non-canonical number', current({ 'gen_ai.output.messages': OUT.replace('"stop"}', '"stop","n":1.0}') })],
  [
    'duplicate key',
    current({ 'gen_ai.input.messages': IN.replace('"role":"user"', '"role":"x","role":"user"') }),
  ],
  [
    'foreign message shape',
    current({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: 'hi' }]) }),
  ],
  [
    'single message object',
    current({ 'gen_ai.input.messages': JSON.stringify({ role: 'user', parts: [] }) }),
  ],
  ['plain-text system instructions', current({ 'gen_ai.system_instructions': 'Be terse.' })],
  ['empty system instructions', current({ 'gen_ai.system_instructions': '' })],
  ['string items in system instructions', current({ 'gen_ai.system_instructions': '["Be terse."]' })],
  ['not JSON', current({ 'gen_ai.input.messages': 'hello' })],
  [
    'structured message value',
    current({ 'gen_ai.input.messages': [{ role: 'user' }] as unknown as AttrValue }),
  ],
  ['null message value', current({ 'gen_ai.input.messages': null as unknown as AttrValue })],
  [
    'flattened input messages',
    current({
      'gen_ai.input.messages': undefined,
      'gen_ai.input.messages.0.role': 'user',
      'gen_ai.input.messages.0.content': 'hi',
    }),
  ],
  ['tool definitions in a foreign shape', current({ 'gen_ai.tool.definitions': '[{"name":"f"}]' })],
  ['draft cache_write key', current({ 'gen_ai.usage.cache_write.input_tokens': 12 })],
  ['Vercel time-to-first-chunk metric', current({ 'gen_ai.client.operation.time_to_first_chunk': 0.2 })],
  ['legacy gen_ai.system', current({ 'gen_ai.system': 'openai' })],
  ['OpenLLMetry numbered prompt', current({ 'gen_ai.prompt.0.content': 'hi' })],
  ['OpenInference span kind', current({ 'openinference.span.kind': 'LLM' })],
  ['Vercel ai.* key', current({ 'ai.model.id': 'gpt-4o-mini' })],
  ['name gives the operation (no source)', { 'gen_ai.provider.name': 'openai' }, 'chat gpt-4o'],
];

describe('normalizeSpan fast path (spans already in the current conventions)', () => {
  it.each(CASES)('%s: same result as the full path', (_name, attributes, name) => {
    const span = makeSpan({ attributes, ...(name ? { name } : {}) });
    const fast = normalizeSpan(span, { shareParsed: true });
    const full = normalizeSpanFull(span);
    expect(fast).toEqual(full);
    expect(Object.keys(fast.attributes)).toEqual(Object.keys(full.attributes));
    // Pure: new attributes and enrichment objects, the input untouched.
    expect(fast.attributes).not.toBe(span.attributes);
    expect(span.enrichment).toEqual({});
  });

  it('takes a current span without mapping anything and shares its parsed messages once', () => {
    const span = makeSpan({ attributes: current() });
    const out = normalizeSpan(span, { shareParsed: true });
    expect(out.enrichment.normalization).toEqual({ source: 'otel-current', mapped: [] });
    expect(out.attributes['gen_ai.input.messages']).toBe(IN);
    const take = takeParsed(out.attributes);
    expect(take).toBeDefined();
    expect(take?.('gen_ai.input.messages')).toEqual(JSON.parse(IN));
    expect(take?.('gen_ai.system_instructions')).toEqual(JSON.parse(SYS));
    // Each value once, and the span's entry is gone.
    expect(take?.('gen_ai.input.messages')).toBeUndefined();
    expect(takeParsed(out.attributes)).toBeUndefined();
  });

  it('shares nothing unless asked (NormalizeProcessor default)', () => {
    const [out] = new NormalizeProcessor().processSpans([makeSpan({ attributes: current() })]);
    expect(takeParsed(out!.attributes)).toBeUndefined();
    const [shared] = new NormalizeProcessor({ shareParsed: true }).processSpans([
      makeSpan({ attributes: current() }),
    ]);
    expect(takeParsed(shared!.attributes)).toBeDefined();
  });

  it('two spans with equal message strings get independent parsed values', () => {
    const [a, b] = new NormalizeProcessor({ shareParsed: true }).processSpans([
      makeSpan({ attributes: current() }),
      makeSpan({ attributes: current() }),
    ]);
    const va = takeParsed(a!.attributes)?.('gen_ai.input.messages') as Array<{ role: string }>;
    const vb = takeParsed(b!.attributes)?.('gen_ai.input.messages') as Array<{ role: string }>;
    expect(va).toEqual(vb);
    expect(va).not.toBe(vb);
    va[0]!.role = 'changed';
    expect(vb[0]!.role).toBe('user');
  });
});

describe('shared parse', () => {
  it('serves a value only for the string it was parsed from', () => {
    const attributes: Attributes = { k: '[1]' };
    shareParsed(attributes, 'k', '[1]', [1]);
    attributes.k = '[2]';
    expect(takeParsed(attributes)?.('k')).toBeUndefined();
  });

  it('isStringifyOf is JSON.stringify(v) === s on JSON texts', () => {
    const texts = [
      '[]',
      '{}',
      '[1,2.5,-3,1e21,0.1]',
      '[1.0]',
      '[1E2]',
      '[-0]',
      '[true,false,null]',
      '["a\\nb","c\\"d","e\\\\f","\\u0001","\\u001f","\\b\\f\\r\\t"]',
      '["\\/"]',
      '["\\u00e9","é","😀","\\ud83d\\ude00","\\ud800","\\udc00x"]',
      '[{"b":1,"a":2}]',
      '[{"b":1,"1":2}]',
      '[{"a":1,"a":2}]',
      '[{"__proto__":1}]',
      '[ 1]',
      '[1 ]',
      '{"a":[{"b":{"c":[]}}]}',
      '"x"',
      '[""]',
      '[{"":""}]',
    ];
    // Generated: random JSON values, serialized canonically and with random whitespace.
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = [
      'a',
      'Z',
      ' ',
      '"',
      '\\',
      '\n',
      '\u0007',
      'é',
      '\u2028',
      '\ud83d\ude00',
      '\ud800',
      '/',
      '1',
    ];
    const str = () => Array.from({ length: rnd(6) }, () => alphabet[rnd(alphabet.length)]).join('');
    const value = (d: number): unknown => {
      const t = rnd(d > 2 ? 4 : 7);
      if (t === 0) return str();
      if (t === 1) return rnd(3) === 0 ? rnd(1000) / 7 : rnd(100);
      if (t === 2) return [true, false, null][rnd(3)];
      if (t === 3) return rnd(2) === 0 ? str() : -rnd(50);
      if (t === 4) return Array.from({ length: rnd(4) }, () => value(d + 1));
      return Object.fromEntries(
        Array.from({ length: rnd(4) }, () => [str() || String(rnd(3)), value(d + 1)]),
      );
    };
    for (let i = 0; i < 400; i++) {
      const v = value(0);
      const s = JSON.stringify(v);
      texts.push(s, JSON.stringify(v, null, rnd(3)));
      if (s.startsWith('[') || s.startsWith('{')) texts.push(`${s.slice(0, -1)} ${s.slice(-1)}`);
    }
    for (const s of texts) {
      const v = JSON.parse(s);
      expect([s, isStringifyOf(s, v)]).toEqual([s, JSON.stringify(v) === s]);
    }
  });
});
