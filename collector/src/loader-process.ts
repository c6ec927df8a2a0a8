/**
 * Decoding and processing of ingest-log entries, shared by the threads that do it: the processing
 * worker (`process-worker.ts`, the default) and the loader worker (`loader-worker.ts`, when it runs
 * the processors itself).
 */
import type { SpanProcessor } from './component.js';
import type { IngestEncoding, IngestKind } from './ingest-log.js';
import type { LogRecordRecord, SpanRecord } from './model.js';
import { decodeLogs, decodeTraces, type OtlpEncoding } from './otlp/decode.js';
import { encodeTraces } from './otlp/encode.js';

export interface WireEntry {
  seq: number;
  kind: IngestKind;
  encoding: IngestEncoding;
  body: Uint8Array;
}

export interface Processed {
  spans: SpanRecord[];
  logs: LogRecordRecord[];
}

/** A request to decode and process entries, to either thread that does it (loader or processing worker). */
export interface ProcessEntriesRequest {
  id: number;
  type: 'process';
  token: number;
  entries: WireEntry[];
  /** Return each entry's processed spans. */
  wantProcessed: boolean;
  /** Encode each entry's processed spans in these encodings for the forwarders (`encodeEntries`). */
  encodeFor?: OtlpEncoding[];
}

/** An entry's processed spans as export bodies, one per encoding a forwarder sends (see `encodeEntries`). */
export interface EncodedEntry {
  spans: number;
  bodies: Partial<Record<OtlpEncoding, Uint8Array>>;
}

/**
 * The processed spans of each entry encoded once per encoding in `encodings` (none: undefined), on the
 * thread that processed them: the main thread then gets bytes to spool instead of span objects to clone
 * and encode.
 */
export function encodeEntries(
  perEntry: Processed[],
  encodings: readonly OtlpEncoding[] | undefined,
): EncodedEntry[] | undefined {
  if (!encodings?.length) return undefined;
  return perEntry.map((p) => {
    const bodies: EncodedEntry['bodies'] = {};
    if (p.spans.length) for (const e of encodings) bodies[e] = encodeTraces(p.spans, e);
    return { spans: p.spans.length, bodies };
  });
}

async function runProcessors(
  processors: SpanProcessor[],
  spans: SpanRecord[],
  errors: string[],
): Promise<SpanRecord[]> {
  let out = spans;
  for (const p of processors) {
    try {
      out = await p.processSpans(out);
    } catch (err) {
      // A processor bug must not lose data: the spans go on as they are and the error is reported.
      errors.push(`processor:${p.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Decodes entries (as logged) and runs the processors; per entry, and all together. */
export async function processEntries(
  processors: SpanProcessor[],
  entries: WireEntry[],
  errors: string[],
): Promise<{ perEntry: Processed[]; all: Processed }> {
  const perEntry: Processed[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength);
    let spans: SpanRecord[] = [];
    let logs: LogRecordRecord[] = [];
    try {
      if (e.encoding === 'records') {
        const parsed = JSON.parse(body.toString('utf8')) as unknown[];
        if (e.kind === 'traces') spans = parsed as SpanRecord[];
        else logs = parsed as LogRecordRecord[];
      } else if (e.kind === 'traces') spans = decodeTraces(body, e.encoding).spans;
      else logs = decodeLogs(body, e.encoding).logs;
    } catch (err) {
      // The receiver validated the body before logging it, so this is a decoder disagreement: the
      // entry is skipped and reported (as on replay), never retried, or it would stall every later one.
      errors.push(`ingest-log: entry ${e.seq} cannot be decoded: ${(err as Error).message}`);
      perEntry.push({ spans, logs });
      continue;
    }
    if (spans.length) spans = await runProcessors(processors, spans, errors);
    for (const p of processors) {
      if (!p.processLogs || !logs.length) continue;
      try {
        logs = await p.processLogs(logs);
      } catch (err) {
        errors.push(`processor:${p.name}: ${(err as Error).message}`);
      }
    }
    perEntry.push({ spans, logs });
  }
  const all = {
    spans: perEntry.length === 1 ? (perEntry[0]?.spans ?? []) : perEntry.flatMap((p) => p.spans),
    logs: perEntry.length === 1 ? (perEntry[0]?.logs ?? []) : perEntry.flatMap((p) => p.logs),
  };
  return { perEntry, all };
}
