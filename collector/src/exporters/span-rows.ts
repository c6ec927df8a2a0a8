import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
} from '@genai-ops/core';
import type { Attributes, SpanRecord } from '../model.js';
import { nsBigInt, spanColumns, wellFormedJson } from './span-columns.js';

/**
 * The rows the DuckDB store writes, built from processed spans. No DuckDB import: the processing
 * worker builds them (see process-worker.ts) and posts them to the thread that owns the database.
 */

/** One `enrichments` row; `value` is JSON text. */
export interface EnrichmentRow {
  traceId: string;
  spanId: string;
  kind: string;
  name: string;
  value: string;
}

/** Column keys of spans the exporter writes itself; other enrichment keys become `enrichments` rows. */
const COLUMN_ENRICHMENTS = new Set(['normalization', 'countsUsage', 'cost']);
/**
 * The four message attributes have their own JSON columns; keeping them out of `attributes` halves
 * the bytes written per span (they are most of a span's size).
 */
const MESSAGE_KEYS: readonly string[] = [
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
];
function attributesJson(a: Attributes): string {
  if (!MESSAGE_KEYS.some((k) => k in a)) return wellFormedJson(JSON.stringify(a));
  const rest: Attributes = {};
  for (const k of Object.keys(a)) if (!MESSAGE_KEYS.includes(k)) rest[k] = a[k] as Attributes[string];
  return wellFormedJson(JSON.stringify(rest));
}

/**
 * One `spans` row without `received_at` (appended at write time), in the order of SPANS_COLUMNS_SQL:
 * strings, numbers, booleans, null, and the two timestamps as bigint nanoseconds. Plain values, so a
 * row built on one thread can be posted to the DuckDB writer's (structured clone).
 */
export type SpanRow = Array<string | number | boolean | bigint | null>;

/** The rows of a batch of spans: `spans` rows and their `enrichments` rows (deduplicated). */
export interface PreparedSpans {
  rows: SpanRow[];
  enrichments: EnrichmentRow[];
}

/**
 * An INTEGER column's value (kind, status code): the JSON decoder takes any number, and one the
 * appender refuses (a fraction, beyond int32) would fail the whole batch.
 */
export function int32(v: number): number | null {
  return (v | 0) === v ? v : null;
}

/**
 * Builds the row of a span (typed columns, JSON text); pure, runs on any thread. `resourceJson`: the
 * span's resource already serialized (the spans of one OTLP ResourceSpans share it; see `prepareSpans`).
 */
export function spanRow(s: SpanRecord, resourceJson = wellFormedJson(JSON.stringify(s.resource))): SpanRow {
  const c = spanColumns(s);
  return [
    s.traceId,
    s.spanId,
    s.parentSpanId,
    s.name,
    int32(s.kind),
    c.serviceName,
    s.scopeName,
    s.scopeVersion,
    nsBigInt(s.startTimeUnixNano),
    nsBigInt(s.endTimeUnixNano),
    c.durationMs,
    int32(s.statusCode),
    s.statusMessage,
    c.errorType ?? (s.statusCode === 2 ? '_OTHER' : null),
    c.operationName,
    c.providerName,
    c.requestModel,
    c.responseModel,
    c.inputTokens,
    c.outputTokens,
    c.cacheReadTokens,
    c.cacheCreationTokens,
    c.reasoningTokens,
    c.costUsd,
    c.costInputUsd,
    c.costOutputUsd,
    c.priceVersion,
    c.costReason,
    c.countsUsage,
    c.conversationId,
    c.agentName,
    c.promptName,
    c.promptVersion,
    c.systemInstructions,
    c.inputMessages,
    c.outputMessages,
    c.toolDefinitions,
    attributesJson(s.attributes),
    resourceJson,
    s.events.length ? wellFormedJson(JSON.stringify(s.events)) : '[]',
    s.links.length ? wellFormedJson(JSON.stringify(s.links)) : '[]',
    enrichmentJson(s.enrichment),
    c.normalizationSource,
  ];
}

