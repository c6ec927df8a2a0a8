import { describe, expect, it } from 'vitest';
import type { LogRecordRecord } from '../../src/model.js';
import { foldLegacyEvents } from '../../src/processors/legacy-events.js';
import { schemaErrors } from './helpers.js';

const T1 = '0af7651916cd43dd8448eb211c80319c';
const S1 = 'b7ad6b7169203331';
const S2 = 'c7ad6b7169203332';

function log(
  eventName: string,
  body: LogRecordRecord['body'],
  spanId = S1,
  extra: Partial<LogRecordRecord> = {},
): LogRecordRecord {
  return {
    timeUnixNano: '1',
    observedTimeUnixNano: '1',
    traceId: T1,
    spanId,
    severityNumber: 9,
    severityText: 'INFO',
    eventName,
    body,
    attributes: { 'gen_ai.system': 'openai' },
    resource: {},
    scopeName: 'test',
    scopeVersion: '0',
    ...extra,
  };
}

const CASES: Array<{ name: string; logs: LogRecordRecord[]; expected: ReturnType<typeof foldLegacyEvents> }> =
  [
    {
      name: 'system, user, assistant tool call, tool result and two choices (out of order)',
      logs: [
        log('gen_ai.system.message', { content: 'Be terse.' }),
        log('gen_ai.user.message', { content: 'Weather in Paris?' }),
        log('gen_ai.assistant.message', {
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        }),
        log('gen_ai.tool.message', { content: 'rainy', id: 'call_1' }),
        log('gen_ai.choice', { index: 1, finish_reason: 'length', message: { content: 'It is' } }),
        log('gen_ai.choice', {
          index: 0,
          finish_reason: 'stop',
          message: { role: 'assistant', content: 'Rainy.' },
        }),
      ],
      expected: [
        {
          traceId: T1,
          spanId: S1,
          systemInstructions: '[{"type":"text","content":"Be terse."}]',
          inputMessages: JSON.stringify([
            { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
            {
              role: 'assistant',
              parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
            },
            { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rainy' }] },
          ]),
          outputMessages: JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: 'Rainy.' }], finish_reason: 'stop' },
            { role: 'assistant', parts: [{ type: 'text', content: 'It is' }], finish_reason: 'length' },
          ]),
        },
      ],
    },
    {
      name: 'two spans, event name only in the event.name attribute, choice with a tool call',
      logs: [
        log('', { content: 'Hi' }, S1, { attributes: { 'event.name': 'gen_ai.user.message' } }),
        log('gen_ai.user.message', { content: 'Call a tool' }, S2),
        log(
          'gen_ai.choice',
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
            },
          },
          S2,
        ),
      ],
      expected: [
        {
          traceId: T1,
          spanId: S1,
          inputMessages: '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]',
        },
        {
          traceId: T1,
          spanId: S2,
          inputMessages: '[{"role":"user","parts":[{"type":"text","content":"Call a tool"}]}]',
          outputMessages:
            '[{"role":"assistant","parts":[{"type":"tool_call","id":"c","name":"f","arguments":{}}],"finish_reason":"tool_call"}]',
        },
      ],
    },
    {
      name: 'other events and records without a span are ignored',
      logs: [
        log('gen_ai.evaluation.result', { score: 1 }),
        log('gen_ai.user.message', { content: 'orphan' }, ''),
      ],
      expected: [],
    },
  ];

describe('foldLegacyEvents', () => {
  it.each(CASES)('$name', (c) => {
    const folded = foldLegacyEvents(c.logs);
    expect(folded).toEqual(c.expected);
    for (const f of folded) {
      expect(
        schemaErrors({
          ...(f.systemInstructions ? { 'gen_ai.system_instructions': f.systemInstructions } : {}),
          ...(f.inputMessages ? { 'gen_ai.input.messages': f.inputMessages } : {}),
          ...(f.outputMessages ? { 'gen_ai.output.messages': f.outputMessages } : {}),
        }),
      ).toEqual([]);
    }
  });

  it('the schema check used here does reject malformed messages', () => {
    // The schemas accept any part with a `type` (generic parts), so these break the message shape itself.
    expect(schemaErrors({ 'gen_ai.input.messages': '[{"role":"user"}]' })).not.toEqual([]);
    expect(
      schemaErrors({ 'gen_ai.output.messages': '[{"role":"assistant","parts":[{"content":"x"}]}]' }),
    ).not.toEqual([]);
    expect(schemaErrors({ 'gen_ai.system_instructions': '{"type":"text"}' })).not.toEqual([]);
  });
});
