import { describe, expect, it } from 'vitest';
import { mapFinishReason } from '../src/index.js';

describe('mapFinishReason', () => {
  it("maps every provider's reasons to the conventions' values", () => {
    const cases: Record<string, string[]> = {
      stop: ['stop', 'end_turn', 'stop_sequence', 'STOP', 'FINISH_REASON_STOP', 'COMPLETE', 'completed'],
      length: ['length', 'max_tokens', 'MAX_TOKENS', 'model_context_window_exceeded', 'max_output_tokens'],
      tool_call: ['tool_calls', 'function_call', 'tool_use', 'tool-calls'],
      content_filter: [
        'content_filter',
        'content-filter',
        'refusal',
        'guardrail_intervened',
        'content_filtered',
        'SAFETY',
        'RECITATION',
        'BLOCKLIST',
        'PROHIBITED_CONTENT',
        'SPII',
        // Gemini's image generation stops for the same reasons as its text does.
        'IMAGE_SAFETY',
        'IMAGE_PROHIBITED_CONTENT',
        'IMAGE_RECITATION',
      ],
      error: ['error', 'ERROR'],
    };
    for (const [expected, reasons] of Object.entries(cases))
      for (const reason of reasons) expect([reason, mapFinishReason(reason)]).toEqual([reason, expected]);
  });

  it('keeps other reasons, lower-cased, and reads a missing one as stop', () => {
    expect(mapFinishReason('MALFORMED_FUNCTION_CALL')).toBe('malformed_function_call');
    expect(mapFinishReason('NO_IMAGE')).toBe('no_image');
    expect(mapFinishReason(undefined)).toBe('stop');
    expect(mapFinishReason(null)).toBe('stop');
    expect(mapFinishReason('')).toBe('stop');
  });
});