/** The `spans` and `enrichments` rows of a batch of processed spans. */
export function prepareSpans(spans: SpanRecord[]): PreparedSpans {
  // The decoder gives the spans of one ResourceSpans one resource object (the processors keep it): it
  // is serialized once per run of spans sharing it, not once per span.
  let resource: SpanRecord['resource'] | undefined;
  let resourceJson = '';
  const rows = spans.map((s) => {
    if (s.resource !== resource) {
      resource = s.resource;
      resourceJson = wellFormedJson(JSON.stringify(resource));
    }
    return spanRow(s, resourceJson);
  });
  return { rows, enrichments: spans.length ? enrichmentRows(spans) : [] };
}

/** The key of an `enrichments` row (its primary key), as one string. */
function enrichmentKey(traceId: string, spanId: string, kind: string, name: string): string {
  return `${traceId}\u0000${spanId}\u0000${kind}\u0000${name}`;
}

/** Enrichment rows without repeated keys (first of a key wins). */
export function dedupeEnrichments(rows: EnrichmentRow[]): EnrichmentRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = enrichmentKey(r.traceId, r.spanId, r.kind, r.name);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The `enrichments` rows of spans (other than the column keys), deduplicated (first of a key wins). */
export function enrichmentRows(spans: SpanRecord[]): EnrichmentRow[] {
  const rows: EnrichmentRow[] = [];
  // A span's rows are checked against the rows of that span only (a handful), unless the span came
  // before in this batch (a retried export): from then on every row's full key is kept in `seen`.
  const spansSeen = new Set<string>();
  let seen: Set<string> | undefined;
  let first = 0;
  const push = (traceId: string, spanId: string, kind: string, name: string, v: unknown): void => {
    if (seen) {
      const key = enrichmentKey(traceId, spanId, kind, name);
      if (seen.has(key)) return;
      seen.add(key);
    } else {
      for (let i = first; i < rows.length; i++) {
        const r = rows[i] as EnrichmentRow;
        if (r.kind === kind && r.name === name) return;
      }
    }
    rows.push({ traceId, spanId, kind, name, value: wellFormedJson(JSON.stringify(v) ?? 'null') });
  };
  for (const s of spans) {
    first = rows.length;
    const id = `${s.traceId}\u0000${s.spanId}`;
    if (!seen && spansSeen.has(id))
      seen = new Set(rows.map((r) => enrichmentKey(r.traceId, r.spanId, r.kind, r.name)));
    else if (!seen) spansSeen.add(id);
    for (const [kind, value] of Object.entries(s.enrichment)) {
      if (COLUMN_ENRICHMENTS.has(kind) || value === undefined) continue;
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          const name =
            typeof (v as { name?: unknown })?.name === 'string' ? (v as { name: string }).name : String(i);
          push(s.traceId, s.spanId, kind, name, v);
        });
      } else push(s.traceId, s.spanId, kind, '', value);
    }
  }
  return rows;
}

/**
 * The `enrichment` column holds the keys that have no table of their own (normalization, countsUsage,
 * cost); the others (guardrail verdicts, ...) are `enrichments` rows and are not stored twice.
 */
function enrichmentJson(e: SpanRecord['enrichment']): string {
  let extra = false;
  for (const k in e) if (!COLUMN_ENRICHMENTS.has(k)) extra = true;
  if (!extra) return wellFormedJson(JSON.stringify(e));
  const out: Record<string, unknown> = {};
  for (const k of COLUMN_ENRICHMENTS) if (e[k] !== undefined) out[k] = e[k];
  return wellFormedJson(JSON.stringify(out));
}

/** Value kinds of `SpanRow` columns: v varchar, i integer, b bigint, d double, t timestamp_ns, o boolean. */
export const SPAN_ROW_TYPES = 'vvvvivvvttdivvvvvvbbbbbdddvvovvvvvvvvvvvvvv';
const ENRICHMENT_TYPES = 'vvvvv';

