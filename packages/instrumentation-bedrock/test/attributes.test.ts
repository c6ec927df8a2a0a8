import { describe, expect, it } from 'vitest';
import {
  baseModelId,
  converseBlockPart,
  converseRequestAttributes,
  converseTextSlots,
  converseUsage,
} from '../src/attributes.js';
import type { ConverseInput } from '../src/internal-types.js';
import {
  converseEventDelta,
  modelFamily,
  nativeChunkDelta,
  parseNativeRequest,
  parseNativeResponse,
} from '../src/native-models.js';

describe('model ids', () => {
  it.each([
    ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'anthropic'],
    ['us.anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic'],
    ['global.anthropic.claude-sonnet-4', 'anthropic.claude-sonnet-4', 'anthropic'],
    [
      'arn:aws:bedrock:us-east-1:123:inference-profile/eu.meta.llama3-2-1b-instruct-v1:0',
      'meta.llama3-2-1b-instruct-v1:0',
      'llama',
    ],
    ['apac.amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0', 'nova'],
    ['amazon.titan-text-express-v1', 'amazon.titan-text-express-v1', 'titan-text'],
    ['amazon.titan-embed-text-v2:0', 'amazon.titan-embed-text-v2:0', 'titan-embed'],
    ['mistral.mistral-large-2407-v1:0', 'mistral.mistral-large-2407-v1:0', 'mistral'],
    ['cohere.command-r-plus-v1:0', 'cohere.command-r-plus-v1:0', 'cohere'],
    ['cohere.embed-english-v3', 'cohere.embed-english-v3', 'cohere-embed'],
    ['ai21.jamba-1-5-large-v1:0', 'ai21.jamba-1-5-large-v1:0', undefined],
  ])('%s', (id, base, family) => {
    expect(baseModelId(id)).toBe(base);
    expect(modelFamily(id)).toBe(family);
  });
});

describe('model family of a custom model ARN (the base model id is in its path)', () => {
  it.each([
    [
      'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/ly16hhi765j4',
      'titan-text',
    ],
    [
      'arn:aws:bedrock:us-west-2:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0:128k/abc123',
      'llama',
    ],
    ['arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234efgh', undefined],
  ])('%s', (id, family) => {
    expect(modelFamily(id)).toBe(family);
  });
});

describe('converseUsage: input includes cache reads and writes', () => {
  it.each([
    [
      { inputTokens: 10, outputTokens: 4 },
      {
        inputTokens: 10,
        outputTokens: 4,
        cacheReadInputTokens: undefined,
        cacheCreationInputTokens: undefined,
      },
    ],
    [
      { inputTokens: 10, outputTokens: 4, cacheReadInputTokens: 100, cacheWriteInputTokens: 20 },
      { inputTokens: 130, outputTokens: 4, cacheReadInputTokens: 100, cacheCreationInputTokens: 20 },
    ],
    [undefined, undefined],
  ])('%j', (usage, expected) => {
    expect(converseUsage(usage)).toEqual(expected);
  });
});

describe('converseRequestAttributes', () => {
  it('inference config, top_k from the model fields, guardrail id, stream flag', () => {
    const attrs = converseRequestAttributes(
      {
        modelId: 'm',
        inferenceConfig: { maxTokens: 5, temperature: 0.1, topP: 0.2, stopSequences: ['x'] },
        additionalModelRequestFields: { top_k: 7.0 },
        guardrailConfig: { guardrailIdentifier: 'g1', guardrailVersion: 'DRAFT' },
      },
      true,
    );
    expect(attrs).toEqual({
      'gen_ai.request.max_tokens': 5,
      'gen_ai.request.temperature': 0.1,
      'gen_ai.request.top_p': 0.2,
      'gen_ai.request.top_k': 7,
      'gen_ai.request.stop_sequences': ['x'],
      'aws.bedrock.guardrail.id': 'g1',
      'gen_ai.request.stream': true,
    });
  });
  it('Nova puts top_k under inferenceConfig.topK', () => {
    expect(
      converseRequestAttributes({ additionalModelRequestFields: { inferenceConfig: { topK: 3 } } }, false)[
        'gen_ai.request.top_k'
      ],
    ).toBe(3);
  });
});

