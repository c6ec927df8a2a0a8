/**
 * The register entry's own trace pipeline: which environments it takes over from NodeSDK, what it counts
 * as pending at exit (the processor's queue and the batches being sent), and the resource copy used when
 * the detectors' asynchronous attributes have not settled. The sending itself runs in real processes
 * (test/e2e/register.test.ts: process.exit(), an unhandled rejection, an unreachable collector).
 */

import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { GenAIMetricsAggregator, GenAIMetricTemporality } from '@genai-ops/core';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resources } from '@opentelemetry/sdk-node';
import { type ReadableSpan, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ExitSafeLogs,
  ExitSafeMetrics,
  ExitSafeTraces,
  httpLogProtocolFromEnv,
  httpTraceProtocolFromEnv,
  sendSync,
  withSettledResources,
} from '../src/exit-export';
import { collectDiag } from './diag-capture';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('httpTraceProtocolFromEnv', () => {
  it.each([
    [{}, 'http/protobuf'],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'http/protobuf'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'http/json'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, 'http/json'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, undefined],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'bogus' }, undefined],
    [{ OTEL_TRACES_EXPORTER: 'none' }, undefined],
    [{ OTEL_TRACES_EXPORTER: 'console' }, undefined],
    [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, undefined],
    [{ OTEL_NODE_EXPERIMENTAL_SDK_METRICS: 'true' }, undefined],
  ] as Array<[Record<string, string>, string | undefined]>)('%j -> %s', (env, expected) => {
    for (const key of [
      'OTEL_NODE_EXPERIMENTAL_SDK_METRICS',
      'OTEL_TRACES_EXPORTER',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    ])
      vi.stubEnv(key, env[key] ?? '');
    expect(httpTraceProtocolFromEnv()).toBe(expected);
  });
});

/** An exporter that holds each batch until the test answers for it. */
class HeldExporter implements SpanExporter {
  readonly batches: Array<{ spans: ReadableSpan[]; done: (result: ExportResult) => void }> = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.batches.push({ spans, done });
  }
  async shutdown(): Promise<void> {}
}

const names = (spans: ReadableSpan[]): string[] => spans.map((s) => s.name).sort();

describe('ExitSafeTraces.pending', () => {
  it("holds the processor's queued spans and each batch being exported until its export calls back", async () => {
    vi.stubEnv('OTEL_BSP_SCHEDULE_DELAY', '60000');
    vi.stubEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '2');
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:9');
    const held = new HeldExporter();
    const traces = new ExitSafeTraces('http/json', held);
    const provider = new TracerProvider({ spanProcessors: [traces.processor] });
    const tracer = provider.getTracer('t');
    tracer.startSpan('a').end();
    // Queued in the processor (the SDK's `_finishedSpans`, not public API: this pins it).
    expect(names(traces.pending())).toEqual(['a']);
    tracer.startSpan('b').end();
    tracer.startSpan('c').end();
    // A full batch (2) goes to the exporter at once; until it calls back its spans are still pending.
    await vi.waitFor(() => expect(held.batches).toHaveLength(1));
    expect(names(held.batches[0]!.spans)).toEqual(['a', 'b']);
    expect(names(traces.pending())).toEqual(['a', 'b', 'c']);
    held.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    expect(names(traces.pending())).toEqual(['c']);
    // The exit request: the pending span, as OTLP/JSON, to the endpoint the exporter would use (resolved
    // at construction, from a promise: a turn later).
    await new Promise((r) => setImmediate(r));
    const count = { spans: 0 };
    const request = traces.request(count);
    expect(count.spans).toBe(1);
    expect(request?.url).toBe('http://127.0.0.1:9/v1/traces');
    expect(request?.headers['Content-Type']).toBe('application/json');
    const body = JSON.parse(Buffer.from(request?.body ?? []).toString());
    expect(body.resourceSpans[0].scopeSpans[0].spans.map((x: { name: string }) => x.name)).toEqual(['c']);
    expect(request?.what).toBe('1 span(s)');
  });
});

describe('ExitSafeTraces.request in the first turn', () => {
  it('uses the environment headers before the exporter configuration has resolved', () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:9');
    vi.stubEnv('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer%20abc,x-a=1');
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'x-a=2');
    vi.stubEnv('OTEL_BSP_SCHEDULE_DELAY', '60000');
    const traces = new ExitSafeTraces('http/protobuf', new HeldExporter());
    const provider = new TracerProvider({ spanProcessors: [traces.processor] });
    provider.getTracer('t').startSpan('first-turn').end();
    // No await: an app calling process.exit() in its first turn.
    const request = traces.request({ spans: 0 });
    expect(request?.url).toBe('http://127.0.0.1:9/v1/traces');
    expect(request?.headers).toEqual({
      authorization: 'Bearer abc',
      'x-a': '2',
      'Content-Type': 'application/x-protobuf',
    });
    expect(request?.body.length).toBeGreaterThan(0);
  });
});

