import { describe, expect, it } from 'vitest';
import {
  backendOf,
  embedResponse,
  generateRequestAttributes,
  inputTextSlots,
  normalizeContents,
  outputTypeOf,
  reasoningLevelOf,
  responseInfoOf,
  roleOf,
  toMessagePart,
  toOutputMessages,
  toToolDefinitions,
  usageOf,
} from '../src/attributes.js';
import type { GeminiGenerateContentParams } from '../src/internal-types.js';

describe('normalizeContents (the SDK tContents shapes)', () => {
  it.each([
    ['a string', 'hi', [{ role: 'user', parts: [{ text: 'hi' }] }]],
    ['a part', { text: 'hi' }, [{ role: 'user', parts: [{ text: 'hi' }] }]],
    ['a content', { role: 'model', parts: [{ text: 'x' }] }, [{ role: 'model', parts: [{ text: 'x' }] }]],
    ['strings and parts', ['a', { text: 'b' }], [{ role: 'user', parts: [{ text: 'a' }, { text: 'b' }] }]],
    [
      'contents',
      [
        { role: 'user', parts: [{ text: 'a' }] },
        { role: 'model', parts: [{ text: 'b' }] },
      ],
      [
        { role: 'user', parts: [{ text: 'a' }] },
        { role: 'model', parts: [{ text: 'b' }] },
      ],
    ],
    ['nothing', undefined, []],
  ])('%s', (_name, input, expected) => {
    expect(normalizeContents(input as never)).toEqual(expected);
  });
});

describe('toMessagePart', () => {
  it.each([
    [{ text: 'a' }, { type: 'text', content: 'a' }],
    [
      { text: 'why', thought: true },
      { type: 'reasoning', content: 'why' },
    ],
    [
      { functionCall: { id: 'c1', name: 'f', args: { x: 1 } } },
      { type: 'tool_call', id: 'c1', name: 'f', arguments: { x: 1 } },
    ],
    [{ functionCall: { name: 'f' } }, { type: 'tool_call', id: null, name: 'f', arguments: {} }],
    [
      { functionResponse: { id: 'c1', name: 'f', response: { ok: true } } },
      { type: 'tool_call_response', id: 'c1', response: { ok: true } },
    ],
    [
      { inlineData: { mimeType: 'audio/wav', data: 'AAA=' } },
      { type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'AAA=' },
    ],
    [
      { fileData: { mimeType: 'video/mp4', fileUri: 'gs://b/v.mp4' } },
      { type: 'uri', modality: 'video', mime_type: 'video/mp4', uri: 'gs://b/v.mp4' },
    ],
    [
      {
        fileData: {
          mimeType: 'application/pdf',
          fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123',
        },
      },
      { type: 'file', modality: 'document', mime_type: 'application/pdf', file_id: 'files/abc123' },
    ],
    [
      { executableCode: { code: 'print(1)', language: 'PYTHON' } },
      { type: 'executable_code', code: 'print(1)', language: 'PYTHON' },
    ],
    [{}, undefined],
  ])('%j', (part, expected) => {
    expect(toMessagePart(part)).toEqual(expected);
  });
});

describe('roleOf', () => {
  it.each([
    [{ role: 'model', parts: [{ text: 'a' }] }, 'assistant'],
    [{ role: 'user', parts: [{ text: 'a' }] }, 'user'],
    [{ role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }, 'tool'],
    [{ parts: [{ text: 'a' }] }, 'user'],
  ])('%j -> %s', (content, role) => {
    expect(roleOf(content)).toBe(role);
  });
});

describe('generateRequestAttributes', () => {
  it('maps every request parameter, top_k as an int, choice count only when not 1', () => {
    expect(
      generateRequestAttributes(
        {
          model: 'm',
          contents: 'x',
          config: {
            temperature: 0.2,
            topP: 0.8,
            topK: 40.0,
            maxOutputTokens: 10,
            stopSequences: ['a', 'b'],
            seed: 3,
            candidateCount: 2,
            presencePenalty: 0.5,
            frequencyPenalty: 0.25,
            responseMimeType: 'application/json',
            thinkingConfig: { thinkingLevel: 'HIGH' },
          },
        },
        true,
      ),
    ).toEqual({
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.8,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.max_tokens': 10,
      'gen_ai.request.stop_sequences': ['a', 'b'],
      'gen_ai.request.seed': 3,
      'gen_ai.request.choice.count': 2,
      'gen_ai.request.presence_penalty': 0.5,
      'gen_ai.request.frequency_penalty': 0.25,
      'gen_ai.output.type': 'json',
      'gen_ai.request.reasoning.level': 'HIGH',
      'gen_ai.request.stream': true,
    });
  });

  it('sets nothing for an empty config and a non-streaming call', () => {
    const attrs = generateRequestAttributes(
      { model: 'm', contents: 'x', config: { candidateCount: 1 } },
      false,
    );
    expect(Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined))).toEqual({});
  });
});

