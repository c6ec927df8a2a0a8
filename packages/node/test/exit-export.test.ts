/**
 * The register entry's own trace pipeline: which environments it takes over from NodeSDK, what it counts
 * as pending at exit (the processor's queue and the batches being sent), and the resource copy used when
 * the detectors' asynchronous attributes have not settled. The sending itself runs in real processes
 * (test/e2e/register.test.ts: process.exit(), an unhandled rejection, an unreachable collector).
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resources } from '@opentelemetry/sdk-node';
import { type ReadableSpan, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExitSafeTraces, httpTraceProtocolFromEnv, withSettledResources } from '../src/exit-export';
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
  ] as Array<[Record<string, string>, string | undefined]>)('%j -> %s', (env, expected) => {
    for (const key of [
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
    // Disabled (the normal shutdown gave up on the endpoint): nothing is sent at exit.
    traces.disable();
    expect(traces.exportPending(1000)).toEqual({ spans: 0, sent: false });
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
