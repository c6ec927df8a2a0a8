import type { Attributes, AttrValue, SpanEventRecord, SpanLinkRecord, SpanRecord } from '../model.js';
import type { DecodedSpans } from './decode.js';
import { OtlpDecodeError } from './decode-error.js';
import { fail, I32, I64, LEN, pos, skip, VARINT, varint } from './wire.js';

/**
 * OTLP/protobuf ExportTraceServiceRequest straight from the wire into `SpanRecord`s: the same records
 * as protobufjs' decode followed by `spansFromRequest` (a test holds the two equal on many bodies),
 * without the intermediate message objects, `Long`s, byte-array copies and `AnyValue`/`KeyValue`
 * wrappers, which were most of the loader's decoding cost and about a fifth of its garbage.
 *
 * protobufjs semantics kept: the last occurrence of a singular field wins, a singular message field
 * that occurs twice is replaced (not merged), repeated fields append, fields may come in any order
 * (a ResourceSpans' resource after its scope spans), unknown fields are skipped, absent fields take
 * their defaults. Stricter: a known field with the wrong wire type is refused (as the receiver's wire
 * scan refuses it before such a body is ever logged).
 */

/** `anyValue()`'s nesting limit. */
const MAX_DEPTH = 32;
const REJECT_REASON = 'span with an invalid trace or span id';

/** Buffer's own UTF-8 slice (what protobufjs reads strings with); `toString` adds an encoding lookup. */
const utf8 = (b: Buffer, start: number, end: number): string =>
  (b as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);

/**
 * Short ASCII strings, interned: attribute keys and most short values (operation, provider, model
 * names) repeat across spans, and a string read anew costs a native call, memory, and for a key, V8's
 * hashing and string-table lookup on every property store. Strings up to SHORT_MAX bytes are found
 * here by a hash of their bytes and compared byte for byte; a slot holds the last string hashed to it.
 */
const SHORT_MAX = 64;
const SLOTS = 1024;
const keyCache: Array<string | undefined> = new Array(SLOTS);
const valueCache: Array<string | undefined> = new Array(SLOTS);

function shortString(b: Buffer, start: number, end: number, cache: Array<string | undefined>): string {
  const len = end - start;
  if (len > SHORT_MAX) return utf8(b, start, end);
  let h = len;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c >= 0x80) return utf8(b, start, end);
    h = (Math.imul(h, 31) + c) | 0;
  }
  const slot = (h ^ (h >>> 12)) & (SLOTS - 1);
  const cached = cache[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === b[start + i]) i++;
    if (i === len) return cached;
  }
  const s = utf8(b, start, end);
  cache[slot] = s;
  return s;
}

/** The low 32 bits of a varint as a signed int32 (protobufjs' `int32()`). */
function varint32(b: Buffer, at: number, end: number): number {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail('truncated varint');
    const byte = b[at++] as number;
    if (i < 5) value |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) return value | 0;
  }
  return fail('varint too long');
}

/** An int64 varint as `anyValue()` gives it: a number when it is a safe integer, else its decimal text. */
function int64(b: Buffer, at: number, end: number): number | string {
  const start = at;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail('truncated varint');
    if ((b[at++] as number) < 0x80) break;
    if (i === 9) fail('varint too long');
  }
  // Up to 7 bytes (49 bits): exact as a double, and non-negative.
  if (at - start <= 7) {
    let value = 0;
    let mul = 1;
    for (let i = start; i < at; i++, mul *= 128) value += ((b[i] as number) & 0x7f) * mul;
    return value;
  }
  let big = 0n;
  for (let i = at - 1; i >= start; i--) big = (big << 7n) | BigInt((b[i] as number) & 0x7f);
  const n = BigInt.asIntN(64, big);
  const num = Number(n);
  return Number.isSafeInteger(num) ? num : n.toString();
}

/** Expected wire types of a message's known fields, indexed by field number (others are skipped). */
type Fields = ReadonlyArray<number | undefined>;

function shape(types: Record<number, number>): Fields {
  const out: Array<number | undefined> = [];
  for (const [no, wt] of Object.entries(types)) out[Number(no)] = wt;
  return out;
}

