import { describe, expect, it } from 'vitest';
import {
  inputMessages,
  outputMessages,
  providerName,
  requestAttributes,
  requestOptionAttributes,
  systemInstructions,
  toolDefinitions,
  toPart,
  usageFromAnthropic,
} from '../src/attributes.js';
import type { ContentBlock, MessageCreateParams } from '../src/internal-types.js';
import { attributeErrors, schemaErrors } from './semconv.js';

describe('requestAttributes', () => {
  const cases: Array<[string, MessageCreateParams, Record<string, unknown>]> = [
    ['minimal', { model: 'm', messages: [] }, {}],
    [
      'all sampling parameters',
      {
        model: 'm',
        max_tokens: 100,
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ['END', 'STOP'],
      },
      {
        'gen_ai.request.max_tokens': 100,
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.top_p': 0.9,
        'gen_ai.request.top_k': 40,
        'gen_ai.request.stop_sequences': ['END', 'STOP'],
      },
    ],
    ['stream true', { model: 'm', stream: true }, { 'gen_ai.request.stream': true }],
    ['stream false is not set', { model: 'm', stream: false }, {}],
    ['top_k not an int is dropped', { model: 'm', top_k: 2.5 }, {}],
    [
      'thinking budget and effort',
      { model: 'm', thinking: { type: 'enabled', budget_tokens: 2048 }, output_config: { effort: 'high' } },
      { 'anthropic.request.thinking.budget_tokens': 2048, 'gen_ai.request.reasoning.level': 'high' },
    ],
    ['adaptive thinking has no budget', { model: 'm', thinking: { type: 'adaptive' } }, {}],
    [
      'structured output',
      { model: 'm', output_config: { format: { type: 'json_schema', schema: {} } } },
      { 'gen_ai.output.type': 'json' },
    ],
    [
      'structured output, the deprecated beta output_format',
      { model: 'm', output_format: { type: 'json_schema', schema: {} } },
      { 'gen_ai.output.type': 'json' },
    ],
  ];
  it.each(cases)('%s', (_name, params, expected) => {
    const attrs = requestAttributes(params);
    expect(attrs).toEqual(expected);
    expect(attributeErrors(attrs)).toEqual([]);
  });
});

describe('requestOptionAttributes', () => {
  const cases: Array<[string, unknown, Record<string, unknown>]> = [
    ['no options', undefined, {}],
    ['null options', null, {}],
    ['options without openTelemetry', { timeout: 5 }, {}],
    [
      'the SDK span option conversationId',
      { openTelemetry: { conversationId: 'c1' } },
      { 'gen_ai.conversation.id': 'c1' },
    ],
    ['an empty or non-string id is not an id', { openTelemetry: { conversationId: '' } }, {}],
    ['a number is not an id', { openTelemetry: { conversationId: 7 } }, {}],
  ];
  it.each(cases)('%s', (_name, options, expected) => {
    const attrs = requestOptionAttributes(options);
    expect(attrs).toEqual(expected);
    expect(attributeErrors(attrs)).toEqual([]);
  });
});

describe('usageFromAnthropic', () => {
  const cases: Array<
    [string, Parameters<typeof usageFromAnthropic>[0], ReturnType<typeof usageFromAnthropic>]
  > = [
    ['none', undefined, undefined],
    [
      'cache reads and writes are counted inside input',
      { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 },
      { inputTokens: 130, outputTokens: 5, cacheReadInputTokens: 100, cacheCreationInputTokens: 20 },
    ],
    [
      'null cache counts',
      {
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
      },
      {
        inputTokens: 10,
        outputTokens: 5,
        cacheReadInputTokens: undefined,
        cacheCreationInputTokens: undefined,
      },
    ],
    [
      'thinking tokens (output_tokens_details) as reasoning output tokens, inside output',
      { input_tokens: 10, output_tokens: 50, output_tokens_details: { thinking_tokens: 30 } },
      {
        inputTokens: 10,
        outputTokens: 50,
        cacheReadInputTokens: undefined,
        cacheCreationInputTokens: undefined,
        reasoningOutputTokens: 30,
      },
    ],
    [
      'output only (a message_delta)',
      { output_tokens: 7 },
      {
        inputTokens: undefined,
        outputTokens: 7,
        cacheReadInputTokens: undefined,
        cacheCreationInputTokens: undefined,
      },
    ],
  ];
  it.each(cases)('%s', (_name, usage, expected) => {
    expect(usageFromAnthropic(usage)).toEqual(expected);
  });
});

