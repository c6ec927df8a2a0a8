import { OtlpDecodeError } from './decode-error.js';
import { fail, I32, I64, LEN, pos, skip, VARINT, varint } from './wire.js';

/**
 * A structural walk of an OTLP/protobuf export request that validates it and counts its spans (or
 * log records) without building any object: what the receiver needs before it logs the body and
 * acknowledges it, at a fraction of a full decode's cost (the loader decodes the body later, off the
 * acknowledgement path).
 *
 * It is at least as strict as `decodeTraces`/`decodeLogs` (protobufjs + `spansFromRequest`): every
 * length-delimited field must fit its enclosing message, every known field must have its declared
 * wire type, groups and reserved wire types are refused, and AnyValue nesting is limited like
 * `anyValue()`'s. So a body it accepts always decodes in the loader, with the same span count and
 * the same rejected (bad id) count.
 */

/** A field's expected wire type, and for message fields the message it holds. */
type Field = { wt: number; msg?: Msg };
type Msg = { name: string; fields: Map<number, Field> };

function msg(name: string): Msg {
  return { name, fields: new Map() };
}
function def(m: Msg, fields: Record<number, Field>): void {
  for (const [k, f] of Object.entries(fields)) m.fields.set(Number(k), f);
}

const S: Field = { wt: LEN };
const V: Field = { wt: VARINT };
const F64: Field = { wt: I64 };
const F32: Field = { wt: I32 };

const AnyValue = msg('AnyValue');
const ArrayValue = msg('ArrayValue');
const KeyValueList = msg('KeyValueList');
const KeyValue = msg('KeyValue');
const Scope = msg('InstrumentationScope');
const Resource = msg('Resource');
const Status = msg('Status');
const Event = msg('Span.Event');
const Link = msg('Span.Link');
const LogRecord = msg('LogRecord');
const ScopeLogs = msg('ScopeLogs');
const ResourceLogs = msg('ResourceLogs');
def(AnyValue, {
  1: S,
  2: V,
  3: V,
  4: F64,
  5: { wt: LEN, msg: ArrayValue },
  6: { wt: LEN, msg: KeyValueList },
  7: S,
});
def(ArrayValue, { 1: { wt: LEN, msg: AnyValue } });
def(KeyValueList, { 1: { wt: LEN, msg: KeyValue } });
def(KeyValue, { 1: S, 2: { wt: LEN, msg: AnyValue } });
def(Scope, { 1: S, 2: S, 3: { wt: LEN, msg: KeyValue }, 4: V });
def(Resource, { 1: { wt: LEN, msg: KeyValue }, 2: V });
def(Status, { 2: S, 3: V });
def(Event, { 1: F64, 2: S, 3: { wt: LEN, msg: KeyValue }, 4: V });
def(Link, { 1: S, 2: S, 3: S, 4: { wt: LEN, msg: KeyValue }, 5: V, 6: F32 });
def(LogRecord, {
  1: F64,
  11: F64,
  2: V,
  3: S,
  5: { wt: LEN, msg: AnyValue },
  6: { wt: LEN, msg: KeyValue },
  7: V,
  8: F32,
  9: S,
  10: S,
  12: S,
});
def(ScopeLogs, { 1: { wt: LEN, msg: Scope }, 2: { wt: LEN, msg: LogRecord }, 3: S });
def(ResourceLogs, { 1: { wt: LEN, msg: Resource }, 2: { wt: LEN, msg: ScopeLogs }, 3: S });

/** Span fields other than trace_id (1) and span_id (2), which `scanSpan` reads itself. */
const Span = msg('Span');
def(Span, {
  3: S,
  4: S,
  16: F32,
  5: S,
  6: V,
  7: F64,
  8: F64,
  9: { wt: LEN, msg: KeyValue },
  10: V,
  11: { wt: LEN, msg: Event },
  12: V,
  13: { wt: LEN, msg: Link },
  14: V,
  15: { wt: LEN, msg: Status },
});

/** `anyValue()` refuses nesting deeper than this (arrayValue / kvlistValue levels). */
const MAX_ANY_DEPTH = 32;

/**
 * The AnyValue depth rule of `anyValue()`: attributes start at depth 0; arrayValue values and
 * kvlistValue values are one level deeper than the AnyValue holding them.
 */
function walkAttrs(b: Uint8Array, m: Msg, at: number, end: number): void {
  walkAny(b, m, at, end, 0);
}

// The walkers below (walkAny, scanSpan, children) each decode the field tag inline rather than through a
// shared helper: this runs on the acknowledgement path for every field of every request, and a helper
// returning the field number, wire type and body through module state was tried on 2026-11-26 and was
// slower; it was not kept.
function walkAny(b: Uint8Array, m: Msg, at: number, end: number, depth: number): void {
  if (m === AnyValue && depth > MAX_ANY_DEPTH) throw new OtlpDecodeError('AnyValue nested too deeply');
  while (at < end) {
    const tag = varint(b, at, end);
    const next = pos;
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 0) fail('field number 0');
    const f = m.fields.get(no);
    if (f && f.wt !== wt) fail(`${m.name} field ${no} has wire type ${wt}`);
    if (f?.msg) {
      const len = varint(b, next, end);
      const body = pos;
      if (body + len > end) fail(`${f.msg.name} overruns its parent`);
      // AnyValue → ArrayValue / KeyValueList: one level deeper; other edges keep the depth.
      walkAny(b, f.msg, body, body + len, m === AnyValue ? depth + 1 : depth);
      at = body + len;
    } else at = skip(b, wt, next, end);
  }
}
function isZero(b: Uint8Array, at: number, len: number): boolean {
  for (let i = at; i < at + len; i++) if (b[i] !== 0) return false;
  return true;
}

