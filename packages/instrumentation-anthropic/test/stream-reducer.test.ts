import { describe, expect, it } from 'vitest';
import { foldStream } from '../../../test/helpers/stream-reducer.js';
import type { StreamEvent } from '../src/internal-types.js';
import { MessageStreamReducer } from '../src/stream-reducer.js';
import { attributeErrors } from './semconv.js';

function finish(
  events: StreamEvent[],
  outcome: { completed: boolean; error?: unknown } = { completed: true },
  captureContent = true,
) {
  const attrs = foldStream(new MessageStreamReducer(undefined, captureContent), events, {
    provider: 'anthropic',
    requestModel: 'm',
    captureContent,
    outcome,
  });
  expect(attributeErrors(attrs)).toEqual([]);
  for (const k of ['gen_ai.output.messages'])
    if (typeof attrs[k] === 'string') attrs[k] = JSON.parse(attrs[k] as string);
  return attrs;
}

const start: StreamEvent = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    model: 'claude-x',
    role: 'assistant',
    content: [],
    usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 4, cache_creation_input_tokens: 2 },
  },
};

describe('MessageStreamReducer', () => {
  it('folds thinking, text and tool_use blocks; usage from message_start and message_delta', () => {
    const attrs = finish([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'let me ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'lo' } },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '1}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 42 } },
      { type: 'message_stop' },
    ]);
    expect(attrs).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'm',
      'gen_ai.response.id': 'msg_1',
      'gen_ai.response.model': 'claude-x',
      'gen_ai.response.finish_reasons': ['tool_call'],
      'gen_ai.usage.input_tokens': 16,
      'gen_ai.usage.output_tokens': 42,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.cache_creation.input_tokens': 2,
      'gen_ai.output.messages': [
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', content: 'let me think' },
            { type: 'text', content: 'Hello' },
            { type: 'tool_call', id: 't1', name: 'f', arguments: { a: 1 } },
          ],
          finish_reason: 'tool_call',
        },
      ],
    });
  });

  it('a stream cut short: no finish reasons, no output count (message_start has a placeholder), output marked error', () => {
    const attrs = finish(
      [
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
      ],
      { completed: false, error: new TypeError('terminated') },
    );
    expect(attrs['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(attrs['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(attrs['gen_ai.usage.input_tokens']).toBe(16);
    expect(attrs['error.type']).toBe('TypeError');
    expect(attrs['gen_ai.output.messages']).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hi' }], finish_reason: 'error' },
    ]);
  });

  it('a stream that ends quietly because its request was aborted ends as an abort', () => {
    const events: StreamEvent[] = [
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    ];
    const attrs = foldStream(new MessageStreamReducer(undefined, true, { aborted: true }), events, {
      provider: 'anthropic',
      requestModel: 'm',
      captureContent: true,
      outcome: { completed: true },
    });
    expect(attrs['error.type']).toBe('APIUserAbortError');
    expect(JSON.parse(attrs['gen_ai.output.messages'] as string)[0].finish_reason).toBe('error');
    // Not aborted: the same events end without error.
    const ok = foldStream(new MessageStreamReducer(undefined, true, { aborted: false }), events, {
      provider: 'anthropic',
      requestModel: 'm',
      captureContent: true,
      outcome: { completed: true },
    });
    expect(ok['error.type']).toBeUndefined();
  });

  it('a block whose start was missed: the tool input after it still pairs with its own block', () => {
    const attrs = finish([
      start,
      // No content_block_start for index 0 (e.g. a proxy dropped it): its deltas are ignored.
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lost' } },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} },
      },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
      { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 3 } },
    ]);
    expect(attrs['gen_ai.output.messages']).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 't1', name: 'f', arguments: { a: 1 } }],
        finish_reason: 'tool_call',
      },
    ]);
  });

  it('message_delta cumulative input counts win over message_start', () => {
    const attrs = finish([
      start,
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { input_tokens: 12, output_tokens: 5 },
      },
    ]);
    expect(attrs['gen_ai.usage.input_tokens']).toBe(18);
    expect(attrs['gen_ai.usage.output_tokens']).toBe(5);
  });

  it('thinking tokens of message_delta (output_tokens_details) are the reasoning output tokens', () => {
    const attrs = finish(
      [
        start,
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
        {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { output_tokens: 40, output_tokens_details: { thinking_tokens: 25 } },
        },
        { type: 'message_stop' },
      ],
      { completed: true },
      false,
    );
    expect(attrs['gen_ai.usage.output_tokens']).toBe(40);
    expect(attrs['gen_ai.usage.reasoning.output_tokens']).toBe(25);
  });

  it('without content capture: the same response attributes and usage, no text joined', () => {
    const events: StreamEvent[] = [
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    ];
    const { 'gen_ai.output.messages': output, ...captured } = finish(events);
    expect(output).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'stop' },
    ]);
    expect(finish(events, { completed: true }, false)).toEqual(captured);
    expect(captured['gen_ai.usage.output_tokens']).toBe(7);
    expect(captured['gen_ai.response.finish_reasons']).toEqual(['stop']);

    const reducer = new MessageStreamReducer(undefined, false);
    for (const e of events) reducer.fold(e);
    expect(reducer.message().content).toEqual([{ type: 'text', text: '' }]);
  });
});
