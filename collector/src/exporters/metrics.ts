import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Component, SpanBatch, TracesConsumer } from '../component.js';
import { type MetricDeltas, metricDeltas } from './metric-deltas.js';

/**
 * The collector's Prometheus metrics (own registry, served at GET /metrics). As an exporter it
 * counts tokens, cost and LLM latency of stored spans; the other components record into it directly.
 */
export class CollectorMetrics implements Component, TracesConsumer {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'genai_ops_http_requests_total',
    help: 'HTTP requests by path and status code',
    labelNames: ['path', 'status'],
    registers: [this.registry],
  });
  readonly spansReceived = new Counter({
    name: 'genai_ops_spans_received_total',
    help: 'Spans decoded from OTLP requests',
    registers: [this.registry],
  });
  readonly spansStored = new Counter({
    name: 'genai_ops_spans_stored_total',
    help: 'Spans committed to DuckDB',
    registers: [this.registry],
  });
  readonly spansRejected = new Counter({
    name: 'genai_ops_spans_rejected_total',
    help: 'Spans refused, by reason (invalid, overload, error)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly quarantined = new Counter({
    name: 'genai_ops_quarantined_records_total',
    help: 'Acknowledged spans (kind=traces) and log records (kind=logs) DuckDB cannot store, moved with their request to the quarantine directory',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly quarantineDropped = new Counter({
    name: 'genai_ops_quarantine_dropped_records_total',
    help: 'Quarantined spans (kind=traces) and log records (kind=logs) deleted to keep the quarantine directory under storage.quarantineMaxBytes (reason=size_limit, oldest first), or never written because their request alone is larger (reason=too_large)',
    labelNames: ['kind', 'reason'],
    registers: [this.registry],
  });
  readonly quarantineBytes = new Gauge({
    name: 'genai_ops_quarantine_bytes',
    help: 'Bytes in the quarantine directory (files of earlier runs included)',
    registers: [this.registry],
  });
  readonly logsReceived = new Counter({
    name: 'genai_ops_log_records_received_total',
    help: 'Log records received',
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'genai_ops_tokens_total',
    help: 'Tokens of usage-counting spans by service, provider, model and type',
    labelNames: ['service', 'provider', 'model', 'type'],
    registers: [this.registry],
  });
  readonly cost = new Counter({
    name: 'genai_ops_cost_usd_total',
    help: 'Cost in USD of usage-counting spans by service, provider and model',
    labelNames: ['service', 'provider', 'model'],
    registers: [this.registry],
  });
  readonly guardrailVerdicts = new Counter({
    name: 'genai_ops_guardrail_verdicts_total',
    help: 'Collector-side guardrail verdicts by policy, direction (input/output) and action',
    labelNames: ['policy', 'direction', 'action'],
    registers: [this.registry],
  });
  readonly guardrailFindings = new Counter({
    name: 'genai_ops_guardrail_findings_total',
    help: 'Collector-side guardrail findings by policy, direction and kind (PII type, INJECTION, POLICY:<category>, ...)',
    labelNames: ['policy', 'direction', 'kind'],
    registers: [this.registry],
  });
  readonly llmLatency = new Histogram({
    name: 'genai_ops_llm_duration_seconds',
    help: 'Duration of usage-counting (inference, embeddings) spans',
    labelNames: ['provider', 'model'],
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
    registers: [this.registry],
  });
  readonly inFlightSpans = new Gauge({
    name: 'genai_ops_pipeline_inflight_spans',
    help: 'Spans in the pipeline (the 429 budget)',
    registers: [this.registry],
  });
  readonly storageQueue = new Gauge({
    name: 'genai_ops_storage_queue_spans',
    help: 'Spans waiting for the next DuckDB commit',
    registers: [this.registry],
  });
  readonly spoolBytes = new Gauge({
    name: 'genai_ops_forward_spool_bytes',
    help: 'Bytes in the forwarder spool',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly forwardDropped = new Counter({
    name: 'genai_ops_forward_dropped_spans_total',
    help: 'Spans dropped from the forwarder spool (size limit or permanent rejection)',
    labelNames: ['endpoint', 'reason'],
    registers: [this.registry],
  });
  readonly forwardSent = new Counter({
    name: 'genai_ops_forward_sent_spans_total',
    help: 'Spans delivered downstream',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'genai_ops_errors_total',
    help: 'Internal errors by component',
    labelNames: ['component'],
    registers: [this.registry],
  });
  /** The receiver's body pool, read when /metrics is scraped (`watchBodyPool`). */
  private _bodyPool: { readonly reused: number; readonly allocated: number } | undefined;
  readonly bodyBuffers: Counter<'source'> = new Counter({
    name: 'genai_ops_receiver_body_buffers_total',
    help: 'Request bodies read into a reused buffer or a newly allocated one (body pool)',
    labelNames: ['source'],
    registers: [this.registry],
    collect: () => {
      const pool = this._bodyPool;
      if (!pool) return;
      this.bodyBuffers.reset();
      this.bodyBuffers.inc({ source: 'reused' }, pool.reused);
      this.bodyBuffers.inc({ source: 'allocated' }, pool.allocated);
    },
  });
  readonly dbWriteLatency = new Histogram({
    name: 'genai_ops_duckdb_commit_seconds',
    help: 'DuckDB group-commit latency',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** Reports the pool's counters as `genai_ops_receiver_body_buffers_total{source}`. */
  watchBodyPool(pool: { readonly reused: number; readonly allocated: number }): void {
    this._bodyPool = pool;
  }

  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  /** Records tokens, cost and latency of usage-counting spans, and guardrail verdicts. Never throws. */
  async consumeTraces(batch: SpanBatch): Promise<void> {
    this.applyDeltas(metricDeltas(batch.spans));
  }

  /** Applies increments aggregated elsewhere (e.g. by the processing worker; see `metricDeltas`). */
  applyDeltas(d: MetricDeltas): void {
    for (const [policy, direction, action, n] of d.verdicts)
      this.guardrailVerdicts.inc({ policy, direction, action }, n);
    for (const [policy, direction, kind, n] of d.findings)
      this.guardrailFindings.inc({ policy, direction, kind }, n);
    for (const [service, provider, model, type, n] of d.tokens)
      this.tokens.inc({ service, provider, model, type }, n);
    for (const [service, provider, model, usd] of d.cost) this.cost.inc({ service, provider, model }, usd);
    for (const [provider, model, seconds] of d.latency)
      for (const s of seconds) this.llmLatency.observe({ provider, model }, s);
  }
}
