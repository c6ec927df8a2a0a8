import { describe, expect, it } from 'vitest';
import {
  CHAT_COMPLETIONS,
  chatGuardSlots,
  chatInputMessages,
  chatOutputMessages,
  chatRequestAttributes,
  chatToolDefinitions,
} from '../src/chat';

describe('chatRequestAttributes', () => {
  it.each([
    [{ model: 'gpt-4o', messages: [] }, { 'openai.api.type': 'chat_completions' }],
    [
      {
        model: 'o3',
        max_tokens: 10,
        max_completion_tokens: 20,
        n: 1,
        stream: true,
        reasoning_effort: 'high',
        service_tier: 'auto',
        stop: 'x',
      },
      {
        'openai.api.type': 'chat_completions',
        'gen_ai.request.max_tokens': 20,
        'gen_ai.request.stream': true,
        'gen_ai.request.reasoning.level': 'high',
        'gen_ai.request.stop_sequences': ['x'],
      },
    ],
    [
      {
        n: 3,
        seed: 1,
        temperature: 0,
        response_format: { type: 'json_schema', json_schema: {} },
        service_tier: 'flex',
      },
      {
        'openai.api.type': 'chat_completions',
        'gen_ai.request.choice.count': 3,
        'gen_ai.request.seed': 1,
        'gen_ai.request.temperature': 0,
        'gen_ai.output.type': 'json',
        'openai.request.service_tier': 'flex',
      },
    ],
    [
      { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } },
      { 'openai.api.type': 'chat_completions', 'gen_ai.output.type': 'speech' },
    ],
  ])('%j', (params, expected) => {
    // Sparse: no key with an undefined value (they are the per-call path's start attributes).
    expect(chatRequestAttributes(params)).toStrictEqual(expected);
  });
});

describe('chat message JSON', () => {
  it('maps every message kind', () => {
    expect(
      chatInputMessages([
        { role: 'developer', content: 'rules' },
        {
          role: 'user',
          name: 'bob',
          content: [
            { type: 'text', text: 'see' },
            { type: 'image_url', image_url: { url: 'https://x/y.png' } },
            { type: 'input_audio', input_audio: { data: 'QUJD', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-1' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok' },
      ]),
    ).toEqual([
      { role: 'developer', parts: [{ type: 'text', content: 'rules' }] },
      {
        role: 'user',
        name: 'bob',
        parts: [
          { type: 'text', content: 'see' },
          { type: 'uri', modality: 'image', uri: 'https://x/y.png' },
          { type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'QUJD' },
          { type: 'file', modality: 'document', file_id: 'file-1' },
        ],
      },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: { a: 1 } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'ok' }] },
    ]);
  });

  it('file data is a blob part (elided by core), data URL or raw base64', () => {
    expect(
      chatInputMessages([
        {
          role: 'user',
          content: [
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' } },
            { type: 'file', file: { filename: 'b.pdf', file_data: 'JVBERi0y' } },
          ],
        },
      ]),
    ).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0x' },
          { type: 'blob', modality: 'document', mime_type: null, content: 'JVBERi0y' },
        ],
      },
    ]);
  });

  it('maps choices to one output message each', () => {
    expect(
      chatOutputMessages([
        { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } },
        {
          index: 1,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', function: { name: 'g', arguments: 'not json' } }],
          },
        },
        { index: 2, finish_reason: 'length', message: { role: 'assistant', content: null, refusal: 'no' } },
      ]),
    ).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'hi' }], finish_reason: 'stop' },
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'c', name: 'g', arguments: 'not json' }],
        finish_reason: 'tool_call',
      },
      { role: 'assistant', parts: [{ type: 'refusal', content: 'no' }], finish_reason: 'length' },
    ]);
  });

  it('tool definitions keep only type and name', () => {
    expect(
      chatToolDefinitions([{ type: 'function', function: { name: 'f', description: 'd', parameters: {} } }]),
    ).toEqual([{ type: 'function', name: 'f' }]);
  });
});

describe('chat guard slots', () => {
  it('lists texts with sources and applies replacements to a copy', () => {
    const params = {
      model: 'm',
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image_url', image_url: { url: 'u' } },
          ],
        },
        { role: 'tool', tool_call_id: 'x', content: 'tool out' },
      ],
    };
    const frozen = JSON.stringify(params);
    const slots = chatGuardSlots(params);
    expect(slots.segments).toEqual([
      { text: 'sys', role: 'system', source: 'system' },
      { text: 'a', role: 'user', source: 'user' },
      { text: 'tool out', role: 'tool', source: 'tool' },
    ]);
    const next = slots.apply(['sys', 'A', 'TOOL']);
    expect(JSON.stringify(params)).toBe(frozen);
    expect(next.messages).toEqual([
      { role: 'system', content: 'sys' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'A' },
          { type: 'image_url', image_url: { url: 'u' } },
        ],
      },
      { role: 'tool', tool_call_id: 'x', content: 'TOOL' },
    ]);
    expect((next.messages as unknown[])[0]).toBe(params.messages[0]);
  });
});

describe('stream usage request', () => {
  it.each([
    [{ stream: true }, { stream: true, stream_options: { include_usage: true } }, true],
    [
      { stream: true, stream_options: { include_usage: true } },
      { stream: true, stream_options: { include_usage: true } },
      false,
    ],
    [
      { stream: true, stream_options: { include_obfuscation: false } },
      { stream: true, stream_options: { include_obfuscation: false, include_usage: true } },
      true,
    ],
  ])('%j', (params, sent, injected) => {
    const frozen = JSON.stringify(params);
    const out = CHAT_COMPLETIONS.prepareStream!(params);
    expect(out).toEqual({ params: sent, injectedUsage: injected });
    expect(JSON.stringify(params)).toBe(frozen);
  });

  it('hides only the usage-only chunk, and only when we asked for it', () => {
    const usageChunk = { choices: [], usage: { prompt_tokens: 1 } };
    const filterChunk = { choices: [], prompt_filter_results: [] };
    const ours = CHAT_COMPLETIONS.streamReducer!({
      injectedUsage: true,
      collectText: false,
      outputGuard: undefined,
    });
    const theirs = CHAT_COMPLETIONS.streamReducer!({
      injectedUsage: false,
      collectText: false,
      outputGuard: undefined,
    });
    expect([ours.hide!(usageChunk), ours.hide!(filterChunk), theirs.hide!(usageChunk)]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
