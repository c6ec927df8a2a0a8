import type { Attributes, AttributeValue, HrTime, MeterProvider } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_TOKEN_TYPE,
  DURATION_BUCKETS,
  GEN_AI_TOKEN_TYPE_VALUES,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  TOKEN_USAGE_BUCKETS,
} from './semconv.js';

// The GenAI client histograms, pre-aggregated in process and handed to the SDK's MetricReader as a
// MetricProducer. Why: the SDK's synchronous histogram hashes the whole attribute set on every record
// (sort + JSON.stringify, ≈ 3 µs for the 6–8 attributes of a GenAI call); a call makes 3 records and a
// stream one more per chunk. Here a call computes one key for its attribute set, once, and folds all its
// observations into the series it names: ≈ 0.3 µs per call and a few ns per chunk. The output (data points,
// bucket counts, min/max/sum, start times, temporality, cardinality overflow) is the SDK's, which a test
// checks by recording the same observations both ways.
//
// Types are structural copies of @opentelemetry/sdk-metrics' MetricProducer/CollectionResult shapes, so
// core does not depend on the SDK; the test hands the producer to a real PeriodicExportingMetricReader.

/** sdk-metrics' DataPointType.HISTOGRAM. */
const DATA_POINT_HISTOGRAM = 0;

/** sdk-metrics' AggregationTemporality values. */
export const GenAIMetricTemporality = { DELTA: 0, CUMULATIVE: 1 } as const;
export type GenAIMetricTemporality = (typeof GenAIMetricTemporality)[keyof typeof GenAIMetricTemporality];

/** The SDK's default cardinality limit per instrument; beyond it, observations go to one overflow series. */
export const DEFAULT_CARDINALITY_LIMIT = 2000;
const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** What the producer returns: sdk-metrics' CollectionResult, structurally. */
export interface GenAIMetricsCollection {
  resourceMetrics: {
    /** The reader keeps the SDK's resource; this one is never read. */
    resource: never;
    scopeMetrics: Array<{
      scope: { name: string; version?: string; schemaUrl?: string };
      metrics: Array<{
        descriptor: {
          name: string;
          description: string;
          unit: string;
          valueType: ValueType;
          type: 'HISTOGRAM';
          advice: { explicitBucketBoundaries: number[] };
        };
        aggregationTemporality: GenAIMetricTemporality;
        dataPointType: typeof DATA_POINT_HISTOGRAM;
        dataPoints: Array<{
          startTime: HrTime;
          endTime: HrTime;
          attributes: Attributes;
          value: {
            min?: number;
            max?: number;
            sum: number;
            count: number;
            buckets: { boundaries: number[]; counts: number[] };
          };
        }>;
      }>;
    }>;
  };
  errors: unknown[];
}

/** sdk-metrics' MetricProducer, structurally: pass it in a MetricReader's `metricProducers`. */
export interface GenAIMetricProducer {
  collect(options?: { timeoutMillis?: number }): Promise<GenAIMetricsCollection>;
  /**
   * Whether something was recorded since this producer's last collection (what a final export at process
   * exit would have to send). Synchronous.
   */
  hasUncollected(): boolean;
  /** `collect()` done synchronously, for an `exit` listener (nothing can be awaited there). */
  collectNow(): GenAIMetricsCollection['resourceMetrics']['scopeMetrics'];
}

interface InstrumentDef {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly boundaries: readonly number[];
}

const TOKEN_USAGE: InstrumentDef = {
  name: METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  description: 'Number of input and output tokens used.',
  unit: '{token}',
  boundaries: TOKEN_USAGE_BUCKETS,
};
const DURATION: InstrumentDef = {
  name: METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  description: 'GenAI operation duration.',
  unit: 's',
  boundaries: DURATION_BUCKETS,
};
const TIME_TO_FIRST_CHUNK: InstrumentDef = {
  name: METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  description: 'Time to receive the first chunk of a streaming response.',
  unit: 's',
  boundaries: DURATION_BUCKETS,
};
const TIME_PER_OUTPUT_CHUNK: InstrumentDef = {
  name: METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  description: 'Time between consecutive chunks of a streaming response, after the first.',
  unit: 's',
  boundaries: DURATION_BUCKETS,
};

