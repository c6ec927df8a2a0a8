import type { LogRecordRecord, SpanRecord } from './model.js';
import type { OtlpEncoding } from './otlp/decode.js';

/**
 * Every pipeline part has a lifecycle. `shutdown` is safe to call twice and before `start`, and it
 * flushes whatever the component buffers.
 */
export interface Component {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A batch of spans as decoded from one OTLP request. */
export interface SpanBatch {
  spans: SpanRecord[];
  /** The request body the spans were decoded from (the ingest log stores it as is). */
  raw?: RawBody;
}

export interface LogBatch {
  logs: LogRecordRecord[];
  raw?: RawBody;
}

/** An OTLP request body after gunzip, in its content type's encoding. */
export interface RawBody {
  body: Buffer;
  encoding: 'json' | 'protobuf';
}

/**
 * An exporter that stores ingest-log entries: spans and log records of entries up to `ingestSeq`,
 * recording the sequence number with them (atomically), so a replay after a crash skips them.
 */
export interface IngestConsumer {
  consumeIngest(spans: SpanRecord[], logs: LogRecordRecord[], ingestSeq: number): Promise<void>;
  /** The last stored sequence number. */
  loadedSeq(): Promise<number>;
}

/**
 * Consumes a batch. Resolves once the batch is durably handled (for the DuckDB exporter: committed),
 * which is what lets the receiver acknowledge with 200. Rejects with a `PipelineError`.
 */
export interface TracesConsumer {
  consumeTraces(batch: SpanBatch): Promise<void>;
}

/**
 * A traces consumer that can take spans already encoded as an OTLP/HTTP export body (a forwarder). The
 * pipeline then has the loader threads encode the processed spans, and posts the body, not the spans.
 */
export interface EncodedTracesConsumer extends TracesConsumer {
  /** The body encoding it sends. */
  readonly encoding: OtlpEncoding;
  /** `spans` spans (with enrichment) in one body of `encoding`; resolves like `consumeTraces`. */
  consumeEncoded(body: Uint8Array, spans: number): Promise<void>;
}

export function isEncodedTracesConsumer(c: unknown): c is EncodedTracesConsumer {
  return typeof (c as Partial<EncodedTracesConsumer>)?.consumeEncoded === 'function';
}

export interface LogsConsumer {
  consumeLogs(batch: LogBatch): Promise<void>;
}

/**
 * A span processor: a pure (or nearly pure) transformation of a batch. Processors never drop a
 * span silently; they return the batch (possibly with new objects) for the next stage.
 */
export interface SpanProcessor {
  readonly name: string;
  processSpans(spans: SpanRecord[]): SpanRecord[] | Promise<SpanRecord[]>;
  /** Optional: log records (GenAI events, evaluation results) pass through here too. */
  processLogs?(logs: LogRecordRecord[]): LogRecordRecord[] | Promise<LogRecordRecord[]>;
}

/** Retryable errors map to 429/503 at the receiver, permanent ones to 400. */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Seconds the client should wait before retrying, for Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PipelineError';
  }
}
