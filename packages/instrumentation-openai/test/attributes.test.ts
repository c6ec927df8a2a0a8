import { describe, expect, it } from 'vitest';
import {
  clientTarget,
  outputTypeFromFormat,
  requestServiceTier,
  stopSequences,
  usageFrom,
} from '../src/attributes';

describe('clientTarget', () => {
  it.each([
    [undefined, { provider: 'openai', serverAddress: 'api.openai.com', serverPort: 443 }],
    [
      { baseURL: 'https://api.openai.com/v1', constructor: { name: 'OpenAI' } },
      { provider: 'openai', serverAddress: 'api.openai.com', serverPort: 443 },
    ],
    [
      { baseURL: 'http://localhost:11434/v1', constructor: { name: 'OpenAI' } },
      { provider: 'openai', serverAddress: 'localhost', serverPort: 11434 },
    ],
    [
      { baseURL: 'https://my.openai.azure.com/openai', constructor: { name: 'OpenAI' } },
      { provider: 'azure.ai.openai', serverAddress: 'my.openai.azure.com', serverPort: undefined },
    ],
    [
      { baseURL: 'http://127.0.0.1:8080/openai', constructor: { name: 'AzureOpenAI' } },
      { provider: 'azure.ai.openai', serverAddress: '127.0.0.1', serverPort: 8080 },
    ],
    // Azure api-versions before 2024-10-21 answer 400 to `stream_options`.
    [
      {
        baseURL: 'https://my.openai.azure.com/openai/deployments/d',
        constructor: { name: 'OpenAI' },
        _options: { defaultQuery: { 'api-version': '2024-06-01' } },
      },
      { provider: 'azure.ai.openai', serverAddress: 'my.openai.azure.com', rejectsStreamOptions: true },
    ],
    [
      {
        baseURL: 'https://my.openai.azure.com/openai',
        constructor: { name: 'AzureOpenAI' },
        apiVersion: 'preview',
      },
      { provider: 'azure.ai.openai', serverAddress: 'my.openai.azure.com', serverPort: undefined },
    ],
  ])('%j -> %j', (client, expected) => {
    expect(clientTarget(client as never)).toEqual(expected);
  });
});

describe('usageFrom', () => {
  it.each([
    [undefined, undefined],
    [
      {
        prompt_tokens: 10,
        completion_tokens: 5,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      },
      { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 4, reasoningOutputTokens: 2 },
    ],
    [
      {
        input_tokens: 7,
        output_tokens: 3,
        input_tokens_details: { cached_tokens: 1 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
      { inputTokens: 7, outputTokens: 3, cacheReadInputTokens: 1, reasoningOutputTokens: 0 },
    ],
    [
      { prompt_tokens: 3, total_tokens: 3 },
      {
        inputTokens: 3,
        outputTokens: undefined,
        cacheReadInputTokens: undefined,
        reasoningOutputTokens: undefined,
      },
    ],
  ])('%j', (usage, expected) => {
    expect(usageFrom(usage)).toEqual(expected);
  });
});

describe('small mappings', () => {
  it.each([
    [{ type: 'json_schema' }, 'json'],
    [{ type: 'json_object' }, 'json'],
    [{ type: 'text' }, 'text'],
    [{ type: 'grammar' }, undefined],
    [undefined, undefined],
  ])('output type of %j is %s', (format, expected) => {
    expect(outputTypeFromFormat(format)).toBe(expected);
  });
  it.each([
    ['END', ['END']],
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    [[], undefined],
    [null, undefined],
  ])('stop %j -> %j', (stop, expected) => {
    expect(stopSequences(stop)).toEqual(expected);
  });
  it.each([
    ['auto', undefined],
    ['default', 'default'],
    ['flex', 'flex'],
    [undefined, undefined],
  ])('request service tier %s -> %s', (tier, expected) => {
    expect(requestServiceTier(tier)).toBe(expected);
  });
});
