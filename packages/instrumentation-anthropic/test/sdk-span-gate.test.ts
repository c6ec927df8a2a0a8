/**
 * The SDK's own call span is suppressed for the calls we instrument, also when no context manager is
 * registered (a bare tracer provider): the gate knows our call is running from the stack, not only from
 * the OpenTelemetry context. In process, with the real 1.x SDK (it has tracing of its own) answering
 * through its `fetch` option.
 */
import { context, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, instrumentAnthropic } from '../src/index.js';

const SCOPE = '@genai-ops/instrumentation-anthropic';
const SDK_SCOPE = 'com.anthropic.sdk.typescript';

const MESSAGE = {
  id: 'msg_gate',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-5-5',
  content: [{ type: 'text', text: 'Hello' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 5, output_tokens: 1 },
};

function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // Global, so the SDK's own tracing is on; no context manager on purpose.
  trace.setGlobalTracerProvider(provider);
  const Anthropic = require('anthropic-sdk-v1');
  const sdk = Anthropic.default ?? Anthropic;
  const instrumentation = new AnthropicInstrumentation({ enabled: false });
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
  instrumentAnthropic(sdk, instrumentation);
  const client = new sdk({
    apiKey: 'k',
    baseURL: 'http://gate.invalid',
    maxRetries: 0,
    fetch: async () =>
      new Response(JSON.stringify(MESSAGE), { status: 200, headers: { 'content-type': 'application/json' } }),
  });
  return { exporter, instrumentation, sdk, client };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
  trace.disable();
  context.disable();
});

describe('the SDK span gate without a context manager', () => {
  it('gives exactly one span (ours) per messages.create call', async () => {
    const { exporter, instrumentation, sdk, client } = setup();
    cleanup = () => {
      instrumentation.unpatch(sdk);
      instrumentation.disable();
    };
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.id).toBe('msg_gate');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => `${s.instrumentationScope.name}|${s.name}`)).toEqual([
      `${SCOPE}|chat claude-sonnet-5-5`,
    ]);
    expect(spans[0]!.attributes['gen_ai.response.id']).toBe('msg_gate');
  });

  it('keeps the SDK span for calls we do not instrument, and for create once we are disabled', async () => {
    const { exporter, instrumentation, sdk, client } = setup();
    cleanup = () => instrumentation.unpatch(sdk);
    await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    instrumentation.disable();
    await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(exporter.getFinishedSpans().map((s) => s.instrumentationScope.name)).toEqual([SCOPE, SDK_SCOPE]);
  });
});
