/**
 * Regression tests for defects found in review: malformed input that polluted Object.prototype or
 * stalled the hot path, message data that was dropped or invented, and cost lookups that missed models
 * the price table has.
 */
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model.js';
import { PRICE_TABLE_VERSION, priceSpan } from '../../src/processors/cost.js';
import { normalizeSpan } from '../../src/processors/normalize.js';
import { makeSpan, schemaErrors } from './helpers.js';

const norm = (attributes: Attributes, name = 'span') => normalizeSpan(makeSpan({ name, attributes }));
const M = 1e6;

describe('flattened keys are remote input', () => {
  it.each([
    ['OpenLLMetry', { 'llm.request.type': 'chat', 'gen_ai.prompt.0.role': 'user' }, 'gen_ai.prompt.0'],
    [
      'OpenInference',
      { 'openinference.span.kind': 'LLM', 'llm.input_messages.0.message.role': 'user' },
      'llm.input_messages.0',
    ],
  ])('%s: a `__proto__` segment does not pollute Object.prototype', (_, attrs, prefix) => {
    const key = `${prefix}.__proto__.polluted`;
    try {
      const out = norm({ ...attrs, [key]: 'yes' });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // The key itself is kept on the span, as sent.
      expect(out.attributes[key]).toBe('yes');
      expect(JSON.parse(out.attributes['gen_ai.input.messages'] as string)).toEqual([
        { role: 'user', parts: [] },
      ]);
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('a huge index does not walk every hole up to it', () => {
    // Before the fix this span took minutes (every index up to the largest one was visited; 5e7 alone
    // took about 3 s).
    const start = performance.now();
    const out = norm({
      'llm.request.type': 'chat',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'a',
      'gen_ai.prompt.100000000.role': 'user',
      'gen_ai.prompt.100000000.content': 'b',
      'gen_ai.prompt.4294967294.content': 'c',
    });
    expect(performance.now() - start).toBeLessThan(500);
    expect(JSON.parse(out.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'a' }] },
      { role: 'user', parts: [{ type: 'text', content: 'b' }] },
      { role: 'user', parts: [{ type: 'text', content: 'c' }] },
    ]);
  });
});

describe('message attributes are never dropped', () => {
  it('a string-array AnyValue of JSON messages is read item by item', () => {
    const input = { role: 'user', parts: [{ type: 'text', content: 'hi' }] };
    const output = { role: 'assistant', parts: [{ type: 'text', content: 'hello' }], finish_reason: 'stop' };
    const out = norm({
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': [JSON.stringify(input)],
      'gen_ai.output.messages': [JSON.stringify(output)],
    });
    expect(out.attributes['gen_ai.input.messages']).toBe(JSON.stringify([input]));
    expect(out.attributes['gen_ai.output.messages']).toBe(JSON.stringify([output]));
    expect(schemaErrors(out.attributes)).toEqual([]);
  });

  it('items that are not messages keep the value as sent (JSON text), not []', () => {
    const out = norm({
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': '["hello", 3]',
      'gen_ai.output.messages': ['hello'],
    });
    expect(out.attributes['gen_ai.input.messages']).toBe('["hello", 3]');
    expect(out.attributes['gen_ai.output.messages']).toBe('["hello"]');
  });
});

describe('no invented message parts', () => {
  it('OpenInference Anthropic tool_use content blocks give one tool call, not an extra empty one', () => {
    const call = {
      'tool_call.id': 'toolu_1',
      'tool_call.function.name': 'get_weather',
      'tool_call.function.arguments': '{"city":"Paris"}',
    };
    const at = (prefix: string) =>
      Object.fromEntries(Object.entries(call).map(([k, v]) => [`${prefix}.${k}`, v]));
    const m = 'llm.output_messages.0.message';
    const out = norm({
      'openinference.span.kind': 'LLM',
      'llm.system': 'anthropic',
      'llm.provider': 'anthropic',
      'llm.model_name': 'claude-3-5-haiku-20241022',
      [`${m}.role`]: 'assistant',
      [`${m}.contents.0.message_content.type`]: 'text',
      [`${m}.contents.0.message_content.text`]: 'Checking.',
      [`${m}.contents.1.message_content.type`]: 'tool_use',
      ...at(`${m}.contents.1`),
      ...at(`${m}.tool_calls.0`),
    });
    expect(JSON.parse(out.attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Checking.' },
          { type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } },
        ],
        finish_reason: 'stop',
      },
    ]);
    expect(schemaErrors(out.attributes)).toEqual([]);
  });

  it('Vercel: a reply text that is a JSON array stays text', () => {
    const text = '[{"type":"fruit","name":"apple"}]';
    const out = norm(
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'ai.model.provider': 'openai.chat',
        'ai.model.id': 'gpt-4o-mini',
        'ai.response.text': text,
        'ai.response.finishReason': 'stop',
      },
      'ai.generateText.doGenerate',
    );
    expect(JSON.parse(out.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' },
    ]);
  });
});

describe('cost: model and provider ids the price table has', () => {
  const chat = (provider: string, model: string): Attributes => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': model,
    'gen_ai.usage.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 100,
  });
  it.each([
    // Gemini API resource names (the google-genai SDK accepts and reports them).
    ['gcp.gemini', 'models/gemini-2.5-flash', 'google/gemini-2.5-flash'],
    ['gcp.vertex_ai', 'publishers/google/models/gemini-2.5-flash', 'google/gemini-2.5-flash'],
    // Open-enum provider names that are the table's own provider ids.
    [
      'together',
      'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
    ],
    ['openrouter', 'openai/gpt-4o', 'openrouter/openai/gpt-4o'],
  ])('%s %s is priced as %s', (provider, model, pricedAs) => {
    const cost = priceSpan(norm(chat(provider, model)));
    expect(cost).toMatchObject({ priceSource: 'genai-prices', pricedAs, priceVersion: PRICE_TABLE_VERSION });
    expect(cost?.totalUsd).toBeGreaterThan(0);
  });

  it('models/ prefix is priced as the bare id', () => {
    const bare = priceSpan(norm(chat('gcp.gemini', 'gemini-2.5-flash')));
    const prefixed = priceSpan(norm(chat('gcp.gemini', 'models/gemini-2.5-flash')));
    expect(prefixed).toEqual(bare);
    // gemini-2.5-flash: $0.30 in, $2.50 out per million tokens in the pinned table.
    expect(prefixed?.totalUsd).toBeCloseTo((1000 * 0.3 + 100 * 2.5) / M, 12);
  });

  it('an unknown provider still gets the table guess from the model (unchanged)', () => {
    expect(priceSpan(norm(chat('my-gateway', 'gpt-4o')))?.pricedAs).toBe('openai/gpt-4o');
  });
});
