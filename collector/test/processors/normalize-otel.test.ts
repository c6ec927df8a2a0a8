import { describe, expect, it } from 'vitest';
import type { Attributes, SpanEventRecord } from '../../src/model.js';
import { NormalizeProcessor, normalizeSpan } from '../../src/processors/normalize.js';
import { makeSpan, schemaErrors } from './helpers.js';

interface Case {
  name: string;
  attributes: Attributes;
  events?: SpanEventRecord[];
  /** Keys the normalizer must add (or rewrite); the whole map is `{...attributes, ...added}`. */
  added: Attributes;
  source: string;
  countsUsage: boolean;
}

const ev = (name: string, attributes: Attributes): SpanEventRecord => ({
  name,
  timeUnixNano: '1',
  attributes,
});

const CASES: Case[] = [
  {
    name: 'current conventions pass through; structured messages become canonical JSON strings',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
      'gen_ai.output.messages':
        '[ {"role":"assistant","parts":[{"type":"text","content":"yo"}],"finish_reason":"stop"} ]',
      'gen_ai.system_instructions': 'Be brief.',
    },
    added: {
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'gen_ai.output.messages':
        '[{"role":"assistant","parts":[{"type":"text","content":"yo"}],"finish_reason":"stop"}]',
      'gen_ai.system_instructions': '[{"type":"text","content":"Be brief."}]',
    },
    source: 'otel-current',
    countsUsage: true,
  },
  {
    name: 'flattened indexed message keys are rebuilt',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages.0.role': 'user',
      'gen_ai.input.messages.0.parts.0.type': 'text',
      'gen_ai.input.messages.0.parts.0.content': 'flat',
    },
    added: { 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"flat"}]}]' },
    source: 'otel-current',
    countsUsage: true,
  },
  {
    name: '≤v1.36: gen_ai.system, prompt/completion tokens, gen_ai.openai.*',
    attributes: {
      'gen_ai.system': 'az.ai.openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.prompt_tokens': 12,
      'gen_ai.usage.completion_tokens': 5,
      'gen_ai.openai.request.service_tier': 'auto',
      'gen_ai.openai.response.service_tier': 'default',
      'gen_ai.openai.response.system_fingerprint': 'fp_1',
      'gen_ai.openai.request.seed': 42,
      'gen_ai.openai.request.response_format': 'json_schema',
    },
    added: {
      'gen_ai.provider.name': 'azure.ai.openai',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'openai.request.service_tier': 'auto',
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': 'fp_1',
      'gen_ai.request.seed': 42,
      'gen_ai.output.type': 'json',
    },
    source: 'otel-legacy',
    countsUsage: true,
  },
  {
    name: '≤v1.26: gen_ai.content.prompt/completion span events',
    attributes: { 'gen_ai.system': 'vertex_ai', 'gen_ai.operation.name': 'chat' },
    events: [
      ev('gen_ai.content.prompt', { 'gen_ai.prompt': '[{"role":"user","content":"Weather?"}]' }),
      ev('gen_ai.content.completion', { 'gen_ai.completion': 'Sunny.' }),
    ],
    added: {
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Weather?"}]}]',
      'gen_ai.output.messages':
        '[{"role":"assistant","parts":[{"type":"text","content":"Sunny."}],"finish_reason":"stop"}]',
    },
    source: 'otel-legacy',
    countsUsage: true,
  },
  {
    name: '≤v1.36 per-message span events with tool calls',
    attributes: { 'gen_ai.system': 'xai', 'gen_ai.operation.name': 'chat' },
    events: [
      ev('gen_ai.system.message', { content: 'Be helpful.' }),
      ev('gen_ai.user.message', { content: 'Weather in Paris?' }),
      ev('gen_ai.assistant.message', {
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      }),
      ev('gen_ai.tool.message', { content: 'rainy', id: 'call_1' }),
      ev('gen_ai.choice', { index: 0, finish_reason: 'stop', message: { content: 'It is rainy.' } }),
    ],
    added: {
      'gen_ai.provider.name': 'x_ai',
      'gen_ai.system_instructions': '[{"type":"text","content":"Be helpful."}]',
      'gen_ai.input.messages':
        '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"location":"Paris"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"rainy"}]}]',
      'gen_ai.output.messages':
        '[{"role":"assistant","parts":[{"type":"text","content":"It is rainy."}],"finish_reason":"stop"}]',
    },
    source: 'otel-legacy',
    countsUsage: true,
  },
  {
    name: 'post-pin cache_write usage key is accepted as cache_creation',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.cache_write.input_tokens': 40,
    },
    added: { 'gen_ai.usage.cache_creation.input_tokens': 40 },
    source: 'otel-current',
    countsUsage: true,
  },
  {
    name: 'agent spans never count usage',
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 100 },
    added: {},
    source: 'otel-current',
    countsUsage: false,
  },
  {
    name: 'embeddings count usage',
    attributes: {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 8,
    },
    added: {},
    source: 'otel-current',
    countsUsage: true,
  },
  {
    name: 'a non-GenAI span is left alone',
    attributes: { 'http.request.method': 'GET' },
    added: {},
    source: 'none',
    countsUsage: false,
  },
];

