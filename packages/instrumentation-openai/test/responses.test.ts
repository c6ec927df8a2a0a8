import { describe, expect, it } from 'vitest';
import {
  responsesFinishReason,
  responsesGuardSlots,
  responsesInputContent,
  responsesOutputMessages,
  responsesRequestAttributes,
} from '../src/responses';

describe('responsesRequestAttributes', () => {
  it.each([
    [{ model: 'm', input: 'x' }, { 'openai.api.type': 'responses' }],
    [
      {
        max_output_tokens: 9,
        text: { format: { type: 'json_schema' } },
        reasoning: { effort: 'minimal' },
        previous_response_id: 'r1',
        conversation: { id: 'conv_1' },
        stream: true,
        service_tier: 'priority',
        top_p: 1,
      },
      {
        'openai.api.type': 'responses',
        'gen_ai.request.max_tokens': 9,
        'gen_ai.output.type': 'json',
        'gen_ai.request.reasoning.level': 'minimal',
        'gen_ai.request.previous_response.id': 'r1',
        'gen_ai.conversation.id': 'conv_1',
        'gen_ai.request.stream': true,
        'openai.request.service_tier': 'priority',
        'gen_ai.request.top_p': 1,
      },
    ],
    [{ conversation: 'conv_2' }, { 'openai.api.type': 'responses', 'gen_ai.conversation.id': 'conv_2' }],
  ])('%j', (params, expected) => {
    // Sparse: no key with an undefined value (they are the per-call path's start attributes).
    expect(responsesRequestAttributes(params)).toStrictEqual(expected);
  });
});

describe('Responses content', () => {
  it('instructions are system instructions; items map to messages', () => {
    expect(
      responsesInputContent({
        instructions: 'be kind',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'hi' },
              { type: 'input_image', image_url: 'data:image/jpeg;base64,QUJD' },
            ],
          },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'done' },
        ],
        tools: [{ type: 'function', name: 'f', parameters: {} }, { type: 'web_search' }],
      }),
    ).toEqual({
      systemInstructions: [{ type: 'text', content: 'be kind' }],
      inputMessages: [
        {
          role: 'user',
          parts: [
            { type: 'text', content: 'hi' },
            { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: 'QUJD' },
          ],
        },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: {} }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'done' }] },
      ],
      toolDefinitions: [
        { type: 'function', name: 'f' },
        { type: 'web_search', name: 'web_search' },
      ],
    });
  });

  it('inline media in tool outputs and raw base64 file data become blob parts (elided by core)', () => {
    expect(
      responsesInputContent({
        input: [
          {
            type: 'function_call_output',
            call_id: 'c1',
            output: [
              { type: 'input_text', text: 'see' },
              { type: 'input_image', image_url: 'data:image/png;base64,QUJD' },
            ],
          },
          { role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'JVBERi0x' }] },
        ],
      }).inputMessages,
    ).toEqual([
      {
        role: 'tool',
        parts: [
          {
            type: 'tool_call_response',
            id: 'c1',
            response: [
              { type: 'text', content: 'see' },
              { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'QUJD' },
            ],
          },
        ],
      },
      {
        role: 'user',
        parts: [{ type: 'blob', modality: 'document', mime_type: null, content: 'JVBERi0x' }],
      },
    ]);
  });

  it.each([
    [{ status: 'completed', output: [] }, 'stop'],
    [{ status: 'completed', output: [{ type: 'function_call' }] }, 'tool_call'],
    [{ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, 'length'],
    [{ status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, 'content_filter'],
    [{ status: 'failed' }, 'error'],
    [{ status: 'in_progress' }, undefined],
  ])('finish reason of %j is %s', (response, expected) => {
    expect(responsesFinishReason(response)).toBe(expected);
  });

  it('output items become one assistant message', () => {
    expect(
      responsesOutputMessages({
        status: 'completed',
        output: [
          { type: 'reasoning', summary: [{ type: 'summary_text', text: 'think' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] },
          { type: 'function_call', call_id: 'c', name: 'g', arguments: '{"x":2}' },
        ],
      }),
    ).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'think' },
          { type: 'text', content: 'hello' },
          { type: 'tool_call', id: 'c', name: 'g', arguments: { x: 2 } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('guard slots cover instructions, string input and item texts, applied to a copy', () => {
    const params = {
      instructions: 'sys',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'a' }] },
        { type: 'function_call_output', call_id: 'c', output: 'out' },
      ],
    };
    const frozen = JSON.stringify(params);
    const slots = responsesGuardSlots(params);
    expect(slots.segments.map((s) => [s.text, s.source])).toEqual([
      ['sys', 'system'],
      ['a', 'user'],
      ['out', 'tool'],
    ]);
    const next = slots.apply(['SYS', 'A', 'OUT']);
    expect(JSON.stringify(params)).toBe(frozen);
    expect(next).toEqual({
      instructions: 'SYS',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'A' }] },
        { type: 'function_call_output', call_id: 'c', output: 'OUT' },
      ],
    });
    expect(responsesGuardSlots({ input: 'x' }).apply(['y'])).toEqual({ input: 'y' });
  });
});