const ANY_VALUE = shape({ 1: LEN, 2: VARINT, 3: VARINT, 4: I64, 5: LEN, 6: LEN, 7: LEN });
/** ArrayValue, KeyValueList, Resource and the request: one repeated message field, 1. */
const REPEATED_1 = shape({ 1: LEN });
const KEY_VALUE = shape({ 1: LEN, 2: LEN });
const EVENT = shape({ 1: I64, 2: LEN, 3: LEN, 4: VARINT });
const LINK = shape({ 1: LEN, 2: LEN, 3: LEN, 4: LEN, 5: VARINT, 6: I32 });
const STATUS = shape({ 2: LEN, 3: VARINT });
const SCOPE = shape({ 1: LEN, 2: LEN, 3: LEN, 4: VARINT });
/** ResourceSpans (resource, scope_spans, schema_url) and ScopeSpans (scope, spans, schema_url). */
const SPANS_CONTAINER = shape({ 1: LEN, 2: LEN, 3: LEN });
const SPAN = shape({
  1: LEN,
  2: LEN,
  3: LEN,
  4: LEN,
  5: LEN,
  6: VARINT,
  7: I64,
  8: I64,
  9: LEN,
  10: VARINT,
  11: LEN,
  12: VARINT,
  13: LEN,
  14: VARINT,
  15: LEN,
  16: I32,
});

/**
 * The field read last by `field`: its number, and where its value starts (the body of a length-delimited
 * field; `field` returns where the field ends).
 */
let fieldNo = 0;
let fieldAt = 0;

/**
 * Reads the field at `at` of a message of shape `fields` (named `what` in errors): checks a known field's
 * wire type, sets `fieldNo` and `fieldAt`, and returns the offset after the field. Callers read the two
 * before decoding the field's value, which reads fields of its own.
 */
function field(b: Buffer, at: number, end: number, fields: Fields, what: string): number {
  const tag = varint(b, at, end);
  const no = tag >>> 3;
  const wt = tag & 7;
  if (no === 0) fail('field number 0');
  const expected = fields[no];
  if (expected !== undefined && expected !== wt) fail(`${what} field ${no} has wire type ${wt}`);
  fieldNo = no;
  if (wt !== LEN) {
    fieldAt = pos;
    return skip(b, wt, pos, end);
  }
  const len = varint(b, pos, end);
  fieldAt = pos;
  if (fieldAt + len > end) fail(`${what} field ${no} overruns its parent`);
  return fieldAt + len;
}

/** fixed64 at `at` as an unsigned decimal string (`int64String(v, false)`). */
function fixed64String(b: Buffer, at: number, end: number): string {
  if (at + 8 > end) fail('truncated fixed64');
  const low = b.readUInt32LE(at);
  const high = b.readUInt32LE(at + 4);
  // Below 2^53 the double is exact.
  if (high < 0x200000) return String(high * 0x100000000 + low);
  return b.readBigUInt64LE(at).toString();
}

/** One AnyValue message in [at, end) as `anyValue()` gives it. */
function anyValue(b: Buffer, at: number, end: number, depth: number): AttrValue {
  if (depth > MAX_DEPTH) throw new OtlpDecodeError('AnyValue nested too deeply');
  // protobufjs sets every member of the oneof it meets (last occurrence of each wins); `anyValue()`
  // then takes the first present in this order: string, bool, int, double, array, kvlist, bytes.
  let str: string | undefined;
  let bool: boolean | undefined;
  let int: number | string | undefined;
  let dbl: number | undefined;
  let arrAt = -1;
  let arrEnd = -1;
  let kvAt = -1;
  let kvEnd = -1;
  let bytes: string | undefined;
  while (at < end) {
    at = field(b, at, end, ANY_VALUE, 'AnyValue');
    const v = fieldAt;
    switch (fieldNo) {
      case 1:
        str = shortString(b, v, at, valueCache);
        break;
      case 2:
        bool = varint32(b, v, at) !== 0;
        break;
      case 3:
        int = int64(b, v, at);
        break;
      case 4:
        dbl = b.readDoubleLE(v);
        break;
      case 5:
        [arrAt, arrEnd] = [v, at];
        break;
      case 6:
        [kvAt, kvEnd] = [v, at];
        break;
      case 7:
        bytes = b.toString('base64', v, at);
        break;
    }
  }
  if (str !== undefined) return str;
  if (bool !== undefined) return bool;
  if (int !== undefined) return int;
  if (dbl !== undefined) return dbl;
  if (arrAt >= 0) return arrayValue(b, arrAt, arrEnd, depth + 1);
  if (kvAt >= 0) return keyValues(b, kvAt, kvEnd, depth + 1, {});
  if (bytes !== undefined) return bytes;
  return null;
}