describe('outputTypeOf / reasoningLevelOf', () => {
  it.each([
    [{ responseMimeType: 'application/json' }, 'json'],
    [{ responseJsonSchema: {} }, 'json'],
    [{ responseModalities: ['IMAGE', 'TEXT'] }, 'image'],
    [{ responseModalities: ['AUDIO'] }, 'speech'],
    [{ responseMimeType: 'text/plain' }, 'text'],
    [{ responseMimeType: 'text/x.enum', responseSchema: { type: 'STRING', enum: ['a', 'b'] } }, 'text'],
    [{ responseSchema: { type: 'OBJECT' } }, 'json'],
    [{}, undefined],
  ])('output type %j -> %s', (config, expected) => {
    expect(outputTypeOf(config)).toBe(expected);
  });
  it.each([
    [{ thinkingConfig: { thinkingBudget: 0 } }, '0'],
    [{ thinkingConfig: { thinkingBudget: -1 } }, '-1'],
    [{ thinkingConfig: { thinkingLevel: 'LOW', thinkingBudget: 5 } }, 'LOW'],
    [{ thinkingConfig: { includeThoughts: true } }, undefined],
    [{}, undefined],
  ])('reasoning level %j -> %s', (config, expected) => {
    expect(reasoningLevelOf(config)).toBe(expected);
  });
});

describe('usageOf', () => {
  it.each([
    [
      { promptTokenCount: 10, candidatesTokenCount: 4, cachedContentTokenCount: 6, thoughtsTokenCount: 3 },
      { inputTokens: 10, outputTokens: 7, cacheReadInputTokens: 6, reasoningOutputTokens: 3 },
    ],
    [
      { promptTokenCount: 10, toolUsePromptTokenCount: 2, candidatesTokenCount: 4 },
      { inputTokens: 12, outputTokens: 4, cacheReadInputTokens: undefined, reasoningOutputTokens: undefined },
    ],
    [
      {},
      {
        inputTokens: undefined,
        outputTokens: undefined,
        cacheReadInputTokens: undefined,
        reasoningOutputTokens: undefined,
      },
    ],
    [undefined, undefined],
  ])('%j', (usage, expected) => {
    expect(usageOf(usage)).toEqual(expected);
  });
});

describe('toOutputMessages', () => {
  it('one message per candidate with mapped finish reasons', () => {
    expect(
      toOutputMessages([
        { content: { role: 'model', parts: [{ text: 'a' }] }, finishReason: 'STOP' },
        { content: { role: 'model', parts: [{ text: 'b' }] }, finishReason: 'MAX_TOKENS' },
        { finishReason: 'SAFETY' },
      ]),
    ).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'a' }], finish_reason: 'stop' },
      { role: 'assistant', parts: [{ type: 'text', content: 'b' }], finish_reason: 'length' },
      { role: 'assistant', parts: [], finish_reason: 'content_filter' },
    ]);
  });

  it.each([
    [undefined, [], []],
    [{}, [], []],
    [{ blockReason: 'BLOCKED_REASON_UNSPECIFIED' }, [], []],
    [
      { blockReason: 'PROHIBITED_CONTENT' },
      ['content_filter'],
      [{ role: 'assistant', parts: [], finish_reason: 'content_filter' }],
    ],
  ])('a prompt blocked with %j and no candidates', (promptFeedback, finishReasons, messages) => {
    expect(responseInfoOf({ responseId: 'r', promptFeedback }).finishReasons).toEqual(finishReasons);
    expect(toOutputMessages(undefined, promptFeedback)).toEqual(messages);
    expect(toOutputMessages([], promptFeedback)).toEqual(messages);
  });
});

