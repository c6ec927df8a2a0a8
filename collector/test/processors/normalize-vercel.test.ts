import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model.js';
import { normalizeSpan } from '../../src/processors/normalize.js';
import { makeSpan, schemaErrors } from './helpers.js';

interface Case {
  name: string;
  spanName: string;
  attributes: Attributes;
  added: Attributes;
  source: string;
  countsUsage: boolean;
}

const CASES: Case[] = [
  {
    name: 'v4 doGenerate: promptTokens, tool calls in history and response, tools, settings',
    spanName: 'ai.generateText.doGenerate',
    attributes: {
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.provider': 'anthropic.messages',
      'ai.model.id': 'claude-3-5-haiku-latest',
      'ai.settings.maxTokens': 300,
      'ai.settings.topK': 20,
      'ai.prompt.messages': JSON.stringify([
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        {
          role: 'assistant',
          content: [{ type: 'tool-call', toolCallId: 't1', toolName: 'weather', args: { city: 'Oslo' } }],
        },
        {
          role: 'tool',
          content: [{ type: 'tool-result', toolCallId: 't1', toolName: 'weather', result: { temp: 3 } }],
        },
      ]),
      'ai.prompt.tools': [
        '{"type":"function","name":"weather","description":"Get weather","parameters":{"type":"object"}}',
      ],
      'ai.response.text': 'Cold.',
      'ai.response.reasoning': 'User wants weather.',
      'ai.response.toolCalls': '[{"toolCallId":"t2","toolName":"forecast","args":"{\\"days\\":2}"}]',
      'ai.response.finishReason': 'tool-calls',
      'ai.response.id': 'msg_1',
      'ai.response.model': 'claude-3-5-haiku-20241022',
      'ai.usage.promptTokens': 50,
      'ai.usage.completionTokens': 12,
    },
    added: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-3-5-haiku-latest',
      'gen_ai.response.model': 'claude-3-5-haiku-20241022',
      'gen_ai.response.id': 'msg_1',
      'gen_ai.usage.input_tokens': 50,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.request.max_tokens': 300,
      'gen_ai.request.top_k': 20,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 't1', name: 'weather', arguments: { city: 'Oslo' } }],
        },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: { temp: 3 } }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', content: 'User wants weather.' },
            { type: 'text', content: 'Cold.' },
            { type: 'tool_call', id: 't2', name: 'forecast', arguments: { days: 2 } },
          ],
          finish_reason: 'tool_call',
        },
      ]),
      'gen_ai.response.finish_reasons': ['tool_call'],
      'gen_ai.tool.definitions': JSON.stringify([
        { type: 'function', name: 'weather', description: 'Get weather', parameters: { type: 'object' } },
      ]),
    },
    source: 'vercel-ai',
    countsUsage: true,
  },
  {
    name: 'v5+ doStream: inputTokens and token details, ms to first chunk',
    spanName: 'ai.streamText.doStream',
    attributes: {
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.provider': 'google.vertex.chat',
      'ai.model.id': 'gemini-2.5-pro',
      'ai.usage.inputTokens': 1000,
      'ai.usage.outputTokens': 300,
      'ai.usage.inputTokenDetails.cacheReadTokens': 400,
      'ai.usage.inputTokenDetails.cacheWriteTokens': 100,
      'ai.usage.outputTokenDetails.reasoningTokens': 120,
      'ai.response.msToFirstChunk': 250,
    },
    added: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.model': 'gemini-2.5-pro',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 400,
      'gen_ai.usage.cache_creation.input_tokens': 100,
      'gen_ai.usage.reasoning.output_tokens': 120,
      'gen_ai.request.stream': true,
      'gen_ai.response.time_to_first_chunk': 0.25,
    },
    source: 'vercel-ai',
    countsUsage: true,
  },
  {
    name: 'generateText wrapper: invoke_agent with aggregated usage that does not count; system prompt',
    spanName: 'ai.generateText',
    attributes: {
      'ai.operationId': 'ai.generateText',
      'ai.telemetry.functionId': 'support-bot',
      'ai.model.provider': 'openai.responses',
      'ai.model.id': 'gpt-5',
      'ai.prompt': '{"system":"Be kind.","prompt":"Hi"}',
      'ai.usage.inputTokens': 20,
      'ai.usage.outputTokens': 4,
    },
    added: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-5',
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]',
      'gen_ai.system_instructions': '[{"type":"text","content":"Be kind."}]',
      'gen_ai.agent.name': 'support-bot',
    },
    source: 'vercel-ai',
    countsUsage: false,
  },
  {
    name: 'toolCall span',
    spanName: 'ai.toolCall',
    attributes: {
      'ai.operationId': 'ai.toolCall',
      'ai.toolCall.name': 'weather',
      'ai.toolCall.id': 't1',
      'ai.toolCall.args': '{"city":"Oslo"}',
      'ai.toolCall.result': '{"temp":3}',
    },
    added: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'weather',
      'gen_ai.tool.call.id': 't1',
      'gen_ai.tool.call.arguments': '{"city":"Oslo"}',
      'gen_ai.tool.call.result': '{"temp":3}',
    },
    source: 'vercel-ai',
    countsUsage: false,
  },
  {
    name: 'embedMany.doEmbed counts; ai.usage.tokens is input',
    spanName: 'ai.embedMany.doEmbed',
    attributes: {
      'ai.operationId': 'ai.embedMany.doEmbed',
      'ai.model.provider': 'mistral.embedding',
      'ai.model.id': 'mistral-embed',
      'ai.usage.tokens': 9,
    },
    added: {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'mistral_ai',
      'gen_ai.request.model': 'mistral-embed',
      'gen_ai.usage.input_tokens': 9,
    },
    source: 'vercel-ai',
    countsUsage: true,
  },
  {
    name: 'v7 @ai-sdk/otel: gen_ai.* already, metric name on the span becomes the TTFC attribute',
    spanName: 'chat gpt-4o',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.client.operation.time_to_first_chunk': 0.4,
      'gen_ai.client.operation.duration': 1.2,
    },
    added: { 'gen_ai.response.time_to_first_chunk': 0.4 },
    source: 'otel-current',
    countsUsage: true,
  },
  {
    name: 'v7 root invoke_agent carries usage but does not count',
    spanName: 'invoke_agent weather-agent',
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'weather-agent',
      'gen_ai.usage.input_tokens': 500,
    },
    added: {},
    source: 'otel-current',
    countsUsage: false,
  },
];

describe('normalizeSpan: Vercel AI SDK', () => {
  it.each(CASES)('$name', (c) => {
    const out = normalizeSpan(makeSpan({ name: c.spanName, attributes: c.attributes }));
    expect(out.attributes).toEqual({ ...c.attributes, ...c.added });
    expect(out.enrichment.normalization).toEqual({ source: c.source, mapped: Object.keys(c.added) });
    expect(out.enrichment.countsUsage).toBe(c.countsUsage);
    expect(schemaErrors(out.attributes)).toEqual([]);
    const again = normalizeSpan(out);
    expect(again.attributes).toEqual(out.attributes); // idempotent
    expect(again.enrichment.normalization?.mapped).toEqual([]);
  });
});