/** The four client histograms, with the descriptions, units and advised buckets of the conventions. */
export const GENAI_CLIENT_HISTOGRAMS: readonly InstrumentDef[] = [
  TOKEN_USAGE,
  DURATION,
  TIME_TO_FIRST_CHUNK,
  TIME_PER_OUTPUT_CHUNK,
];

/** Index of the bucket of `value`: the first boundary >= value, as the SDK's binarySearchUB. */
function bucketOf(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  let ret = boundaries.length;
  while (hi >= lo) {
    const mid = lo + ((hi - lo) >> 1);
    if (boundaries[mid] < value) lo = mid + 1;
    else {
      ret = mid;
      hi = mid - 1;
    }
  }
  return ret;
}

/** One histogram accumulation: bucket counts, sum, count, min, max. */
class Accumulation {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly counts: number[];

  constructor(readonly boundaries: readonly number[]) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    if (Number.isNaN(value)) return;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.counts[bucketOf(this.boundaries, value)] += 1;
  }

  mergeFrom(other: Accumulation): void {
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.counts.fill(0);
  }
}

/** One time series: an instrument and an attribute set, with what was recorded since the last drain. */
class Series {
  readonly pending: Accumulation;
  readonly startMs = Date.now();

  constructor(
    readonly scope: ScopeState,
    readonly instrument: InstrumentDef,
    readonly attributes: Attributes,
  ) {
    this.pending = new Accumulation(instrument.boundaries);
  }
}

/** The series of one metric attribute set: one per histogram, created on first use. */
class CallSeries {
  duration: Series | undefined;
  inputTokens: Series | undefined;
  outputTokens: Series | undefined;
  timeToFirstChunk: Series | undefined;
  timePerOutputChunk: Series | undefined;
  /** How many entries `attributes` has (it holds no undefined values). */
  readonly size: number;

  constructor(readonly attributes: Attributes) {
    this.size = Object.keys(attributes).length;
  }

  /**
   * Whether `other` is this attribute set: the same entries with the same primitive values (an array value
   * never matches here; the keyed lookup then decides).
   */
  matches(other: Attributes): boolean {
    const mine = this.attributes;
    let n = 0;
    for (const k in other) {
      const v = other[k];
      if (v === undefined) continue;
      if (mine[k] !== v || typeof v === 'object') return false;
      n++;
    }
    return n === this.size;
  }
}

/** The observations of one finished call. */
export interface CallObservations {
  /** Seconds. */
  duration?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Seconds. */
  timeToFirstChunk?: number;
  /** Milliseconds between consecutive chunks (after the first), converted to seconds when recorded. */
  chunkGapsMs?: readonly number[];
}

/** The fast key of an attribute set: its entries in insertion order, typed so 1 and "1" differ. */
function fastKey(attributes: Attributes): string {
  let key = '';
  for (const k in attributes) {
    const v = attributes[k];
    if (v === undefined) continue;
    key += typeof v === 'string' ? `${k}\u0000s${v}\u0001` : `${k}\u0000${JSON.stringify(v)}\u0001`;
  }
  return key;
}

/** The key of an attribute set whatever the order of its entries (the SDK's hashAttributes). */
function canonicalKey(attributes: Attributes): string {
  const keys = Object.keys(attributes)
    .filter((k) => attributes[k] !== undefined)
    .sort();
  return JSON.stringify(keys.map((k) => [k, attributes[k]]));
}

function copyAttributes(attributes: Attributes): Attributes {
  const copy: Attributes = {};
  for (const k in attributes) {
    const v = attributes[k];
    if (v !== undefined) copy[k] = Array.isArray(v) ? ([...v] as AttributeValue) : v;
  }
  return copy;
}