describe('converseBlockPart', () => {
  it.each([
    [{ text: 'a' }, { type: 'text', content: 'a' }],
    [
      { toolUse: { toolUseId: 't', name: 'f', input: { a: 1 } } },
      { type: 'tool_call', id: 't', name: 'f', arguments: { a: 1 } },
    ],
    [
      { toolResult: { toolUseId: 't', content: [{ json: { ok: 1 } }] } },
      { type: 'tool_call_response', id: 't', response: [{ ok: 1 }] },
    ],
    [{ reasoningContent: { reasoningText: { text: 'hmm' } } }, { type: 'reasoning', content: 'hmm' }],
    [
      { image: { format: 'jpeg', source: { bytes: new Uint8Array([255]) } } },
      { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/w==' },
    ],
    [
      { document: { format: 'pdf', source: { s3Location: { uri: 's3://b/k.pdf' } } } },
      { type: 'uri', modality: 'document', mime_type: 'application/pdf', uri: 's3://b/k.pdf' },
    ],
    [{ cachePoint: { type: 'default' } }, undefined],
    [
      { document: { format: 'docx', name: 'd', source: { bytes: new Uint8Array([1]) } } },
      {
        type: 'blob',
        modality: 'document',
        mime_type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        content: 'AQ==',
      },
    ],
    [
      { document: { format: 'txt', name: 'd', source: { bytes: new Uint8Array([1]) } } },
      { type: 'blob', modality: 'document', mime_type: 'text/plain', content: 'AQ==' },
    ],
    [
      { document: { format: 'md', name: 'd', source: { s3Location: { uri: 's3://b/k.md' } } } },
      { type: 'uri', modality: 'document', mime_type: 'text/markdown', uri: 's3://b/k.md' },
    ],
    [
      { video: { format: 'mov', source: { s3Location: { uri: 's3://b/v.mov' } } } },
      { type: 'uri', modality: 'video', mime_type: 'video/quicktime', uri: 's3://b/v.mov' },
    ],
  ])('%j', (block, expected) => {
    expect(converseBlockPart(block)).toEqual(expected);
  });
});

describe('converseTextSlots', () => {
  it('system then message texts; apply returns a new input', () => {
    const input: ConverseInput = {
      modelId: 'm',
      system: [{ text: 's' }, { cachePoint: {} }],
      messages: [
        { role: 'user', content: [{ text: 'u' }, { image: { format: 'png' } }] },
        { role: 'assistant', content: [{ text: 'a' }] },
      ],
    };
    const before = JSON.stringify(input);
    const slots = converseTextSlots(input);
    expect(slots.segments.map((s) => [s.text, s.role, s.source])).toEqual([
      ['s', 'system', 'system'],
      ['u', 'user', 'user'],
      ['a', 'assistant', 'model'],
    ]);
    const applied = slots.apply(['S', 'U', 'A']);
    expect(JSON.stringify(input)).toBe(before);
    expect(applied.system).toEqual([{ text: 'S' }, { cachePoint: {} }]);
    expect(applied.messages?.map((m) => m.content?.[0])).toEqual([{ text: 'U' }, { text: 'A' }]);
  });
});

describe('native request bodies', () => {
  it.each([
    [
      'anthropic',
      {
        max_tokens: 9,
        top_k: 2,
        system: 'sys',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      },
      'chat',
      [['system'], ['messages', 0, 'content', 0, 'text']],
    ],
    [
      'titan-text',
      { inputText: 'hi', textGenerationConfig: { maxTokenCount: 3 } },
      'text_completion',
      [['inputText']],
    ],
    ['llama', { prompt: 'hi', max_gen_len: 3 }, 'text_completion', [['prompt']]],
    ['mistral', { messages: [{ role: 'user', content: 'hi' }] }, 'chat', [['messages', 0, 'content']]],
    [
      'cohere',
      { message: 'hi', preamble: 'p', chat_history: [{ role: 'CHATBOT', message: 'yo' }] },
      'chat',
      [['preamble'], ['chat_history', 0, 'message'], ['message']],
    ],
    [
      'cohere-embed',
      { texts: ['a', 'b'] },
      'embeddings',
      [
        ['texts', 0],
        ['texts', 1],
      ],
    ],
  ] as const)('%s', (family, body, operation, paths) => {
    const r = parseNativeRequest(family, body as never);
    expect(r.operation).toBe(operation);
    expect(r.slots().map((s) => s.path)).toEqual(paths);
  });
});

describe('native responses', () => {
  it.each([
    [
      'anthropic',
      {
        id: 'msg_1',
        content: [{ type: 'text', text: 'hi' }],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 10 },
      },
      {
        id: 'msg_1',
        finishReasons: ['length'],
        usage: {
          inputTokens: 13,
          outputTokens: 2,
          cacheReadInputTokens: 10,
          cacheCreationInputTokens: undefined,
        },
      },
    ],
    [
      'titan-text',
      {
        inputTextTokenCount: 3,
        results: [{ tokenCount: 2, outputText: 'hi', completionReason: 'CONTENT_FILTERED' }],
      },
      { id: undefined, finishReasons: ['content_filter'], usage: { inputTokens: 3, outputTokens: 2 } },
    ],
    [
      'llama',
      { generation: 'hi', prompt_token_count: 3, generation_token_count: 2, stop_reason: 'length' },
      { id: undefined, finishReasons: ['length'], usage: { inputTokens: 3, outputTokens: 2 } },
    ],
    [
      'cohere',
      {
        response_id: 'r',
        text: 'hi',
        finish_reason: 'COMPLETE',
        meta: { billed_units: { input_tokens: 3, output_tokens: 2 } },
      },
      { id: 'r', finishReasons: ['stop'], usage: { inputTokens: 3, outputTokens: 2 } },
    ],
  ] as const)('%s', (family, body, expected) => {
    const r = parseNativeResponse(family, body as never);
    expect({ id: r.id, finishReasons: r.finishReasons, usage: r.usage }).toEqual(expected);
    expect(r.texts.map((t) => t.text)).toEqual(['hi']);
  });
});