describe('httpLogProtocolFromEnv', () => {
  it.each([
    [{}, 'http/protobuf'],
    [{ OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'http/json'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, undefined],
    [{ OTEL_LOGS_EXPORTER: 'none' }, undefined],
    [{ OTEL_LOGS_EXPORTER: 'console' }, undefined],
  ] as Array<[Record<string, string>, string | undefined]>)('%j -> %s', (env, expected) => {
    for (const key of [
      'OTEL_LOGS_EXPORTER',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL',
    ])
      vi.stubEnv(key, env[key] ?? '');
    expect(httpLogProtocolFromEnv()).toBe(expected);
  });
});

/** A log exporter that holds each batch until the test answers for it. */
class HeldLogExporter implements LogRecordExporter {
  readonly batches: Array<{ records: ReadableLogRecord[]; done: (result: ExportResult) => void }> = [];
  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    this.batches.push({ records, done });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

describe('ExitSafeLogs', () => {
  it("holds the processor's queued records and the batch being exported; the exit request carries them", async () => {
    vi.stubEnv('OTEL_BLRP_SCHEDULE_DELAY', '60000');
    vi.stubEnv('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', '2');
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:9');
    const held = new HeldLogExporter();
    const exitLogs = new ExitSafeLogs('http/json', held);
    const provider = new LoggerProvider({ processors: [exitLogs.processor] });
    const logger = provider.getLogger('t');
    const names = (records: ReadableLogRecord[]): string[] => records.map((r) => r.eventName ?? '').sort();
    logger.emit({ eventName: 'a' });
    // Queued in the processor (the SDK's `_finishedLogRecords`, not public API: this pins it).
    expect(names(exitLogs.pending())).toEqual(['a']);
    logger.emit({ eventName: 'b' });
    logger.emit({ eventName: 'c' });
    await vi.waitFor(() => expect(held.batches).toHaveLength(1));
    expect(names(exitLogs.pending())).toEqual(['a', 'b', 'c']);
    held.batches[0]!.done({ code: ExportResultCode.SUCCESS });
    expect(names(exitLogs.pending())).toEqual(['c']);
    const request = exitLogs.request();
    expect(request?.url).toBe('http://127.0.0.1:9/v1/logs');
    const body = JSON.parse(Buffer.from(request?.body ?? []).toString());
    expect(
      body.resourceLogs[0].scopeLogs[0].logRecords.map((r: { eventName: string }) => r.eventName),
    ).toEqual(['c']);
    expect(request?.what).toBe('1 log record(s)');
  });
});

describe('withSettledResources', () => {
  it('gives spans whose resource is still detecting a copy with the settled attributes, quietly', async () => {
    let settle: (v: string) => void = () => undefined;
    const hostId = new Promise<string>((r) => {
      settle = r;
    });
    const resource = resources
      .resourceFromAttributes({ 'service.name': 'svc', 'host.name': 'h' })
      .merge(resources.resourceFromAttributes({ 'host.id': hostId as never, 'service.name': 'ignored' }));
    expect(resource.asyncAttributesPending).toBe(true);
    const provider = new TracerProvider({ resource, spanProcessors: [] });
    const span = provider.getTracer('t').startSpan('s') as unknown as ReadableSpan & { end(): void };
    span.end();
    const { result, logs } = collectDiag(() => withSettledResources([span, span]));
    const [a, b] = result;
    expect(a!.resource).not.toBe(resource);
    // One copy per resource; the first value of a key wins, as in the resource itself; the span is the same.
    expect(b!.resource).toBe(a!.resource);
    expect(a!.resource.attributes).toEqual({ 'service.name': 'ignored', 'host.name': 'h' });
    expect([a!.name, a!.spanContext().spanId]).toEqual(['s', span.spanContext().spanId]);
    expect(logs.filter((l) => l.startsWith('error'))).toEqual([]);
    settle('id-1');
    await resource.waitForAsyncAttributes?.();
    // Settled: the span goes as it is.
    expect(withSettledResources([span])[0]).toBe(span);
  });
});

describe('ExitSafeMetrics.request', () => {
  it('holds what the producer recorded since the last export, in its temporality, once', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'http://127.0.0.1:9/custom/metrics');
    vi.stubEnv('OTEL_EXPORTER_OTLP_COMPRESSION', 'gzip');
    const aggregator = new GenAIMetricsAggregator();
    const producer = aggregator.createProducer(() => GenAIMetricTemporality.DELTA);
    const metrics = new ExitSafeMetrics(producer, 'http/json');
    await new Promise((r) => setImmediate(r));
    const resource = resources.resourceFromAttributes({ 'service.name': 'svc' });
    expect(metrics.request(resource)).toBeUndefined();
    const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' };
    aggregator.recorder('scope').recordCall(attributes, { duration: 0.5, inputTokens: 7, outputTokens: 3 });
    const request = metrics.request(resource);
    expect(request?.url).toBe('http://127.0.0.1:9/custom/metrics');
    expect(request?.headers['Content-Encoding']).toBe('gzip');
    expect(request?.what).toBe('3 metric point(s)');
    const body = JSON.parse(gunzipSync(request?.body ?? new Uint8Array()).toString());
    const rm = body.resourceMetrics[0];
    expect(rm.resource.attributes).toEqual([{ key: 'service.name', value: { stringValue: 'svc' } }]);
    const names = rm.scopeMetrics[0].metrics.map((m: { name: string }) => m.name).sort();
    expect(names).toEqual(['gen_ai.client.operation.duration', 'gen_ai.client.token.usage']);
    // Taken: nothing left for a second request, nor for the reader's next collection.
    expect(metrics.request(resource)).toBeUndefined();
    expect((await producer.collect()).resourceMetrics.scopeMetrics).toEqual([]);
    // No resource known: nothing is sent (and nothing taken).
    aggregator.recorder('scope').recordCall(attributes, { duration: 0.5 });
    expect(metrics.request(undefined)).toBeUndefined();
    expect(producer.hasUncollected()).toBe(true);
  });
});

describe('sendSync', () => {
  it('reports the failure of each request (a closed port) without throwing', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    const request = {
      url: `http://127.0.0.1:${port}/v1/traces`,
      headers: {},
      body: new Uint8Array([1]),
      what: 'x',
    };
    expect(sendSync([request, { ...request, url: 'http://127.0.0.1:1/v1/metrics' }], 2000)).toEqual([
      'ECONNREFUSED',
      'ECONNREFUSED',
    ]);
  });
});