/** One instrumentation scope's series. */
class ScopeState {
  readonly byFastKey = new Map<string, CallSeries>();
  readonly byCanonicalKey = new Map<string, CallSeries>();
  /** Every series of this scope, in creation order. */
  readonly series: Series[] = [];
  private readonly _seriesPerInstrument = new Map<InstrumentDef, number>();
  private readonly _overflowSeries = new Map<InstrumentDef, Series>();
  /** Shared by the attribute sets past the bound on the maps above (all their series are overflow). */
  private _overflowCall: CallSeries | undefined;
  /**
   * The attribute set of the previous call. An application's calls mostly repeat the one before (same
   * operation, provider, models and server), and comparing a handful of values costs far less than building
   * and hashing the fast key (a string of every entry, a JSON.stringify per number): the paired OpenAI
   * chat overhead read 3–10 µs lower with this in 4 of 4 alternating runs (2026-11-27, docs/bench/openai.md).
   */
  private _last: CallSeries | undefined;

  constructor(
    readonly name: string,
    readonly version: string | undefined,
    readonly cardinalityLimit: number,
  ) {}

  callSeries(attributes: Attributes): CallSeries {
    const last = this._last;
    if (last?.matches(attributes)) return last;
    const found = this._keyedSeries(attributes);
    this._last = found;
    return found;
  }

  private _keyedSeries(attributes: Attributes): CallSeries {
    const key = fastKey(attributes);
    let found = this.byFastKey.get(key);
    if (found !== undefined) return found;
    const canonical = canonicalKey(attributes);
    found = this.byCanonicalKey.get(canonical);
    if (found === undefined) {
      // Keeps memory bounded whatever the attribute cardinality; the per-instrument limit in newSeries
      // (the SDK's) is reached first.
      if (this.byCanonicalKey.size >= 4 * this.cardinalityLimit) {
        this._overflowCall ??= new CallSeries(OVERFLOW_ATTRIBUTES);
        return this._overflowCall;
      }
      found = new CallSeries(copyAttributes(attributes));
      this.byCanonicalKey.set(canonical, found);
    }
    if (this.byFastKey.size < 8 * this.cardinalityLimit) this.byFastKey.set(key, found);
    return found;
  }

  /**
   * A new series of `instrument`, or, like the SDK, once the instrument has cardinalityLimit - 1 series,
   * its one series marked otel.metric.overflow.
   */
  newSeries(instrument: InstrumentDef, attributes: Attributes): Series {
    const count = this._seriesPerInstrument.get(instrument) ?? 0;
    if (count >= this.cardinalityLimit - 1 || attributes === OVERFLOW_ATTRIBUTES) {
      let overflow = this._overflowSeries.get(instrument);
      if (overflow === undefined) {
        overflow = new Series(this, instrument, OVERFLOW_ATTRIBUTES);
        this._overflowSeries.set(instrument, overflow);
        this.series.push(overflow);
      }
      return overflow;
    }
    this._seriesPerInstrument.set(instrument, count + 1);
    const s = new Series(this, instrument, attributes);
    this.series.push(s);
    return s;
  }
}

/**
 * Records the GenAI client histograms of one instrumentation scope into a {@link GenAIMetricsAggregator}.
 * `recordCall` never throws.
 */
export class GenAIMetricsRecorder {
  /** @internal */
  constructor(private readonly _scope: ScopeState) {}

  recordCall(attributes: Attributes, obs: CallObservations): void {
    const scope = this._scope;
    const cs = scope.callSeries(attributes);
    if (obs.duration !== undefined) {
      cs.duration ??= scope.newSeries(DURATION, cs.attributes);
      cs.duration.pending.record(obs.duration);
    }
    if (obs.inputTokens !== undefined) {
      cs.inputTokens ??= scope.newSeries(TOKEN_USAGE, tokenAttributes(cs, GEN_AI_TOKEN_TYPE_VALUES.INPUT));
      cs.inputTokens.pending.record(obs.inputTokens);
    }
    if (obs.outputTokens !== undefined) {
      cs.outputTokens ??= scope.newSeries(TOKEN_USAGE, tokenAttributes(cs, GEN_AI_TOKEN_TYPE_VALUES.OUTPUT));
      cs.outputTokens.pending.record(obs.outputTokens);
    }
    if (obs.timeToFirstChunk !== undefined) {
      cs.timeToFirstChunk ??= scope.newSeries(TIME_TO_FIRST_CHUNK, cs.attributes);
      cs.timeToFirstChunk.pending.record(obs.timeToFirstChunk);
    }
    const gaps = obs.chunkGapsMs;
    if (gaps !== undefined && gaps.length > 0) {
      cs.timePerOutputChunk ??= scope.newSeries(TIME_PER_OUTPUT_CHUNK, cs.attributes);
      const acc = cs.timePerOutputChunk.pending;
      for (let i = 0; i < gaps.length; i++) acc.record(gaps[i] / 1000);
    }
  }
}

