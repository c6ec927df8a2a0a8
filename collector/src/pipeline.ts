import { diag } from '@opentelemetry/api';
import {
  type Component,
  type LogBatch,
  type LogsConsumer,
  PipelineError,
  type SpanBatch,
  type SpanProcessor,
  type TracesConsumer,
} from './component.js';
import type { CollectorMetrics } from './exporters/metrics.js';

export interface PipelineConfig {
  processors: SpanProcessor[];
  /** Exporters whose success is required before the receiver acknowledges (DuckDB, forwarders). */
  exporters: Array<TracesConsumer & Partial<LogsConsumer>>;
  /** Exporters told after the ack (metrics); their failures never fail a request. */
  observers?: TracesConsumer[];
  /** Spans allowed in the pipeline at once; beyond it `consume*` rejects with a retryable error (429). */
  maxInFlightSpans: number;
  metrics?: CollectorMetrics;
}

/**
 * decode → processors (normalize, cost, ...) → exporters. Resolves once every exporter has durably
 * handled the batch. Bounded: at most `maxInFlightSpans` spans are held at once, so memory stays flat
 * under overload and the receiver answers 429 instead of queueing.
 */
export class Pipeline implements Component, TracesConsumer, LogsConsumer {
  private _inFlight = 0;
  private _stopped = false;

  constructor(private readonly _config: PipelineConfig) {}

  get inFlightSpans(): number {
    return this._inFlight;
  }

  /** True when the budget is used up: the receiver then refuses before reading the body. */
  saturated(): boolean {
    return this._inFlight >= this._config.maxInFlightSpans;
  }

  async start(): Promise<void> {}

  async shutdown(): Promise<void> {
    this._stopped = true;
  }

  private _acquire(n: number): void {
    if (this._stopped) throw new PipelineError('collector is shutting down', true, 1);
    // A batch larger than the whole budget is still admitted when the pipeline is idle, so it can never be refused forever.
    if (this._inFlight > 0 && this._inFlight + n > this._config.maxInFlightSpans) {
      throw new PipelineError('too many spans in flight', true, 1);
    }
    this._inFlight += n;
    this._config.metrics?.inFlightSpans.set(this._inFlight);
  }

  private _release(n: number): void {
    this._inFlight -= n;
    this._config.metrics?.inFlightSpans.set(this._inFlight);
  }

  async consumeTraces(batch: SpanBatch): Promise<void> {
    const n = batch.spans.length;
    if (n === 0) return;
    this._acquire(n);
    try {
      let spans = batch.spans;
      for (const p of this._config.processors) {
        try {
          spans = await p.processSpans(spans);
        } catch (err) {
          // A processor bug must not lose data: store the spans as they are and count the error.
          this._config.metrics?.errors.inc({ component: `processor:${p.name}` });
          diag.error(`genai-ops collector: processor ${p.name} failed: ${(err as Error).message}`);
        }
      }
      const out: SpanBatch = { spans };
      await Promise.all(this._config.exporters.map((e) => e.consumeTraces(out)));
      for (const o of this._config.observers ?? []) o.consumeTraces(out).catch(() => undefined);
    } finally {
      this._release(n);
    }
  }

  async consumeLogs(batch: LogBatch): Promise<void> {
    const n = batch.logs.length;
    if (n === 0) return;
    this._acquire(n);
    try {
      let logs = batch.logs;
      for (const p of this._config.processors) {
        if (!p.processLogs) continue;
        try {
          logs = await p.processLogs(logs);
        } catch (err) {
          this._config.metrics?.errors.inc({ component: `processor:${p.name}` });
          diag.error(`genai-ops collector: processor ${p.name} failed on logs: ${(err as Error).message}`);
        }
      }
      await Promise.all(
        this._config.exporters
          .filter((e) => e.consumeLogs)
          .map((e) => (e.consumeLogs as LogsConsumer['consumeLogs']).call(e, { logs })),
      );
    } finally {
      this._release(n);
    }
  }
}