describe('stream deltas', () => {
  it.each([
    [
      'anthropic',
      { type: 'content_block_delta', delta: { type: 'text_delta', text: 'x' } },
      { text: 'x', fallbackUsage: undefined },
    ],
    [
      'anthropic',
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } },
      { finish: 'end_turn', usage: { outputTokens: 4 }, fallbackUsage: undefined },
    ],
    [
      'titan-text',
      {
        outputText: 'x',
        completionReason: 'FINISH',
        'amazon-bedrock-invocationMetrics': { inputTokenCount: 1, outputTokenCount: 2 },
      },
      { text: 'x', finish: 'stop', fallbackUsage: { inputTokens: 1, outputTokens: 2 } },
    ],
    [
      'llama',
      { generation: 'x', stop_reason: null },
      { text: 'x', finish: undefined, fallbackUsage: undefined },
    ],
    [
      'cohere',
      { event_type: 'stream-end', is_finished: true, finish_reason: 'COMPLETE' },
      { finish: 'COMPLETE', fallbackUsage: undefined },
    ],
  ] as const)('%s %j', (family, chunk, expected) => {
    expect(nativeChunkDelta(family, chunk as never)).toEqual(expected);
  });

  it('Converse events', () => {
    expect(
      converseEventDelta({ contentBlockStart: { start: { toolUse: { toolUseId: 't', name: 'f' } } } }),
    ).toEqual({ toolStart: { id: 't', name: 'f' } });
    expect(converseEventDelta({ contentBlockDelta: { delta: { toolUse: { input: '{"a"' } } } })).toEqual({
      toolInput: '{"a"',
    });
    expect(converseEventDelta({ messageStop: { stopReason: 'tool_use' } })).toEqual({ finish: 'tool_use' });
    expect(
      converseEventDelta({
        metadata: { usage: { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3 } },
      }),
    ).toEqual({
      usage: {
        inputTokens: 4,
        outputTokens: 2,
        cacheReadInputTokens: 3,
        cacheCreationInputTokens: undefined,
      },
    });
  });
});