describe('toPart', () => {
  const cases: Array<[ContentBlock, unknown]> = [
    [
      { type: 'text', text: 'hi' },
      { type: 'text', content: 'hi' },
    ],
    [
      { type: 'thinking', thinking: 'hmm', signature: 's' },
      { type: 'reasoning', content: 'hmm' },
    ],
    [
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_call', id: 'toolu_1', name: 'get_weather', arguments: { city: 'Paris' } },
    ],
    [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: 'rainy' },
      { type: 'tool_call_response', id: 'toolu_1', response: 'rainy' },
    ],
    [
      {
        type: 'tool_result',
        tool_use_id: 'toolu_1',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { type: 'tool_call_response', id: 'toolu_1', response: 'ab' },
    ],
    [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'AAAA' },
    ],
    [
      { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
      { type: 'uri', modality: 'image', uri: 'https://x.test/a.png' },
    ],
    [
      { type: 'document', source: { type: 'file', file_id: 'file_1' } },
      { type: 'file', modality: 'document', file_id: 'file_1' },
    ],
    [
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
      { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBE' },
    ],
    [
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } },
      {
        type: 'server_tool_call',
        id: 'srvtoolu_1',
        name: 'web_search',
        server_tool_call: { type: 'web_search', arguments: { query: 'q' } },
      },
    ],
    [
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
      {
        type: 'server_tool_call_response',
        id: 'srvtoolu_1',
        server_tool_call_response: { type: 'web_search_tool_result' },
      },
    ],
    [{ type: 'redacted_thinking', data: 'opaque' }, { type: 'redacted_thinking' }],
  ];
  it.each(cases)('%j', (block, expected) => {
    expect(toPart(block)).toEqual(expected);
    expect(schemaErrors('gen_ai.input.messages', [{ role: 'user', parts: [toPart(block)] }])).toEqual([]);
  });
});

describe('message content', () => {
  it('system string and blocks become text parts', () => {
    expect(systemInstructions('Be terse.')).toEqual([{ type: 'text', content: 'Be terse.' }]);
    const blocks = systemInstructions([
      { type: 'text', text: 'A', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'B' },
    ]);
    expect(blocks).toEqual([
      { type: 'text', content: 'A' },
      { type: 'text', content: 'B' },
    ]);
    expect(schemaErrors('gen_ai.system_instructions', blocks)).toEqual([]);
    expect(systemInstructions(undefined)).toBeUndefined();
    expect(systemInstructions('')).toBeUndefined();
  });

  it('splits tool results out of user messages, keeping order', () => {
    const messages = inputMessages([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'rainy' },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
    expect(messages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 't1', name: 'get_weather', arguments: { city: 'Paris' } }],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 't1', response: 'rainy' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And tomorrow?' }] },
    ]);
    expect(schemaErrors('gen_ai.input.messages', messages)).toEqual([]);
  });

  it('tool definitions: custom tools as functions, server tools by type', () => {
    const defs = toolDefinitions([
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } },
      { type: 'web_search_20250305', name: 'web_search' },
    ]);
    expect(defs).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' } },
      { type: 'web_search_20250305', name: 'web_search' },
    ]);
    expect(schemaErrors('gen_ai.tool.definitions', defs)).toEqual([]);
    expect(toolDefinitions([])).toBeUndefined();
  });

  it('output message with mapped finish reason', () => {
    const cases: Array<[string | null, string]> = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_call'],
      ['refusal', 'content_filter'],
      ['pause_turn', 'pause_turn'],
      [null, 'stop'],
    ];
    for (const [stop, finish] of cases) {
      const out = outputMessages({
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 't' },
          { type: 'text', text: 'x' },
        ],
        stop_reason: stop,
      });
      expect(out).toEqual([
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', content: 't' },
            { type: 'text', content: 'x' },
          ],
          finish_reason: finish,
        },
      ]);
      expect(schemaErrors('gen_ai.output.messages', out)).toEqual([]);
    }
  });
});

describe('providerName', () => {
  class AnthropicBedrock {
    baseURL = 'http://127.0.0.1:1';
  }
  class AnthropicVertex {
    baseURL = 'http://127.0.0.1:1';
  }
  class Anthropic {
    baseURL = 'https://api.anthropic.com';
  }
  const cases: Array<[string, object | undefined, string]> = [
    ['no client', undefined, 'anthropic'],
    ['base client', new Anthropic(), 'anthropic'],
    ['bedrock by class', new AnthropicBedrock(), 'aws.bedrock'],
    ['vertex by class', new AnthropicVertex(), 'gcp.vertex_ai'],
    ['bedrock by URL', { baseURL: 'https://bedrock-runtime.us-east-1.amazonaws.com' }, 'aws.bedrock'],
    ['vertex by URL', { baseURL: 'https://us-east5-aiplatform.googleapis.com/v1' }, 'gcp.vertex_ai'],
    ['SDK-provided name', { baseURL: 'http://x', _genAIProviderName: 'aws.bedrock' }, 'aws.bedrock'],
  ];
  it.each(cases)('%s', (_name, client, expected) => {
    expect(providerName(client as never)).toBe(expected);
  });
});
