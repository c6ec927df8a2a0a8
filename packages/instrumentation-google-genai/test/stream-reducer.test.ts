import { describe, expect, it } from 'vitest';
import { foldStream } from '../../../test/helpers/stream-reducer.js';
import { GenerateContentStreamReducer } from '../src/generate-content.js';
import type { GeminiGenerateContentResponse } from '../src/internal-types.js';

/** Folds `chunks`, finishes the call with `outcome` and returns the span's attributes. */
function fold(
  chunks: GeminiGenerateContentResponse[],
  captureContent: boolean,
  outcome: { completed: boolean; error?: unknown } = { completed: true },
) {
  const attrs = foldStream(new GenerateContentStreamReducer(captureContent), chunks, {
    provider: 'gcp.gemini',
    requestModel: 'gemini-x',
    captureContent,
    outcome,
  });
  if (typeof attrs['gen_ai.output.messages'] === 'string')
    attrs['gen_ai.output.messages'] = JSON.parse(attrs['gen_ai.output.messages']);
  return attrs;
}

const text = (t: string, index?: number, finishReason?: string) => ({
  candidates: [{ index, finishReason, content: { role: 'model', parts: [{ text: t }] } }],
});

const BASE = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'gcp.gemini',
  'gen_ai.request.model': 'gemini-x',
};

describe('GenerateContentStreamReducer', () => {
  it('joins text and reasoning pieces into one part each, keeps other parts, first id wins', () => {
    const attrs = fold(
      [
        {
          responseId: 'r1',
          modelVersion: 'gemini-x-001',
          candidates: [{ content: { role: 'model', parts: [{ text: 'hm ', thought: true }] } }],
        },
        { responseId: 'r2', candidates: [{ content: { parts: [{ text: 'ok', thought: true }] } }] },
        text('Hel'),
        text('lo'),
        { candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] } }] },
        {
          candidates: [{ finishReason: 'STOP', content: { parts: [{ text: '!' }] } }],
          usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 5 },
        },
      ],
      true,
    );
    expect(attrs).toEqual({
      ...BASE,
      'gen_ai.response.id': 'r1',
      'gen_ai.response.model': 'gemini-x-001',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.output.messages': [
        {
          role: 'assistant',
          finish_reason: 'stop',
          parts: [
            { type: 'reasoning', content: 'hm ok' },
            { type: 'text', content: 'Hello' },
            { type: 'tool_call', id: null, name: 'f', arguments: { a: 1 } },
            { type: 'text', content: '!' },
          ],
        },
      ],
    });
  });

  it('orders several candidates by index, whatever order they arrive in', () => {
    const attrs = fold([text('b', 1), text('a', 0), text('B', 1, 'MAX_TOKENS'), text('A', 0, 'STOP')], true);
    expect(attrs['gen_ai.response.finish_reasons']).toEqual(['stop', 'length']);
    expect(attrs['gen_ai.output.messages']).toEqual([
      { role: 'assistant', finish_reason: 'stop', parts: [{ type: 'text', content: 'aA' }] },
      { role: 'assistant', finish_reason: 'length', parts: [{ type: 'text', content: 'bB' }] },
    ]);
  });

  it('with content off records the same response attributes and no content', () => {
    const chunks = [{ responseId: 'r1', ...text('Hel') }, text('lo', undefined, 'STOP')];
    const off = fold(chunks, false);
    expect(off).toEqual({
      ...BASE,
      'gen_ai.response.id': 'r1',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    const { 'gen_ai.output.messages': _content, ...on } = fold(chunks, true);
    expect(on).toEqual(off);
  });

  it('marks a candidate cut short: cancelled when the caller stopped, error when the stream failed', () => {
    const cut = fold([text('Hel')], true, { completed: false });
    expect(cut['gen_ai.output.messages']).toEqual([
      { role: 'assistant', finish_reason: 'cancelled', parts: [{ type: 'text', content: 'Hel' }] },
    ]);
    const failed = fold([text('Hel')], true, { completed: false, error: new TypeError('dropped') });
    expect(failed['gen_ai.output.messages']).toEqual([
      { role: 'assistant', finish_reason: 'error', parts: [{ type: 'text', content: 'Hel' }] },
    ]);
  });

  it('a blocked prompt (promptFeedback, no candidates) finishes as content_filter', () => {
    const attrs = fold(
      [
        {
          responseId: 'r1',
          promptFeedback: { blockReason: 'SAFETY' },
          usageMetadata: { promptTokenCount: 6 },
        },
      ],
      true,
    );
    expect(attrs).toEqual({
      ...BASE,
      'gen_ai.response.id': 'r1',
      'gen_ai.response.finish_reasons': ['content_filter'],
      'gen_ai.usage.input_tokens': 6,
      'gen_ai.output.messages': [{ role: 'assistant', finish_reason: 'content_filter', parts: [] }],
    });
    // Feedback without a block reason, or alongside candidates, changes nothing.
    expect(
      fold([{ promptFeedback: {} }, text('a', 0, 'STOP')], true)['gen_ai.response.finish_reasons'],
    ).toEqual(['stop']);
  });
});
