/** The semantic-convention validators the whole suite relies on must be able to fail. */
import { describe, expect, it } from 'vitest';
import { semconvRegistry, validateAttributes, validateMessages } from './helpers/semconv.js';

describe('semconv validators', () => {
  it('load the pinned registries in both file formats', () => {
    const reg = semconvRegistry();
    expect(reg.get('gen_ai.request.top_k')?.type).toBe('int');
    expect(reg.get('server.port')?.type).toBe('int');
    expect(reg.get('gen_ai.provider.name')?.members).toContain('aws.bedrock');
  });

  it.each([
    [{ 'gen_ai.request.top_k': 1.5 }, 'gen_ai.request.top_k: expected int, got 1.5'],
    [{ 'gen_ai.usage.total_tokens': 3 }, 'gen_ai.usage.total_tokens: not in the pinned registry'],
    [{ 'gen_ai.token.type': 'completion' }, "gen_ai.token.type: 'completion' not in enum"],
    [
      { 'gen_ai.response.finish_reasons': 'stop' },
      'gen_ai.response.finish_reasons: expected string[], got "stop"',
    ],
    [{ 'gen_ai.system': 'openai' }, 'gen_ai.system: not in the pinned registry'],
  ])('reject %j', (attrs, problem) => {
    expect(validateAttributes(attrs)).toEqual([problem]);
  });

  it('accept open enums with custom values and skip our own namespace', () => {
    expect(
      validateAttributes({
        'gen_ai.provider.name': 'my-provider',
        'gen_ai.operation.name': 'rerank',
        'error.type': 'ApiError',
        'genai_ops.content.truncated': true,
      }),
    ).toEqual([]);
  });

  it('validate message JSON against the schemas, strings or values', () => {
    expect(validateMessages('input', '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]')).toEqual(
      [],
    );
    expect(validateMessages('input', [{ role: 'user' }]).length).toBeGreaterThan(0);
    expect(validateMessages('output', [{ role: 'assistant', parts: [] }]).length).toBeGreaterThan(0);
    expect(validateMessages('system', [{ type: 'text', content: 'be brief' }])).toEqual([]);
    expect(
      validateMessages('tools', [{ type: 'function', name: 'f', parameters: { type: 'object' } }]),
    ).toEqual([]);
    expect(validateMessages('tools', [{ type: 'function' }]).length).toBeGreaterThan(0);
    expect(validateMessages('input', 'not json')[0]).toMatch(/^not JSON/);
  });
});
