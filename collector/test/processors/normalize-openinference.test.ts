import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model.js';
import { normalizeSpan } from '../../src/processors/normalize.js';
import { makeSpan, schemaErrors } from './helpers.js';

interface Case {
  name: string;
  parentSpanId?: string;
  attributes: Attributes;
  added: Attributes;
  countsUsage: boolean;
}

const CASES: Case[] = [
  {
    name: 'LLM span: messages with contents, image, tool calls; params; tokens; tools; session',
    attributes: {
      'openinference.span.kind': 'LLM',
      'llm.system': 'anthropic',
      'llm.provider': 'anthropic',
      'llm.model_name': 'claude-sonnet-4-5-20250929',
      'llm.invocation_parameters':
        '{"model":"claude-sonnet-4-5","max_tokens":256,"temperature":0.3,"top_k":40,"stop_sequences":["END"]}',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.contents.0.message_content.type': 'text',
      'llm.input_messages.0.message.contents.0.message_content.text': 'What is this?',
      'llm.input_messages.0.message.contents.1.message_content.type': 'image',
      'llm.input_messages.0.message.contents.1.message_content.image.image.url':
        'https://example.com/cat.png',
      'llm.input_messages.1.message.role': 'assistant',
      'llm.input_messages.1.message.tool_calls.0.tool_call.id': 'toolu_1',
      'llm.input_messages.1.message.tool_calls.0.tool_call.function.name': 'classify',
      'llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments': '{"kind":"animal"}',
      'llm.input_messages.2.message.role': 'tool',
      'llm.input_messages.2.message.tool_call_id': 'toolu_1',
      'llm.input_messages.2.message.content': 'cat',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.content': 'A cat.',
      'llm.finish_reason': 'end_turn',
      'llm.token_count.prompt': 1200,
      'llm.token_count.completion': 40,
      'llm.token_count.total': 1240,
      'llm.token_count.prompt_details.cache_read': 800,
      'llm.token_count.prompt_details.cache_write': 300,
      'llm.tools.0.tool.json_schema':
        '{"type":"function","function":{"name":"classify","description":"Classify","parameters":{"type":"object"}}}',
      'session.id': 'sess-1',
      'llm.prompt_template.version': 'v2',
      'llm.prompt_template.variables': '{"city":"Paris"}',
    },
    added: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5',
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 40,
      'gen_ai.usage.cache_read.input_tokens': 800,
      'gen_ai.usage.cache_creation.input_tokens': 300,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.input.messages': JSON.stringify([
        {
          role: 'user',
          parts: [
            { type: 'text', content: 'What is this?' },
            { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
          ],
        },
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'toolu_1', name: 'classify', arguments: { kind: 'animal' } }],
        },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'toolu_1', response: 'cat' }] },
      ]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: 'A cat.' }], finish_reason: 'stop' },
      ]),
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.tool.definitions': JSON.stringify([
        { type: 'function', name: 'classify', description: 'Classify', parameters: { type: 'object' } },
      ]),
      'gen_ai.conversation.id': 'sess-1',
      'gen_ai.prompt.version': 'v2',
      'gen_ai.prompt.variable.city': 'Paris',
    },
    countsUsage: true,
  },
  {
    name: 'Azure-hosted OpenAI with a data-URL image (becomes a blob part)',
    attributes: {
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'llm.provider': 'azure',
      'llm.model_name': 'gpt-4o',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.contents.0.message_content.type': 'image',
      'llm.input_messages.0.message.contents.0.message_content.image.image.url':
        'data:image/png;base64,iVBORw0K',
    },
    added: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'azure.ai.openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o',
      'gen_ai.input.messages': JSON.stringify([
        {
          role: 'user',
          parts: [{ type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0K' }],
        },
      ]),
    },
    countsUsage: true,
  },
  {
    name: 'EMBEDDING span on Vertex AI',
    attributes: {
      'openinference.span.kind': 'EMBEDDING',
      'llm.provider': 'google',
      'llm.system': 'vertexai',
      'embedding.model_name': 'text-embedding-005',
      'llm.token_count.prompt': 7,
    },
    added: {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.model': 'text-embedding-005',
      'gen_ai.usage.input_tokens': 7,
    },
    countsUsage: true,
  },
  {
    name: 'TOOL span',
    attributes: {
      'openinference.span.kind': 'TOOL',
      'tool.name': 'get_weather',
      'tool.description': 'Weather by city',
      'tool_call.id': 'call_9',
      'input.value': '{"city": "Paris"}',
      'output.value': 'rainy',
    },
    added: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.description': 'Weather by city',
      'gen_ai.tool.call.id': 'call_9',
      'gen_ai.tool.call.arguments': '{"city":"Paris"}',
      'gen_ai.tool.call.result': '"rainy"',
    },
    countsUsage: false,
  },
  {
    name: 'AGENT span with aggregated tokens never counts them',
    attributes: {
      'openinference.span.kind': 'AGENT',
      'agent.name': 'planner',
      'llm.token_count.prompt': 5000,
    },
    added: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.usage.input_tokens': 5000,
      'gen_ai.agent.name': 'planner',
    },
    countsUsage: false,
  },
  {
    name: 'top-level CHAIN is a workflow',
    attributes: { 'openinference.span.kind': 'CHAIN' },
    added: { 'gen_ai.operation.name': 'invoke_workflow' },
    countsUsage: false,
  },
  {
    name: 'nested CHAIN is plumbing: no operation',
    parentSpanId: '1111111111111111',
    attributes: { 'openinference.span.kind': 'CHAIN' },
    added: {},
    countsUsage: false,
  },
  {
    name: 'EVALUATOR span: evaluation.* becomes gen_ai.evaluation.*',
    attributes: {
      'openinference.span.kind': 'EVALUATOR',
      'evaluation.name': 'relevance',
      'evaluation.score': 0.8,
      'evaluation.label': 'relevant',
      'evaluation.explanation': 'On topic.',
    },
    added: {
      'gen_ai.evaluation.name': 'relevance',
      'gen_ai.evaluation.score.value': 0.8,
      'gen_ai.evaluation.score.label': 'relevant',
      'gen_ai.evaluation.explanation': 'On topic.',
    },
    countsUsage: false,
  },
  {
    name: 'RETRIEVER span with documents',
    attributes: {
      'openinference.span.kind': 'RETRIEVER',
      'retrieval.documents.0.document.id': 'doc-1',
      'retrieval.documents.0.document.score': 0.9,
      'retrieval.documents.1.document.id': 'doc-2',
      'retrieval.documents.1.document.score': 0.5,
    },
    added: {
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.retrieval.documents': '[{"id":"doc-1","score":0.9},{"id":"doc-2","score":0.5}]',
    },
    countsUsage: false,
  },
];

describe('normalizeSpan: OpenInference', () => {
  it.each(CASES)('$name', (c) => {
    const out = normalizeSpan(makeSpan({ attributes: c.attributes, parentSpanId: c.parentSpanId ?? '' }));
    expect(out.attributes).toEqual({ ...c.attributes, ...c.added });
    expect(out.enrichment.normalization).toEqual({ source: 'openinference', mapped: Object.keys(c.added) });
    expect(out.enrichment.countsUsage).toBe(c.countsUsage);
    expect(schemaErrors(out.attributes)).toEqual([]);
    const again = normalizeSpan(out);
    expect(again.attributes).toEqual(out.attributes); // idempotent
    expect(again.enrichment.normalization?.mapped).toEqual([]);
  });
});