/** Walks one Span; returns whether its trace and span ids are valid (16 / 8 bytes, not all zero). */
function scanSpan(b: Uint8Array, at: number, end: number): boolean {
  let traceLen = 0;
  let traceAt = 0;
  let spanLen = 0;
  let spanAt = 0;
  while (at < end) {
    const tag = varint(b, at, end);
    const next = pos;
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 0) fail('field number 0');
    if (no === 1 || no === 2) {
      if (wt !== LEN) fail(`Span field ${no} has wire type ${wt}`);
      const len = varint(b, next, end);
      const body = pos;
      if (body + len > end) fail('Span id overruns the span');
      // Last occurrence wins, as in protobufjs.
      if (no === 1) [traceLen, traceAt] = [len, body];
      else [spanLen, spanAt] = [len, body];
      at = body + len;
      continue;
    }
    const f = Span.fields.get(no);
    if (f && f.wt !== wt) fail(`Span field ${no} has wire type ${wt}`);
    if (f?.msg) {
      const len = varint(b, next, end);
      const body = pos;
      if (body + len > end) fail(`${f.msg.name} overruns the span`);
      walkAttrs(b, f.msg, body, body + len);
      at = body + len;
    } else at = skip(b, wt, next, end);
  }
  return traceLen === 16 && spanLen === 8 && !isZero(b, traceAt, 16) && !isZero(b, spanAt, 8);
}

/** Calls `each(at, end)` for every occurrence of field `no` (a message) in [at, end) of message `m`. */
function children(
  b: Uint8Array,
  m: Msg,
  no: number,
  at: number,
  end: number,
  each: (at: number, end: number) => void,
): void {
  while (at < end) {
    const tag = varint(b, at, end);
    const next = pos;
    const fno = Math.floor(tag / 8);
    const wt = tag & 7;
    if (fno === 0) fail('field number 0');
    const f = m.fields.get(fno);
    if (f && f.wt !== wt) fail(`${m.name} field ${fno} has wire type ${wt}`);
    if (fno === no || f?.msg) {
      const len = varint(b, next, end);
      const body = pos;
      if (body + len > end) fail(`${m.name} field ${fno} overruns its parent`);
      if (fno === no) each(body, body + len);
      else walkAttrs(b, f?.msg as Msg, body, body + len);
      at = body + len;
    } else at = skip(b, wt, next, end);
  }
}

const ScopeSpansShape = msg('ScopeSpans');
def(ScopeSpansShape, { 1: { wt: LEN, msg: Scope }, 2: { wt: LEN }, 3: S });
const ResourceSpansShape = msg('ResourceSpans');
def(ResourceSpansShape, { 1: { wt: LEN, msg: Resource }, 2: { wt: LEN }, 3: S });
const TracesRequest = msg('ExportTraceServiceRequest');
def(TracesRequest, { 1: { wt: LEN } });
const LogsRequest = msg('ExportLogsServiceRequest');
def(LogsRequest, { 1: { wt: LEN } });

/** Counts of a scanned trace export request: what `decodeTraces` would return, without the spans. */
export interface ScannedSpans {
  /** Spans the loader will store (valid ids). */
  spans: number;
  /** Spans with an invalid trace or span id (partial success). */
  rejected: number;
  rejectReason?: string;
}

/** Validates an OTLP/protobuf ExportTraceServiceRequest and counts its spans. Throws `OtlpDecodeError`. */
export function scanTracesProtobuf(body: Uint8Array): ScannedSpans {
  let spans = 0;
  let rejected = 0;
  children(body, TracesRequest, 1, 0, body.length, (rsAt, rsEnd) =>
    children(body, ResourceSpansShape, 2, rsAt, rsEnd, (ssAt, ssEnd) =>
      children(body, ScopeSpansShape, 2, ssAt, ssEnd, (sAt, sEnd) => {
        if (scanSpan(body, sAt, sEnd)) spans++;
        else rejected++;
      }),
    ),
  );
  return rejected
    ? { spans, rejected, rejectReason: 'span with an invalid trace or span id' }
    : { spans, rejected };
}

/** Validates an OTLP/protobuf ExportLogsServiceRequest and counts its log records. */
export function scanLogsProtobuf(body: Uint8Array): { logs: number } {
  let logs = 0;
  children(body, LogsRequest, 1, 0, body.length, (rlAt, rlEnd) => {
    children(body, ResourceLogs, 2, rlAt, rlEnd, (slAt, slEnd) => {
      children(body, ScopeLogs, 2, slAt, slEnd, (lAt, lEnd) => {
        walkAttrs(body, LogRecord, lAt, lEnd);
        logs++;
      });
    });
  });
  return { logs };
}