/** A growable byte buffer for `packPrepared`. */
class Packer {
  buf = Buffer.allocUnsafe(1 << 16);
  off = 0;
  need(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (this.off + n > cap) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }
  rows(rows: ReadonlyArray<ReadonlyArray<unknown>>, types: string): void {
    this.need(4);
    this.buf.writeUInt32LE(rows.length, this.off);
    this.off += 4;
    for (const r of rows) {
      for (let i = 0; i < types.length; i++) {
        const v = r[i];
        if (v === null || v === undefined) {
          this.need(1);
          this.buf[this.off++] = 0;
          continue;
        }
        switch (types.charCodeAt(i)) {
          case 118: {
            // v: u32 byte length + UTF-8 (at most 3 bytes per UTF-16 unit)
            const s = v as string;
            this.need(5 + s.length * 3);
            this.buf[this.off++] = 1;
            const n = this.buf.write(s, this.off + 4, 'utf8');
            this.buf.writeUInt32LE(n, this.off);
            this.off += 4 + n;
            break;
          }
          case 116:
            this.need(9);
            this.buf[this.off++] = 1;
            this.buf.writeBigInt64LE(v as bigint, this.off);
            this.off += 8;
            break;
          case 111:
            this.need(2);
            this.buf[this.off++] = 1;
            this.buf[this.off++] = v ? 1 : 0;
            break;
          default:
            this.need(9);
            this.buf[this.off++] = 1;
            this.buf.writeDoubleLE(v as number, this.off);
            this.off += 8;
        }
      }
    }
  }
}

function unpackRows(buf: Buffer, at: number, types: string): [unknown[][], number] {
  const n = buf.readUInt32LE(at);
  let off = at + 4;
  const rows = new Array<unknown[]>(n);
  for (let k = 0; k < n; k++) {
    const r = new Array<unknown>(types.length);
    for (let i = 0; i < types.length; i++) {
      if (buf[off++] === 0) {
        r[i] = null;
        continue;
      }
      switch (types.charCodeAt(i)) {
        case 118: {
          const len = buf.readUInt32LE(off);
          r[i] = buf.toString('utf8', off + 4, off + 4 + len);
          off += 4 + len;
          break;
        }
        case 116:
          r[i] = buf.readBigInt64LE(off);
          off += 8;
          break;
        case 111:
          r[i] = buf[off++] === 1;
          break;
        default:
          r[i] = buf.readDoubleLE(off);
          off += 8;
      }
    }
    rows[k] = r;
  }
  return [rows, off];
}

/**
 * Packs prepared rows into one buffer (typed values, strings as UTF-8), to post to the DuckDB
 * writer's thread with its ArrayBuffer transferred: ~4x cheaper than the structured clone of the
 * row arrays (measured: 3 + 1.3 ms vs 16 + 9 ms per 512 rows of ~3 KB).
 */
export function packPrepared(p: PreparedSpans): Uint8Array {
  const w = new Packer();
  w.rows(p.rows, SPAN_ROW_TYPES);
  w.rows(
    p.enrichments.map((e) => [e.traceId, e.spanId, e.kind, e.name, e.value]),
    ENRICHMENT_TYPES,
  );
  return w.buf.subarray(0, w.off);
}

/** The inverse of `packPrepared`. */
export function unpackPrepared(bytes: Uint8Array): PreparedSpans {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [rows, at] = unpackRows(buf, 0, SPAN_ROW_TYPES);
  const [enr] = unpackRows(buf, at, ENRICHMENT_TYPES);
  return {
    rows: rows as SpanRow[],
    enrichments: enr.map((e) => ({
      traceId: e[0] as string,
      spanId: e[1] as string,
      kind: e[2] as string,
      name: e[3] as string,
      value: e[4] as string,
    })),
  };
}
