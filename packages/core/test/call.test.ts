import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { validateAttributes, validateMessages } from '../../../test/helpers/semconv.js';
import {
  type ContentCaptureConfig,
  GenAICall,
  GenAIClientMetrics,
  resolveContentPolicy,
} from '../src/index.js';

function setup(content: ContentCaptureConfig) {
  const spans = new InMemorySpanExporter();
  const logs = new InMemoryLogRecordExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('t');
  const logger = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter: logs })],
  }).getLogger('t');
  const metrics = new GenAIClientMetrics(new MeterProvider().getMeter('t'));
  const telemetry = { tracer, logger, metrics, content: resolveContentPolicy(content) };
  return { spans, logs, telemetry };
}

function runCall(telemetry: ReturnType<typeof setup>['telemetry'], error?: unknown) {
  let built = 0;
  const call = new GenAICall(telemetry, {
    operation: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4o-mini',
    serverAddress: 'api.openai.com',
    serverPort: 443,
    attributes: { 'gen_ai.request.temperature': 0.2, 'gen_ai.request.max_tokens': undefined as never },
  });
  call.recordInput(() => {
    built++;
    return {
      systemInstructions: [{ type: 'text', content: 'be brief' }],
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
    };
  });
  call.setResponse({ id: 'chatcmpl-1', model: 'gpt-4o-mini-2024-07-18', finishReasons: ['stop'] });
  call.setUsage({ inputTokens: 10, outputTokens: 3, cacheReadInputTokens: 4 });
  call.recordOutput(() => {
    built++;
    return [{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }], finish_reason: 'stop' }];
  });
  call.end(error);
  call.end(new Error('second end is ignored'));
  return built;
}

describe('GenAICall', () => {
  it('records the whole attribute map, no content by default, and never builds content it will not use', () => {
    const { spans, logs, telemetry } = setup({});
    expect(runCall(telemetry)).toBe(0);
    const [span] = spans.getFinishedSpans();
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': 'api.openai.com',
      'server.port': 443,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 4,
    });
    expect(validateAttributes(span!.attributes)).toEqual([]);
    expect(logs.getFinishedLogRecords()).toHaveLength(0);
    expect(spans.getFinishedSpans()).toHaveLength(1);
  });

  it('captures schema-valid content on the span with SPAN_ONLY', () => {
    const { spans, logs, telemetry } = setup({ captureMessageContent: 'SPAN_ONLY' });
    expect(runCall(telemetry)).toBe(2);
    const a = spans.getFinishedSpans()[0]!.attributes;
    expect(validateMessages('input', a['gen_ai.input.messages'])).toEqual([]);
    expect(validateMessages('output', a['gen_ai.output.messages'])).toEqual([]);
    expect(validateMessages('system', a['gen_ai.system_instructions'])).toEqual([]);
    expect(JSON.parse(a['gen_ai.output.messages'] as string)[0].parts[0].content).toBe('hello');
    expect(logs.getFinishedLogRecords()).toHaveLength(0);
  });

  it('emits the details event with structured content and no content on the span with EVENT_ONLY', () => {
    const { spans, logs, telemetry } = setup({ captureMessageContent: 'EVENT_ONLY' });
    runCall(telemetry);
    const span = spans.getFinishedSpans()[0]!;
    expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
    const [record] = logs.getFinishedLogRecords();
    expect(record!.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(record!.spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(record!.attributes['gen_ai.input.messages']).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
    ]);
    expect(record!.attributes['gen_ai.usage.input_tokens']).toBe(10);
  });

  it('marks content cut to the size cap on the event as on the span, and only then', () => {
    const long = 'x'.repeat(400);
    for (const mode of ['EVENT_ONLY', 'SPAN_AND_EVENT'] as const) {
      const { spans, logs, telemetry } = setup({ captureMessageContent: mode, maxContentLength: 200 });
      const call = new GenAICall(telemetry, { operation: 'chat', provider: 'openai' });
      call.recordInput(() => ({
        inputMessages: [{ role: 'user', parts: [{ type: 'text', content: long }] }],
      }));
      call.end();
      const [record] = logs.getFinishedLogRecords();
      expect(record!.attributes['genai_ops.content.truncated']).toBe(true);
      const sent = JSON.stringify(record!.attributes['gen_ai.input.messages']);
      expect(sent.length).toBeLessThanOrEqual(200);
      expect(sent).toContain('[truncated]');
      const span = spans.getFinishedSpans()[0]!;
      expect(span.attributes['genai_ops.content.truncated']).toBe(
        mode === 'SPAN_AND_EVENT' ? true : undefined,
      );
    }
    const { logs, telemetry } = setup({ captureMessageContent: 'EVENT_ONLY', maxContentLength: 200 });
    runCall(telemetry);
    expect(logs.getFinishedLogRecords()[0]!.attributes['genai_ops.content.truncated']).toBeUndefined();
  });

  it('sets error status and error.type once', () => {
    const { spans, telemetry } = setup({});
    class RateLimitError extends Error {}
    runCall(telemetry, new RateLimitError('slow down'));
    const [span] = spans.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'slow down' });
    expect(span!.attributes['error.type']).toBe('RateLimitError');
    expect(spans.getFinishedSpans()).toHaveLength(1);
  });
});
