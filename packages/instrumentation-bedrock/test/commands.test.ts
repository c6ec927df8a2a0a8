/**
 * The InvokeModelWithResponseStream reducer of an Anthropic model, fed the event shapes the SDK yields
 * (`{ chunk: { bytes } }`): with content capture off, content-block and ping chunks are not parsed, and
 * the span still gets the same id, usage and stop reason as with capture on.
 */
import { describe, expect, it } from 'vitest';
import { foldStream } from '../../../test/helpers/stream-reducer.js';
import { COMMAND_PLANS } from '../src/commands.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

const encode = (o: unknown) => ({ chunk: { bytes: new TextEncoder().encode(JSON.stringify(o)) } });

const EVENTS = [
  {
    type: 'message_start',
    message: { id: 'msg_b', role: 'assistant', content: [], usage: { input_tokens: 9, output_tokens: 1 } },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
  { type: 'ping' },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'tu_1', name: 'f' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '1}' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } },
  {
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': { inputTokenCount: 9, outputTokenCount: 3 },
  },
].map(encode);

function run(
  events: unknown[],
  capture: boolean,
  command = 'InvokeModelWithResponseStreamCommand',
  input: unknown = {
    modelId: MODEL,
    body: JSON.stringify({ max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }),
  },
): Record<string, unknown> {
  const plan = COMMAND_PLANS[command]!(input);
  return foldStream(plan.stream!.reducer(capture), events, {
    provider: 'aws.bedrock',
    requestModel: MODEL,
    captureContent: capture,
  });
}

describe('InvokeModelWithResponseStream, Anthropic family', () => {
  it('records the same id, usage and stop reason with capture off as with it on; text only when on', () => {
    const { 'gen_ai.output.messages': output, ...on } = run(EVENTS, true);
    expect(JSON.parse(output as string)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Hello' },
          { type: 'tool_call', id: 'tu_1', name: 'f', arguments: { a: 1 } },
        ],
        finish_reason: 'stop',
      },
    ]);
    expect(on).toMatchObject({
      'gen_ai.response.id': 'msg_b',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 9,
      'gen_ai.usage.output_tokens': 3,
    });
    expect(run(EVENTS, false)).toEqual(on);
  });

  it('still reads a content delta that carries the invocation metrics (a stream cut after it)', () => {
    const cut = [
      encode({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Hel' },
        'amazon-bedrock-invocationMetrics': { inputTokenCount: 5, outputTokenCount: 1 },
      }),
    ];
    expect(run(cut, false)).toMatchObject({
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 1,
    });
  });

  it.each([
    [
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['ping', { type: 'ping' }],
  ])('still reads a %s chunk that carries the invocation metrics', (_name, event) => {
    const withMetrics = encode({
      ...event,
      'amazon-bedrock-invocationMetrics': { inputTokenCount: 6, outputTokenCount: 2 },
    });
    expect(run([withMetrics], false)).toMatchObject({
      'gen_ai.usage.input_tokens': 6,
      'gen_ai.usage.output_tokens': 2,
    });
  });

  it('the output guard still sees every text delta through `deltas`', () => {
    const plan = COMMAND_PLANS.InvokeModelWithResponseStreamCommand!({ modelId: MODEL, body: '{}' });
    expect(EVENTS.flatMap((e) => plan.stream!.deltas(e))).toEqual(['Hel', 'lo']);
  });
});

describe('ConverseStream', () => {
  const events = [
    { messageStart: { role: 'assistant' } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hel' } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'lo' } } },
    { contentBlockStop: { contentBlockIndex: 0 } },
    { messageStop: { stopReason: 'max_tokens' } },
    { metadata: { usage: { inputTokens: 4, outputTokens: 2, cacheReadInputTokens: 1 }, metrics: {} } },
  ];
  const input = { modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] };

  it('records the same stop reason and usage with capture off as with it on; text only when on', () => {
    const { 'gen_ai.output.messages': output, ...on } = run(events, true, 'ConverseStreamCommand', input);
    expect(JSON.parse(output as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }], finish_reason: 'length' },
    ]);
    expect(on).toMatchObject({
      'gen_ai.response.finish_reasons': ['length'],
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.usage.cache_read.input_tokens': 1,
    });
    expect(run(events, false, 'ConverseStreamCommand', input)).toEqual(on);
  });
});

describe('InvokeModelWithResponseStream, a model id that names no family', () => {
  // A provisioned-throughput or application-inference-profile ARN: the family is unknown, but Bedrock
  // appends its own invocation metrics to the last chunk of every native stream, whatever the model.
  const ARN = 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcd1234efgh';
  const events = [
    encode({ generation: 'Hel', stop_reason: null }),
    encode({
      generation: 'lo',
      stop_reason: 'stop',
      'amazon-bedrock-invocationMetrics': { inputTokenCount: 7, outputTokenCount: 2 },
    }),
  ];

  it.each([false, true])('records the invocation metrics as usage (capture %s)', (capture) => {
    const attributes = run(events, capture, 'InvokeModelWithResponseStreamCommand', {
      modelId: ARN,
      body: JSON.stringify({ prompt: 'Hi' }),
    });
    expect(attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 2,
    });
  });
});
