/**
 * The collector's internal span model: one OTLP span, flattened, with its resource and scope,
 * carried through the pipeline (receiver → processors → exporters).
 *
 * Attribute values are plain JS values decoded from OTLP AnyValue: string, number (int64 values that
 * fit a double become numbers), boolean, arrays, and plain objects for kvlistValue. Byte values become
 * base64 strings.
 */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface SpanEventRecord {
  name: string;
  /** Unix epoch nanoseconds as a decimal string (int64 does not fit a double). */
  timeUnixNano: string;
  attributes: Attributes;
}

export interface SpanLinkRecord {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface SpanRecord {
  /** Lower-case hex, 32 chars. */
  traceId: string;
  /** Lower-case hex, 16 chars. */
  spanId: string;
  /** Lower-case hex or '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  events: SpanEventRecord[];
  links: SpanLinkRecord[];
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  /**
   * Enrichment written by collector processors (never inside `attributes`' gen_ai.* namespace).
   * Keys are our own, e.g. `cost`, `normalization`, `guardrails`.
   */
  enrichment: SpanEnrichment;
}

/** What processors add. Each processor owns one key. */
export interface SpanEnrichment {
  normalization?: {
    /** Which foreign shape was recognized: 'otel-current', 'otel-legacy', 'openllmetry', 'openinference', 'vercel-ai', 'none'. */
    source: string;
    /** Attribute keys that were mapped or derived. */
    mapped: string[];
  };
  /** True when tokens and cost of this span count in totals (inference and embeddings spans only). */
  countsUsage?: boolean;
  cost?: {
    /** USD, or null when it could not be priced. */
    totalUsd: number | null;
    inputUsd?: number | null;
    outputUsd?: number | null;
    /** e.g. 'genai-prices@0.1.8', 'config-override', 'emitter'. */
    priceSource?: string;
    /** Version of the price table that priced this span. */
    priceVersion?: string;
    /** Why there is no cost, when totalUsd is null (e.g. 'unknown model: foo'). */
    reason?: string;
  };
  guardrails?: unknown;
  [key: string]: unknown;
}

/** A log record (GenAI events, evaluation results) flattened like spans. */
export interface LogRecordRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  traceId: string;
  spanId: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: AttrValue;
  attributes: Attributes;
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
}