/** ArrayValue: its `values` (field 1). */
function arrayValue(b: Buffer, at: number, end: number, depth: number): AttrValue[] {
  const out: AttrValue[] = [];
  while (at < end) {
    const next = field(b, at, end, REPEATED_1, 'ArrayValue');
    if (fieldNo === 1) out.push(anyValue(b, fieldAt, next, depth));
    at = next;
  }
  return out;
}

/** One KeyValue into `out` (`keyValues()`: a later key replaces an earlier one; no key is ''). */
function keyValue(b: Buffer, at: number, end: number, depth: number, out: Attributes): void {
  let name = '';
  let valueAt = -1;
  let valueEnd = -1;
  while (at < end) {
    at = field(b, at, end, KEY_VALUE, 'KeyValue');
    if (fieldNo === 1) name = shortString(b, fieldAt, at, keyCache);
    else if (fieldNo === 2) [valueAt, valueEnd] = [fieldAt, at];
  }
  out[name] = valueAt >= 0 ? anyValue(b, valueAt, valueEnd, depth) : null;
}

/** Every KeyValue of field 1 in [at, end) (a KeyValueList or a Resource), into `out`. */
function keyValues(b: Buffer, at: number, end: number, depth: number, out: Attributes): Attributes {
  while (at < end) {
    const next = field(b, at, end, REPEATED_1, 'KeyValueList');
    if (fieldNo === 1) keyValue(b, fieldAt, next, depth, out);
    at = next;
  }
  return out;
}

function isZero(b: Buffer, at: number, len: number): boolean {
  for (let i = at; i < at + len; i++) if (b[i] !== 0) return false;
  return true;
}

function event(b: Buffer, at: number, end: number): SpanEventRecord {
  let name = '';
  let time = '0';
  const attributes: Attributes = {};
  while (at < end) {
    const next = field(b, at, end, EVENT, 'Span.Event');
    if (fieldNo === 1) time = fixed64String(b, fieldAt, next);
    else if (fieldNo === 2) name = shortString(b, fieldAt, next, valueCache);
    else if (fieldNo === 3) keyValue(b, fieldAt, next, 0, attributes);
    at = next;
  }
  return { name, timeUnixNano: time, attributes };
}

function link(b: Buffer, at: number, end: number): SpanLinkRecord {
  let traceId = '';
  let spanId = '';
  const attributes: Attributes = {};
  while (at < end) {
    const next = field(b, at, end, LINK, 'Span.Link');
    if (fieldNo === 1) traceId = b.toString('hex', fieldAt, next);
    else if (fieldNo === 2) spanId = b.toString('hex', fieldAt, next);
    else if (fieldNo === 4) keyValue(b, fieldAt, next, 0, attributes);
    at = next;
  }
  return { traceId, spanId, attributes };
}

/** A Span's Status: code (field 3) and message (field 2); the last Status of a span replaces earlier ones. */
function status(b: Buffer, at: number, end: number): { code: number; message: string } {
  let code = 0;
  let message = '';
  while (at < end) {
    const next = field(b, at, end, STATUS, 'Status');
    if (fieldNo === 2) message = utf8(b, fieldAt, next);
    else if (fieldNo === 3) code = varint32(b, fieldAt, next);
    at = next;
  }
  return { code, message };
}

