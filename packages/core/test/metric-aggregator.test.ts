import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type CollectionResult,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import {
  bindGenAIMetricsAggregator,
  boundGenAIMetricsAggregator,
  type CallObservations,
  GenAIClientMetrics,
  GenAIInstrumentationBase,
  GenAIMetricsAggregator,
  GenAIMetricTemporality,
} from '../src/index.js';

/** A pull reader: collect() on demand, with a chosen temporality and cardinality limit. */
class TestReader extends MetricReader {
  constructor(options: ConstructorParameters<typeof MetricReader>[0] = {}) {
    super(options);
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const BASE: Attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'server.address': 'api.openai.com',
  'server.port': 443,
};

/** A varied workload: models, errors, streams with chunk gaps, missing usage, attribute order permuted. */
function workload(): Array<[Attributes, CallObservations]> {
  const out: Array<[Attributes, CallObservations]> = [];
  for (let i = 0; i < 60; i++) {
    const attrs: Attributes =
      i % 3 === 0
        ? { ...BASE, 'gen_ai.response.model': `gpt-4o-mini-${i % 2}` }
        : // The same set in another insertion order must land in the same series.
          Object.fromEntries(
            Object.entries({ ...BASE, 'gen_ai.response.model': `gpt-4o-mini-${i % 2}` }).reverse(),
          );
    if (i % 7 === 0) attrs['error.type'] = '429';
    const obs: CallObservations = { duration: 0.003 * i + (i === 5 ? 100 : 0) };
    if (i % 4 !== 0) {
      obs.inputTokens = 10 * i;
      obs.outputTokens = i;
    }
    if (i % 2 === 0) {
      obs.timeToFirstChunk = 0.02 * (i % 9);
      obs.chunkGapsMs = Array.from({ length: i % 5 }, (_, k) => 5 * k + i);
    }
    out.push([attrs, obs]);
  }
  return out;
}

type Point = { name: string; attributes: Attributes; value: unknown; temporality: AggregationTemporality };

function points(result: CollectionResult): Point[] {
  const out: Point[] = [];
  for (const scope of result.resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics as HistogramMetricData[]) {
      for (const p of metric.dataPoints) {
        out.push({
          name: `${scope.scope.name}/${metric.descriptor.name}/${metric.descriptor.unit}`,
          attributes: p.attributes,
          temporality: metric.aggregationTemporality,
          value: { ...p.value, sum: Number((p.value.sum ?? Number.NaN).toFixed(9)) },
        });
      }
    }
  }
  const key = (p: Point) => `${p.name} ${JSON.stringify(Object.entries(p.attributes).sort())}`;
  return out.sort((a, b) => key(a).localeCompare(key(b)));
}

function twoWays(temporality: AggregationTemporality, cardinalityLimit?: number) {
  const options = {
    aggregationTemporalitySelector: () => temporality,
    ...(cardinalityLimit ? { cardinalitySelector: () => cardinalityLimit } : {}),
  };
  const sdkReader = new TestReader(options);
  const sdkMetrics = new GenAIClientMetrics(
    new MeterProvider({ readers: [sdkReader] }).getMeter('scope', '1.0.0'),
  );
  const aggregator = new GenAIMetricsAggregator(cardinalityLimit);
  const fastReader = new TestReader({
    ...options,
    metricProducers: [
      aggregator.createProducer(() =>
        temporality === AggregationTemporality.DELTA
          ? GenAIMetricTemporality.DELTA
          : GenAIMetricTemporality.CUMULATIVE,
      ),
    ],
  });
  new MeterProvider({ readers: [fastReader] });
  const fastMetrics = new GenAIClientMetrics(
    new MeterProvider().getMeter('unused'),
    aggregator.recorder('scope', '1.0.0'),
  );
  return { sdkReader, sdkMetrics, fastReader, fastMetrics };
}