function tokenAttributes(cs: CallSeries, type: string): Attributes {
  if (cs.attributes === OVERFLOW_ATTRIBUTES) return OVERFLOW_ATTRIBUTES;
  return { ...cs.attributes, [ATTR_GEN_AI_TOKEN_TYPE]: type };
}

function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** One reader's view: cumulative totals, or what accumulated since its last collection (delta). */
class Producer implements GenAIMetricProducer {
  private readonly _state = new Map<Series, Accumulation>();
  private _lastCollectMs = Date.now();
  /** Another producer's collection drained records into this one's state since its own last collection. */
  private _absorbed = false;

  constructor(
    private readonly _aggregator: GenAIMetricsAggregator,
    private readonly _temporality: () => GenAIMetricTemporality,
  ) {}

  /** @internal Folds a drained series accumulation into this reader's state. */
  absorb(series: Series, acc: Accumulation): void {
    let mine = this._state.get(series);
    if (mine === undefined) {
      mine = new Accumulation(series.instrument.boundaries);
      this._state.set(series, mine);
    }
    mine.mergeFrom(acc);
    this._absorbed = true;
  }

  hasUncollected(): boolean {
    return this._absorbed || this._aggregator.hasPending();
  }

  collectNow(): GenAIMetricsCollection['resourceMetrics']['scopeMetrics'] {
    return this._collect();
  }

  async collect(): Promise<GenAIMetricsCollection> {
    try {
      return { resourceMetrics: { resource: undefined as never, scopeMetrics: this._collect() }, errors: [] };
    } catch (error) {
      return { resourceMetrics: { resource: undefined as never, scopeMetrics: [] }, errors: [error] };
    }
  }

  private _collect(): GenAIMetricsCollection['resourceMetrics']['scopeMetrics'] {
    this._aggregator.drain();
    const nowMs = Date.now();
    const endTime = msToHrTime(nowMs);
    const temporality = this._temporality();
    const delta = temporality === GenAIMetricTemporality.DELTA;
    const deltaStart = msToHrTime(this._lastCollectMs);
    type ScopeOut = GenAIMetricsCollection['resourceMetrics']['scopeMetrics'][number];
    type MetricOut = ScopeOut['metrics'][number];
    const scopes = new Map<ScopeState, Map<InstrumentDef, MetricOut>>();
    for (const [series, acc] of this._state) {
      if (acc.count === 0) continue;
      let metrics = scopes.get(series.scope);
      if (metrics === undefined) {
        metrics = new Map();
        scopes.set(series.scope, metrics);
      }
      let metric = metrics.get(series.instrument);
      if (metric === undefined) {
        const def = series.instrument;
        metric = {
          descriptor: {
            name: def.name,
            description: def.description,
            unit: def.unit,
            valueType: ValueType.DOUBLE,
            type: 'HISTOGRAM',
            advice: { explicitBucketBoundaries: [...def.boundaries] },
          },
          aggregationTemporality: temporality,
          dataPointType: DATA_POINT_HISTOGRAM,
          dataPoints: [],
        };
        metrics.set(series.instrument, metric);
      }
      metric.dataPoints.push({
        startTime: delta ? deltaStart : msToHrTime(series.startMs),
        endTime,
        attributes: series.attributes,
        value: {
          min: acc.min,
          max: acc.max,
          sum: acc.sum,
          count: acc.count,
          buckets: { boundaries: [...series.instrument.boundaries], counts: [...acc.counts] },
        },
      });
    }
    if (delta) this._state.clear();
    this._lastCollectMs = nowMs;
    this._absorbed = false;
    const out: ScopeOut[] = [];
    for (const [scope, metrics] of scopes) {
      out.push({
        scope:
          scope.version === undefined ? { name: scope.name } : { name: scope.name, version: scope.version },
        metrics: [...metrics.values()],
      });
    }
    return out;
  }
}