/** Appends the span in [at, end) to `out`, or returns false when its ids are invalid. */
function span(
  b: Buffer,
  at: number,
  end: number,
  resource: Attributes,
  scope: [string, string],
  out: SpanRecord[],
): boolean {
  let traceAt = -1;
  let traceLen = 0;
  let spanAt = -1;
  let spanLen = 0;
  let parentAt = -1;
  let parentLen = 0;
  let name = '';
  let kind = 0;
  let start = '0';
  let endTime = '0';
  let st: { code: number; message: string } | undefined;
  const attributes: Attributes = {};
  const events: SpanEventRecord[] = [];
  const links: SpanLinkRecord[] = [];
  while (at < end) {
    const next = field(b, at, end, SPAN, 'Span');
    const v = fieldAt;
    switch (fieldNo) {
      case 1:
        [traceAt, traceLen] = [v, next - v];
        break;
      case 2:
        [spanAt, spanLen] = [v, next - v];
        break;
      case 4:
        [parentAt, parentLen] = [v, next - v];
        break;
      case 5:
        name = shortString(b, v, next, valueCache);
        break;
      case 6:
        kind = varint32(b, v, next);
        break;
      case 7:
        start = fixed64String(b, v, next);
        break;
      case 8:
        endTime = fixed64String(b, v, next);
        break;
      case 9:
        keyValue(b, v, next, 0, attributes);
        break;
      case 11:
        events.push(event(b, v, next));
        break;
      case 13:
        links.push(link(b, v, next));
        break;
      case 15:
        st = status(b, v, next);
        break;
    }
    at = next;
  }
  if (traceLen !== 16 || spanLen !== 8 || isZero(b, traceAt, 16) || isZero(b, spanAt, 8)) return false;
  out.push({
    traceId: b.toString('hex', traceAt, traceAt + 16),
    spanId: b.toString('hex', spanAt, spanAt + 8),
    parentSpanId: parentLen === 8 && !isZero(b, parentAt, 8) ? b.toString('hex', parentAt, parentAt + 8) : '',
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: endTime,
    statusCode: st?.code ?? 0,
    statusMessage: st?.message ?? '',
    attributes,
    events,
    links,
    resource,
    scopeName: scope[0],
    scopeVersion: scope[1],
    enrichment: {},
  });
  return true;
}

/** Calls `each(bodyAt, bodyEnd)` for every occurrence of message field `no` in [at, end). */
function forEach(
  b: Buffer,
  at: number,
  end: number,
  fields: Fields,
  what: string,
  no: number,
  each: (at: number, end: number) => void,
): void {
  while (at < end) {
    const next = field(b, at, end, fields, what);
    if (fieldNo === no) each(fieldAt, next);
    at = next;
  }
}

/** The body [at, end) of the last occurrence of message field `no`, or [-1, -1]. */
function lastOf(
  b: Buffer,
  at: number,
  end: number,
  fields: Fields,
  what: string,
  no: number,
): [number, number] {
  let last: [number, number] = [-1, -1];
  forEach(b, at, end, fields, what, no, (bodyAt, bodyEnd) => {
    last = [bodyAt, bodyEnd];
  });
  return last;
}

/** The name and version of an InstrumentationScope (the last of each). */
function scope(b: Buffer, at: number, end: number): [string, string] {
  let name = '';
  let version = '';
  while (at < end) {
    const next = field(b, at, end, SCOPE, 'InstrumentationScope');
    if (fieldNo === 1) name = shortString(b, fieldAt, next, valueCache);
    else if (fieldNo === 2) version = shortString(b, fieldAt, next, valueCache);
    at = next;
  }
  return [name, version];
}

/** Decodes an OTLP/protobuf ExportTraceServiceRequest. Throws `OtlpDecodeError` for bad input. */
export function decodeTracesProtobuf(body: Uint8Array): DecodedSpans {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const spans: SpanRecord[] = [];
  let rejected = 0;
  forEach(b, 0, b.length, REPEATED_1, 'ExportTraceServiceRequest', 1, (rsAt, rsEnd) => {
    // ResourceSpans: resource (1), scope_spans (2), schema_url (3); the resource may come last.
    const [resAt, resEnd] = lastOf(b, rsAt, rsEnd, SPANS_CONTAINER, 'ResourceSpans', 1);
    const resource: Attributes = resAt >= 0 ? keyValues(b, resAt, resEnd, 0, {}) : {};
    forEach(b, rsAt, rsEnd, SPANS_CONTAINER, 'ResourceSpans', 2, (ssAt, ssEnd) => {
      const [scAt, scEnd] = lastOf(b, ssAt, ssEnd, SPANS_CONTAINER, 'ScopeSpans', 1);
      const sc = scAt >= 0 ? scope(b, scAt, scEnd) : (['', ''] as [string, string]);
      forEach(b, ssAt, ssEnd, SPANS_CONTAINER, 'ScopeSpans', 2, (sAt, sEnd) => {
        if (!span(b, sAt, sEnd, resource, sc, spans)) rejected++;
      });
    });
  });
  return rejected ? { spans, rejected, rejectReason: REJECT_REASON } : { spans, rejected };
}