describe('GenAIMetricsAggregator', () => {
  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    it(`exports the same histogram points as the SDK's instruments (${AggregationTemporality[temporality]})`, async () => {
      const { sdkReader, sdkMetrics, fastReader, fastMetrics } = twoWays(temporality);
      const calls = workload();
      for (const [attrs, obs] of calls.slice(0, 40)) {
        sdkMetrics.recordCall(attrs, obs);
        fastMetrics.recordCall(attrs, obs);
      }
      const sdk1 = points(await sdkReader.collect());
      const fast1 = points(await fastReader.collect());
      expect(fast1.length).toBeGreaterThan(10);
      expect(fast1.map((p) => p.name)).toContain('scope/gen_ai.client.operation.time_per_output_chunk/s');
      expect(fast1).toEqual(sdk1);
      // A second interval: delta shows only the new observations, cumulative the running totals.
      for (const [attrs, obs] of calls.slice(40)) {
        sdkMetrics.recordCall(attrs, obs);
        fastMetrics.recordCall(attrs, obs);
      }
      const sdk2 = points(await sdkReader.collect());
      const fast2 = points(await fastReader.collect());
      expect(fast2).toEqual(sdk2);
      expect(fast2).not.toEqual(fast1);
      // Nothing new: delta exports nothing, cumulative the same totals again.
      const fast3 = points(await fastReader.collect());
      expect(fast3).toEqual(points(await sdkReader.collect()));
      if (temporality === AggregationTemporality.DELTA) expect(fast3).toEqual([]);
      else expect(fast3).toEqual(fast2);
    });
  }

  it('keeps runs of repeated and nearly repeated attribute sets apart, as the SDK does', async () => {
    // The recorder reuses the previous call's series when the attributes repeat; each of these differs
    // from the one before it in one way only (a value, a type, a key more or less, an undefined value).
    const { sdkReader, sdkMetrics, fastReader, fastMetrics } = twoWays(AggregationTemporality.CUMULATIVE);
    const withModel = { ...BASE, 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18' };
    const sequence: Attributes[] = [
      BASE,
      { ...BASE },
      { ...BASE, 'server.port': '443' },
      withModel,
      { ...withModel, 'gen_ai.response.model': 'gpt-4o-mini-2024-08-06' },
      { ...BASE, 'server.port': 443, 'error.type': '429' },
      Object.fromEntries(Object.entries(BASE).slice(1)),
      { ...BASE, 'gen_ai.request.stop_sequences': ['a'] },
      { ...BASE, 'gen_ai.request.stop_sequences': ['b'] },
      { ...BASE, 'gen_ai.request.stop_sequences': ['b'] },
      BASE,
    ];
    sequence.forEach((attrs, i) => {
      for (let k = 0; k < 3; k++) {
        const obs = { duration: i + k / 10, inputTokens: i, outputTokens: k };
        sdkMetrics.recordCall(attrs, obs);
        fastMetrics.recordCall(attrs, obs);
      }
    });
    const fast = points(await fastReader.collect());
    expect(fast.filter((p) => p.name.endsWith('.operation.duration/s')).length).toBe(8);
    expect(fast).toEqual(points(await sdkReader.collect()));
  });

  it('folds attribute sets past the cardinality limit into one otel.metric.overflow series, as the SDK does', async () => {
    const { sdkReader, sdkMetrics, fastReader, fastMetrics } = twoWays(AggregationTemporality.CUMULATIVE, 4);
    for (let i = 0; i < 9; i++) {
      const attrs = { ...BASE, 'gen_ai.request.model': `m-${i}` };
      const obs = { duration: i / 10, inputTokens: i, outputTokens: 2 * i };
      sdkMetrics.recordCall(attrs, obs);
      fastMetrics.recordCall(attrs, obs);
    }
    const fast = points(await fastReader.collect());
    expect(fast.some((p) => p.attributes['otel.metric.overflow'] === true)).toBe(true);
    expect(fast).toEqual(points(await sdkReader.collect()));
  });

  it('feeds several readers, each with its own temporality', async () => {
    const aggregator = new GenAIMetricsAggregator();
    const cumulative = new TestReader({ metricProducers: [aggregator.createProducer()] });
    const delta = new TestReader({
      metricProducers: [aggregator.createProducer(() => GenAIMetricTemporality.DELTA)],
    });
    new MeterProvider({ readers: [cumulative, delta] });
    const recorder = aggregator.recorder('s');
    recorder.recordCall(BASE, { duration: 1 });
    await delta.collect();
    recorder.recordCall(BASE, { duration: 2 });
    const count = async (r: TestReader) =>
      (points(await r.collect())[0]?.value as { count: number } | undefined)?.count;
    expect(await count(cumulative)).toBe(2);
    expect(await count(delta)).toBe(1);
  });

  it('tells each producer whether it has something uncollected, and collects synchronously for an exit listener', async () => {
    const aggregator = new GenAIMetricsAggregator();
    const a = aggregator.createProducer();
    const b = aggregator.createProducer(() => GenAIMetricTemporality.DELTA);
    const recorder = aggregator.recorder('s');
    expect([a.hasUncollected(), b.hasUncollected()]).toEqual([false, false]);
    recorder.recordCall(BASE, { duration: 1 });
    expect([a.hasUncollected(), b.hasUncollected()]).toEqual([true, true]);
    await a.collect();
    // a's collection drained the record into b's state too: still uncollected for b.
    expect([a.hasUncollected(), b.hasUncollected()]).toEqual([false, true]);
    recorder.recordCall(BASE, { duration: 2 });
    const now = b.collectNow();
    const point = now[0]?.metrics.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration')
      ?.dataPoints[0];
    expect(point?.value).toMatchObject({ count: 2, sum: 3 });
    expect([a.hasUncollected(), b.hasUncollected()]).toEqual([true, false]);
    // Delta: what collectNow took is not collected again.
    expect((await b.collect()).resourceMetrics.scopeMetrics).toEqual([]);
    expect(
      (await a.collect()).resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints[0]?.value,
    ).toMatchObject({
      count: 2,
    });
  });

  it('is what an instrumentation records into once bound to its meter provider', () => {
    class Probe extends GenAIInstrumentationBase {
      constructor() {
        super('@genai-ops/probe', '0.0.1', {});
      }
      protected override init() {
        return [];
      }
      metricsInUse(): GenAIClientMetrics {
        return this.genAITelemetry().metrics;
      }
    }
    const aggregator = new GenAIMetricsAggregator();
    const bound = new MeterProvider();
    bindGenAIMetricsAggregator(bound, aggregator);
    expect(boundGenAIMetricsAggregator(bound)).toBe(aggregator);
    const probe = new Probe();
    expect(probe.metricsInUse().aggregated).toBe(false);
    probe.setMeterProvider(bound);
    expect(probe.metricsInUse().aggregated).toBe(true);
    probe.setMeterProvider(new MeterProvider());
    expect(probe.metricsInUse().aggregated).toBe(false);
  });
});
