import type { MeterProvider } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { GenAITelemetry } from './call.js';
import { type ContentCaptureConfig, type ContentPolicy, resolveContentPolicy } from './content-capture.js';
import { getEnvBoolean } from './env.js';
import { boundGenAIMetricsAggregator } from './metric-aggregator.js';
import { GenAIClientMetrics } from './metrics.js';

/** Our own: `false` turns off the per-chunk histogram `gen_ai.client.operation.time_per_output_chunk`. */
export const ENV_TIME_PER_OUTPUT_CHUNK = 'GENAI_OPS_TIME_PER_OUTPUT_CHUNK';

/** The config every genai-ops instrumentation accepts: OpenTelemetry's plus content capture. */
export interface GenAIInstrumentationConfig extends InstrumentationConfig, ContentCaptureConfig {
  /**
   * Record `gen_ai.client.operation.time_per_output_chunk`, one observation per streamed chunk after the
   * first, as the conventions recommend. Default: GENAI_OPS_TIME_PER_OUTPUT_CHUNK, else true. Turning it
   * off saves the per-chunk observation: a few ns through a bound GenAIMetricsAggregator (the register
   * entry), a few µs through the SDK's own instruments (they hash the attribute set on every record).
   */
  timePerOutputChunk?: boolean;
}

/**
 * The base of every genai-ops instrumentation: it owns the content policy (resolved once, at construction
 * and on `setConfig`, never per call), the GenAI client metrics (recreated when the meter provider
 * changes) and the telemetry bundle handed to each `GenAICall`.
 */
export abstract class GenAIInstrumentationBase<
  TConfig extends GenAIInstrumentationConfig = GenAIInstrumentationConfig,
> extends InstrumentationBase<TConfig> {
  // Set lazily: InstrumentationBase's constructor calls setConfig and _updateMetricInstruments before
  // subclass fields exist, and class fields are initialized after super() returns.
  private _genaiMetrics: GenAIClientMetrics | undefined;
  private _contentPolicy: ContentPolicy | undefined;
  private _cachedTelemetry: GenAITelemetry | undefined;
  private _manualUnpatches: Array<() => void> | undefined;
  private _meterProviderRef: MeterProvider | undefined;

  override setConfig(config: TConfig = {} as TConfig): void {
    super.setConfig(config);
    this._contentPolicy = resolveContentPolicy(this.getConfig());
    this._cachedTelemetry = undefined;
  }

  /**
   * Patches an already-loaded module outside the module hooks (the explicit `instrumentX(...)` path for
   * bundled apps) and remembers how to undo it, so `disable()` unpatches it too.
   */
  protected patchManually(patch: () => void, unpatch: () => void): void {
    patch();
    this._manualUnpatches ??= [];
    this._manualUnpatches.push(unpatch);
  }

  override disable(): void {
    super.disable();
    for (const unpatch of this._manualUnpatches?.splice(0) ?? []) unpatch();
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    this._meterProviderRef = meterProvider;
    super.setMeterProvider(meterProvider);
  }

  protected override _updateMetricInstruments(): void {
    this._genaiMetrics = this._createGenAIMetrics();
  }

  /**
   * The SDK's histograms, or, when a GenAIMetricsAggregator is bound to our meter provider, a recorder of
   * that aggregator under this instrumentation's scope.
   */
  private _createGenAIMetrics(): GenAIClientMetrics {
    const aggregator = boundGenAIMetricsAggregator(this._meterProviderRef);
    const recorder = aggregator?.recorder(this.instrumentationName, this.instrumentationVersion);
    return new GenAIClientMetrics(this.meter, recorder);
  }

  /** The resolved content-capture policy. */
  protected get contentPolicy(): ContentPolicy {
    this._contentPolicy ??= resolveContentPolicy(this.getConfig());
    return this._contentPolicy;
  }

  /**
   * The tracer, metrics, logger and content policy for a call; the same object until a provider or the
   * config changes (one allocation less per call).
   */
  protected genAITelemetry(): GenAITelemetry {
    this._genaiMetrics ??= this._createGenAIMetrics();
    const content = this.contentPolicy;
    const tracer = this.tracer;
    const logger = this.logger;
    const cached = this._cachedTelemetry;
    if (
      cached &&
      cached.tracer === tracer &&
      cached.logger === logger &&
      cached.metrics === this._genaiMetrics &&
      cached.content === content
    ) {
      return cached;
    }
    const timePerOutputChunk =
      this.getConfig().timePerOutputChunk ?? getEnvBoolean(ENV_TIME_PER_OUTPUT_CHUNK) ?? true;
    this._cachedTelemetry = { tracer, metrics: this._genaiMetrics, logger, content, timePerOutputChunk };
    return this._cachedTelemetry;
  }
}
