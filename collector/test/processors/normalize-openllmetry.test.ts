import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model.js';
import { normalizeSpan } from '../../src/processors/normalize.js';
import { makeSpan, schemaErrors } from './helpers.js';

interface Case {
  name: string;
  spanName: string;
  parentSpanId?: string;
  attributes: Attributes;
  added: Attributes;
  newName: string;
  countsUsage: boolean;
}

const CASES: Case[] = [
  {
    name: 'chat with flattened prompts, tool calls, completion and usage (older OpenLLMetry)',
    spanName: 'openai.chat',
    attributes: {
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief.',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': '[{"type":"text","text":"Weather in Paris?"}]',
      'gen_ai.prompt.2.role': 'assistant',
      'gen_ai.prompt.2.tool_calls.0.id': 'call_1',
      'gen_ai.prompt.2.tool_calls.0.name': 'get_weather',
      'gen_ai.prompt.2.tool_calls.0.arguments': '{"location":"Paris"}',
      'gen_ai.prompt.3.role': 'tool',
      'gen_ai.prompt.3.content': 'rainy',
      'gen_ai.prompt.3.tool_call_id': 'call_1',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'It is rainy.',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.usage.prompt_tokens': 30,
      'gen_ai.usage.completion_tokens': 6,
      'gen_ai.usage.cache_read_input_tokens': 10,
      'gen_ai.usage.reasoning_tokens': 2,
      'llm.usage.total_tokens': 36,
      'llm.top_k': 5.0,
      'llm.frequency_penalty': 0.5,
      'llm.presence_penalty': 0.1,
      'llm.chat.stop_sequences': '["END"]',
      'llm.request.functions.0.name': 'get_weather',
      'llm.request.functions.0.description': 'Weather by city',
      'llm.request.functions.0.parameters': '{"type":"object","properties":{"location":{"type":"string"}}}',
    },
    added: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.cache_read.input_tokens': 10,
      'gen_ai.usage.reasoning.output_tokens': 2,
      'gen_ai.request.top_k': 5,
      'gen_ai.request.frequency_penalty': 0.5,
      'gen_ai.request.presence_penalty': 0.1,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.input.messages': JSON.stringify([
        { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } }],
        },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rainy' }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'It is rainy.' }], finish_reason: 'stop' },
      ]),
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.tool.definitions': JSON.stringify([
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      ]),
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 6,
    },
    newName: 'chat gpt-4o',
    countsUsage: true,
  },
  {
    name: 'completion with a function_call, Azure provider',
    spanName: 'openai.completion',
    attributes: {
      'llm.request.type': 'completion',
      'gen_ai.system': 'Azure',
      'gen_ai.request.model': 'gpt-35-turbo-instruct',
      'gen_ai.completion.0.function_call.name': 'lookup',
      'gen_ai.completion.0.function_call.arguments': '{"q":"x"}',
      'gen_ai.completion.0.finish_reason': 'function_call',
    },
    added: {
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: null, name: 'lookup', arguments: { q: 'x' } }],
          finish_reason: 'tool_call',
        },
      ]),
      'gen_ai.response.finish_reasons': ['function_call'],
      'gen_ai.provider.name': 'azure.ai.openai',
    },
    newName: 'text_completion gpt-35-turbo-instruct',
    countsUsage: true,
  },
  {
    name: 'workflow span carries aggregated usage but never counts it',
    spanName: 'support.workflow',
    attributes: {
      'traceloop.span.kind': 'workflow',
      'traceloop.entity.name': 'support',
      'traceloop.workflow.name': 'support',
      'gen_ai.usage.prompt_tokens': 300,
    },
    added: {
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'support',
      'gen_ai.usage.input_tokens': 300,
    },
    newName: 'support.workflow',
    countsUsage: false,
  },
  {
    name: 'agent span',
    spanName: 'triage.agent',
    attributes: { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'triage' },
    added: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'triage' },
    newName: 'triage.agent',
    countsUsage: false,
  },
  {
    name: 'tool span: entity input/output become tool call arguments/result',
    spanName: 'get_weather.tool',
    attributes: {
      'traceloop.span.kind': 'tool',
      'traceloop.entity.name': 'get_weather',
      'traceloop.entity.input': '{"args":[],"kwargs":{"city":"Paris"}}',
      'traceloop.entity.output': '"rainy"',
    },
    added: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.arguments': '{"args":[],"kwargs":{"city":"Paris"}}',
      'gen_ai.tool.call.result': '"rainy"',
    },
    newName: 'get_weather.tool',
    countsUsage: false,
  },
  {
    name: 'task span: no operation',
    spanName: 'prepare.task',
    attributes: { 'traceloop.span.kind': 'task', 'traceloop.entity.name': 'prepare' },
    added: {},
    newName: 'prepare.task',
    countsUsage: false,
  },
];

describe('normalizeSpan: OpenLLMetry', () => {
  it.each(CASES)('$name', (c) => {
    const out = normalizeSpan(makeSpan({ name: c.spanName, attributes: c.attributes }));
    expect(out.attributes).toEqual({ ...c.attributes, ...c.added });
    expect(out.enrichment.normalization).toEqual({ source: 'openllmetry', mapped: Object.keys(c.added) });
    expect(out.enrichment.countsUsage).toBe(c.countsUsage);
    expect(out.name).toBe(c.newName);
    expect(schemaErrors(out.attributes)).toEqual([]);
    const again = normalizeSpan(out);
    expect(again.attributes).toEqual(out.attributes); // idempotent
    expect(again.enrichment.normalization?.mapped).toEqual([]);
  });

  it('prompt-template keys are not taken for flattened prompts', () => {
    const attrs = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.prompt.name': 'greet',
      'gen_ai.prompt.version': '3',
    };
    const out = normalizeSpan(makeSpan({ attributes: attrs }));
    expect(out.attributes).toEqual(attrs);
    expect(out.enrichment.normalization?.source).toBe('otel-current');
  });
});