/**
 * Pre-aggregates the GenAI client histograms of every genai-ops instrumentation bound to it and exports
 * them through one {@link GenAIMetricProducer} per MetricReader.
 *
 * @example
 * ```ts
 * const aggregator = new GenAIMetricsAggregator();
 * const reader = new PeriodicExportingMetricReader({ exporter, metricProducers: [aggregator.createProducer()] });
 * const meterProvider = new MeterProvider({ readers: [reader] });
 * bindGenAIMetricsAggregator(meterProvider, aggregator); // before the instrumentations get meterProvider
 * ```
 */
export class GenAIMetricsAggregator {
  private readonly _scopes = new Map<string, ScopeState>();
  private readonly _producers: Producer[] = [];

  constructor(private readonly _cardinalityLimit = DEFAULT_CARDINALITY_LIMIT) {}

  /** The recorder of one instrumentation scope (same scope, same recorder). */
  recorder(scopeName: string, scopeVersion?: string): GenAIMetricsRecorder {
    const id = `${scopeName}\u0000${scopeVersion ?? ''}`;
    let scope = this._scopes.get(id);
    if (scope === undefined) {
      scope = new ScopeState(scopeName, scopeVersion, this._cardinalityLimit);
      this._scopes.set(id, scope);
    }
    return new GenAIMetricsRecorder(scope);
  }

  /**
   * A producer for one MetricReader. `temporality` is asked at each collection (default cumulative); give
   * the reader's exporter's choice, e.g. `() => exporter.selectAggregationTemporality('HISTOGRAM')`.
   */
  createProducer(temporality?: () => GenAIMetricTemporality): GenAIMetricProducer {
    const producer = new Producer(this, temporality ?? (() => GenAIMetricTemporality.CUMULATIVE));
    this._producers.push(producer);
    return producer;
  }

  /** @internal Whether any series recorded something since the last drain. */
  hasPending(): boolean {
    for (const scope of this._scopes.values())
      for (const series of scope.series) if (series.pending.count > 0) return true;
    return false;
  }

  /** @internal Moves what every series recorded since the last drain into each producer's state. */
  drain(): void {
    for (const scope of this._scopes.values()) {
      for (const series of scope.series) {
        if (series.pending.count === 0) continue;
        for (const p of this._producers) p.absorb(series, series.pending);
        series.pending.reset();
      }
    }
  }
}

const BINDINGS_KEY = Symbol.for('genai-ops.core.metrics-aggregators');
type Bindings = WeakMap<object, GenAIMetricsAggregator>;

function bindings(): Bindings {
  const g = globalThis as { [BINDINGS_KEY]?: Bindings };
  g[BINDINGS_KEY] ??= new WeakMap();
  return g[BINDINGS_KEY];
}

/**
 * Makes genai-ops instrumentations that record through `meterProvider` record their GenAI histograms
 * into `aggregator` instead of the SDK's instruments. Only do this when the aggregator's producers are
 * attached to that provider's readers (views configured on the provider do not apply to these metrics).
 */
export function bindGenAIMetricsAggregator(
  meterProvider: MeterProvider,
  aggregator: GenAIMetricsAggregator,
): void {
  bindings().set(meterProvider, aggregator);
}

/** The aggregator bound to `meterProvider`, if any. */
export function boundGenAIMetricsAggregator(
  meterProvider: MeterProvider | undefined,
): GenAIMetricsAggregator | undefined {
  return meterProvider === undefined ? undefined : bindings().get(meterProvider);
}