describe('normalizeSpan: OpenTelemetry shapes', () => {
  it.each(CASES)('$name', (c) => {
    const input = makeSpan({ attributes: c.attributes, events: c.events ?? [] });
    const frozen = JSON.stringify(input);
    const out = normalizeSpan(input);
    expect(out.attributes).toEqual({ ...c.attributes, ...c.added });
    expect(out.enrichment.normalization).toEqual({ source: c.source, mapped: Object.keys(c.added) });
    expect(out.enrichment.countsUsage).toBe(c.countsUsage);
    expect(schemaErrors(out.attributes)).toEqual([]);
    expect(JSON.stringify(input)).toBe(frozen); // pure: the input is untouched
    expect(out).not.toBe(input);
  });

  it('is idempotent: normalizing twice changes nothing more', () => {
    for (const c of CASES) {
      const once = normalizeSpan(makeSpan({ attributes: c.attributes, events: c.events ?? [] }));
      const twice = normalizeSpan(once);
      expect(twice.attributes).toEqual(once.attributes);
    }
  });

  it('a span the normalizer cannot read is kept as received, flagged, and the batch goes on', () => {
    const bad = makeSpan({ attributes: { 'gen_ai.system': 'openai' } });
    Object.defineProperty(bad.attributes, 'gen_ai.usage.prompt_tokens', {
      enumerable: true,
      get() {
        throw new Error('unreadable');
      },
    });
    const good = makeSpan({ attributes: { 'gen_ai.system': 'anthropic' } });
    const [a, b] = new NormalizeProcessor().processSpans([bad, good]);
    expect(a?.attributes).toBe(bad.attributes);
    expect(a?.enrichment.normalization).toEqual({ source: 'error', mapped: [] });
    expect(b?.attributes['gen_ai.provider.name']).toBe('anthropic');
  });

  it('the processor maps a batch and fills eventName of legacy log records', () => {
    const p = new NormalizeProcessor();
    const spans = p.processSpans([makeSpan({ attributes: { 'gen_ai.system': 'openai' } })]);
    expect(spans.map((s) => s.attributes['gen_ai.provider.name'])).toEqual(['openai']);
    const logs = p.processLogs([
      {
        timeUnixNano: '1',
        observedTimeUnixNano: '1',
        traceId: 't',
        spanId: 's',
        severityNumber: 9,
        severityText: '',
        eventName: '',
        body: null,
        attributes: { 'event.name': 'gen_ai.user.message' },
        resource: {},
        scopeName: '',
        scopeVersion: '',
      },
    ]);
    expect(logs.map((l) => l.eventName)).toEqual(['gen_ai.user.message']);
  });
});