describe('toToolDefinitions', () => {
  it('function declarations and built-in tools, callable tools skipped', () => {
    expect(
      toToolDefinitions({
        tools: [
          { functionDeclarations: [{ name: 'a', description: 'A' }, { name: 'b' }] },
          { googleSearch: {} },
          { codeExecution: {} },
          { tool: async () => ({}), callTool: async () => [] },
        ],
      }),
    ).toEqual([
      { type: 'function', name: 'a' },
      { type: 'function', name: 'b' },
      { type: 'googleSearch', name: 'googleSearch' },
      { type: 'codeExecution', name: 'codeExecution' },
    ]);
  });
});

describe('backendOf', () => {
  it.each([
    [
      {
        apiClient: {
          isVertexAI: () => false,
          getBaseUrl: () => 'https://generativelanguage.googleapis.com/',
        },
      },
      'gcp.gemini',
      'generativelanguage.googleapis.com',
      443,
    ],
    [
      {
        apiClient: {
          isVertexAI: () => true,
          getBaseUrl: () => 'https://us-central1-aiplatform.googleapis.com/',
        },
      },
      'gcp.vertex_ai',
      'us-central1-aiplatform.googleapis.com',
      443,
    ],
    [{}, 'gcp.gen_ai', undefined, undefined],
  ])('%#', (models, provider, serverAddress, serverPort) => {
    expect(backendOf(models)).toEqual({ provider, serverAddress, serverPort });
  });

  it("a request's httpOptions.baseUrl wins over the client's base URL (the SDK sends the request there)", () => {
    const models = {
      apiClient: { isVertexAI: () => true, getBaseUrl: () => 'https://aiplatform.googleapis.com/' },
    };
    expect(backendOf(models, { httpOptions: { baseUrl: 'https://proxy.example.com:8443/v' } })).toEqual({
      provider: 'gcp.vertex_ai',
      serverAddress: 'proxy.example.com',
      serverPort: 8443,
    });
    expect(backendOf(models, { httpOptions: { timeout: 5 } })).toEqual({
      provider: 'gcp.vertex_ai',
      serverAddress: 'aiplatform.googleapis.com',
      serverPort: 443,
    });
  });
});

describe('inputTextSlots', () => {
  it('lists system and message texts in order and applies replacements to a copy', () => {
    const params: GeminiGenerateContentParams = {
      model: 'm',
      contents: [
        { role: 'user', parts: [{ text: 'u1' }, { inlineData: { mimeType: 'image/png', data: 'x' } }] },
        { role: 'model', parts: [{ text: 'thinking', thought: true }, { text: 'm1' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
      ],
      config: { systemInstruction: 'sys', temperature: 1 },
    };
    const before = JSON.stringify(params);
    const slots = inputTextSlots(params);
    expect(slots.segments).toEqual([
      { text: 'sys', role: 'system', source: 'system' },
      { text: 'u1', role: 'user', source: 'user' },
      { text: 'm1', role: 'assistant', source: 'model' },
    ]);
    const applied = slots.apply(['SYS', 'U1', 'M1']);
    expect(JSON.stringify(params)).toBe(before);
    expect(applied).toEqual({
      model: 'm',
      contents: [
        { role: 'user', parts: [{ text: 'U1' }, { inlineData: { mimeType: 'image/png', data: 'x' } }] },
        { role: 'model', parts: [{ text: 'thinking', thought: true }, { text: 'M1' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
      ],
      config: { systemInstruction: { role: 'user', parts: [{ text: 'SYS' }] }, temperature: 1 },
    });
  });
});

describe('embedResponse', () => {
  it('dimension count from the vectors, tokens from Vertex statistics', () => {
    expect(
      embedResponse({
        embeddings: [
          { values: [1, 2, 3], statistics: { tokenCount: 4 } },
          { values: [1, 2, 3], statistics: { tokenCount: 2 } },
        ],
      }),
    ).toEqual({ attributes: { 'gen_ai.embeddings.dimension.count': 3 }, usage: { inputTokens: 6 } });
    expect(embedResponse({ embeddings: [{ values: [1] }] })).toEqual({
      attributes: { 'gen_ai.embeddings.dimension.count': 1 },
      usage: undefined,
    });
  });
});
