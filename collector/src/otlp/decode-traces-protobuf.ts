import type { Attributes, AttrValue, SpanEventRecord, SpanLinkRecord, SpanRecord } from '../model.js';
import type { DecodedSpans } from './decode.js';
import { OtlpDecodeError } from './decode-error.js';

/**
 * OTLP/protobuf ExportTraceServiceRequest straight from the wire into `SpanRecord`s: the same records
 * as protobufjs' decode followed by `spansFromRequest` (a test holds the two equal on many bodies),
 * without the intermediate message objects, `Long`s, byte-array copies and `AnyValue`/`KeyValue`
 * wrappers, which were most of the loader's decoding cost and a third of its garbage.
 *
 * protobufjs semantics kept: the last occurrence of a singular field wins, a singular message field
 * that occurs twice is replaced (not merged), repeated fields append, fields may come in any order
 * (a ResourceSpans' resource after its scope spans), unknown fields are skipped, absent fields take
 * their defaults. Stricter: a known field with the wrong wire type is refused (as the receiver's wire
 * scan refuses it before such a body is ever logged).
 */

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** `anyValue()`'s nesting limit. */
const MAX_DEPTH = 32;
const REJECT_REASON = 'span with an invalid trace or span id';

function fail(what: string): never {
  throw new OtlpDecodeError(`invalid protobuf: ${what}`);
}

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

/** Offset after the last varint or length-delimited header read (no tuple per field). */
let pos = 0;

/** A varint at `at`, exact up to 2^53; sets `pos` after it. */
function varint(b: Buffer, at: number, end: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail('truncated varint');
    const byte = b[at++] as number;
    if (i < 8) value += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) {
      pos = at;
      return value;
    }
  }
  return fail('varint too long');
}

/** The low 32 bits of a varint as a signed int32 (protobufjs' `int32()`); sets `pos`. */
function varint32(b: Buffer, at: number, end: number): number {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail('truncated varint');
    const byte = b[at++] as number;
    if (i < 5) value |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      pos = at;
      return value | 0;
    }
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
  pos = at;
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

/** The offset of a length-delimited field's body at `at` (`pos` is set to its end). */
function lenBody(b: Buffer, at: number, end: number, what: string): number {
  const len = varint(b, at, end);
  const body = pos;
  if (body + len > end) fail(`${what} overruns its parent`);
  pos = body + len;
  return body;
}

/** Skips a field of wire type `wt` at `at` (after its tag); returns the offset after it. */
function skip(b: Buffer, wt: number, at: number, end: number): number {
  switch (wt) {
    case VARINT:
      varint(b, at, end);
      return pos;
    case I64:
      if (at + 8 > end) fail('truncated fixed64');
      return at + 8;
    case I32:
      if (at + 4 > end) fail('truncated fixed32');
      return at + 4;
    case LEN:
      lenBody(b, at, end, 'length-delimited field');
      return pos;
    default:
      return fail(`wire type ${wt}`);
  }
}

function wrongType(msg: string, no: number, wt: number): never {
  return fail(`${msg} field ${no} has wire type ${wt}`);
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
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    switch (no) {
      case 1:
        if (wt !== LEN) wrongType('AnyValue', no, wt);
        at = lenBody(b, at, end, 'AnyValue string');
        str = shortString(b, at, pos, valueCache);
        break;
      case 2:
        if (wt !== VARINT) wrongType('AnyValue', no, wt);
        bool = varint32(b, at, end) !== 0;
        break;
      case 3:
        if (wt !== VARINT) wrongType('AnyValue', no, wt);
        int = int64(b, at, end);
        break;
      case 4:
        if (wt !== I64) wrongType('AnyValue', no, wt);
        if (at + 8 > end) fail('truncated double');
        dbl = b.readDoubleLE(at);
        pos = at + 8;
        break;
      case 5:
        if (wt !== LEN) wrongType('AnyValue', no, wt);
        arrAt = lenBody(b, at, end, 'ArrayValue');
        arrEnd = pos;
        break;
      case 6:
        if (wt !== LEN) wrongType('AnyValue', no, wt);
        kvAt = lenBody(b, at, end, 'KeyValueList');
        kvEnd = pos;
        break;
      case 7:
        if (wt !== LEN) wrongType('AnyValue', no, wt);
        at = lenBody(b, at, end, 'AnyValue bytes');
        bytes = b.toString('base64', at, pos);
        break;
      default:
        if (no === 0) fail('field number 0');
        pos = skip(b, wt, at, end);
    }
    at = pos;
  }
  if (str !== undefined) return str;
  if (bool !== undefined) return bool;
  if (int !== undefined) return int;
  if (dbl !== undefined) return dbl;
  if (arrAt >= 0) return arrayValue(b, arrAt, arrEnd, depth + 1);
  if (kvAt >= 0) return keyValues(b, kvAt, kvEnd, 1, depth + 1, {});
  if (bytes !== undefined) return bytes;
  return null;
}

/** ArrayValue: its `values` (field 1). */
function arrayValue(b: Buffer, at: number, end: number, depth: number): AttrValue[] {
  const out: AttrValue[] = [];
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 1) {
      if (wt !== LEN) wrongType('ArrayValue', no, wt);
      const body = lenBody(b, at, end, 'AnyValue');
      const next = pos;
      out.push(anyValue(b, body, next, depth));
      at = next;
    } else {
      if (no === 0) fail('field number 0');
      at = skip(b, wt, at, end);
    }
  }
  return out;
}

/** One KeyValue into `out` (`keyValues()`: a later key replaces an earlier one; no key is ''). */
function keyValue(b: Buffer, at: number, end: number, depth: number, out: Attributes): void {
  let name = '';
  let valueAt = -1;
  let valueEnd = -1;
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 1) {
      if (wt !== LEN) wrongType('KeyValue', no, wt);
      const body = lenBody(b, at, end, 'KeyValue key');
      name = shortString(b, body, pos, keyCache);
    } else if (no === 2) {
      if (wt !== LEN) wrongType('KeyValue', no, wt);
      valueAt = lenBody(b, at, end, 'AnyValue');
      valueEnd = pos;
    } else {
      if (no === 0) fail('field number 0');
      pos = skip(b, wt, at, end);
    }
    at = pos;
  }
  out[name] = valueAt >= 0 ? anyValue(b, valueAt, valueEnd, depth) : null;
}

/** Every KeyValue of field `field` in [at, end), into `out`. */
function keyValues(
  b: Buffer,
  at: number,
  end: number,
  field: number,
  depth: number,
  out: Attributes,
): Attributes {
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === field) {
      if (wt !== LEN) wrongType('message', no, wt);
      const body = lenBody(b, at, end, 'KeyValue');
      const next = pos;
      keyValue(b, body, next, depth, out);
      at = next;
    } else {
      if (no === 0) fail('field number 0');
      at = skip(b, wt, at, end);
    }
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
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 1) {
      if (wt !== I64) wrongType('Span.Event', no, wt);
      time = fixed64String(b, at, end);
      pos = at + 8;
    } else if (no === 2) {
      if (wt !== LEN) wrongType('Span.Event', no, wt);
      const body = lenBody(b, at, end, 'event name');
      name = shortString(b, body, pos, valueCache);
    } else if (no === 3) {
      if (wt !== LEN) wrongType('Span.Event', no, wt);
      const body = lenBody(b, at, end, 'KeyValue');
      const next = pos;
      keyValue(b, body, next, 0, attributes);
      pos = next;
    } else {
      if (no === 0) fail('field number 0');
      pos = skip(b, wt, at, end);
    }
    at = pos;
  }
  return { name, timeUnixNano: time, attributes };
}

function link(b: Buffer, at: number, end: number): SpanLinkRecord {
  let traceId = '';
  let spanId = '';
  const attributes: Attributes = {};
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 1 || no === 2) {
      if (wt !== LEN) wrongType('Span.Link', no, wt);
      const body = lenBody(b, at, end, 'link id');
      const id = b.toString('hex', body, pos);
      if (no === 1) traceId = id;
      else spanId = id;
    } else if (no === 4) {
      if (wt !== LEN) wrongType('Span.Link', no, wt);
      const body = lenBody(b, at, end, 'KeyValue');
      const next = pos;
      keyValue(b, body, next, 0, attributes);
      pos = next;
    } else {
      if (no === 0) fail('field number 0');
      if (no === 3 && wt !== LEN) wrongType('Span.Link', no, wt);
      pos = skip(b, wt, at, end);
    }
    at = pos;
  }
  return { traceId, spanId, attributes };
}

/** Status: code (field 3) and message (field 2); the last Status of a span replaces earlier ones. */
let statusCode = 0;
let statusMessage = '';
function status(b: Buffer, at: number, end: number): void {
  statusCode = 0;
  statusMessage = '';
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 2) {
      if (wt !== LEN) wrongType('Status', no, wt);
      const body = lenBody(b, at, end, 'status message');
      statusMessage = utf8(b, body, pos);
    } else if (no === 3) {
      if (wt !== VARINT) wrongType('Status', no, wt);
      statusCode = varint32(b, at, end);
    } else {
      if (no === 0) fail('field number 0');
      pos = skip(b, wt, at, end);
    }
    at = pos;
  }
}

/** Appends the span in [at, end) to `out`, or returns false when its ids are invalid. */
function span(
  b: Buffer,
  at: number,
  end: number,
  resource: Attributes,
  scopeName: string,
  scopeVersion: string,
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
  let hasStatus = false;
  let code = 0;
  let message = '';
  const attributes: Attributes = {};
  const events: SpanEventRecord[] = [];
  const links: SpanLinkRecord[] = [];
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    switch (no) {
      case 1:
      case 2:
      case 4: {
        if (wt !== LEN) wrongType('Span', no, wt);
        const body = lenBody(b, at, end, 'Span id');
        const len = pos - body;
        if (no === 1) [traceAt, traceLen] = [body, len];
        else if (no === 2) [spanAt, spanLen] = [body, len];
        else [parentAt, parentLen] = [body, len];
        break;
      }
      case 5: {
        if (wt !== LEN) wrongType('Span', no, wt);
        const body = lenBody(b, at, end, 'span name');
        name = shortString(b, body, pos, valueCache);
        break;
      }
      case 6:
        if (wt !== VARINT) wrongType('Span', no, wt);
        kind = varint32(b, at, end);
        break;
      case 7:
      case 8:
        if (wt !== I64) wrongType('Span', no, wt);
        if (no === 7) start = fixed64String(b, at, end);
        else endTime = fixed64String(b, at, end);
        pos = at + 8;
        break;
      case 9: {
        if (wt !== LEN) wrongType('Span', no, wt);
        const body = lenBody(b, at, end, 'KeyValue');
        const next = pos;
        keyValue(b, body, next, 0, attributes);
        pos = next;
        break;
      }
      case 11: {
        if (wt !== LEN) wrongType('Span', no, wt);
        const body = lenBody(b, at, end, 'Span.Event');
        const next = pos;
        events.push(event(b, body, next));
        pos = next;
        break;
      }
      case 13: {
        if (wt !== LEN) wrongType('Span', no, wt);
        const body = lenBody(b, at, end, 'Span.Link');
        const next = pos;
        links.push(link(b, body, next));
        pos = next;
        break;
      }
      case 15: {
        if (wt !== LEN) wrongType('Span', no, wt);
        const body = lenBody(b, at, end, 'Status');
        const next = pos;
        status(b, body, next);
        hasStatus = true;
        code = statusCode;
        message = statusMessage;
        pos = next;
        break;
      }
      default:
        if (no === 0) fail('field number 0');
        if ((no === 3 && wt !== LEN) || (no === 16 && wt !== I32)) wrongType('Span', no, wt);
        if ((no === 10 || no === 12 || no === 14) && wt !== VARINT) wrongType('Span', no, wt);
        pos = skip(b, wt, at, end);
    }
    at = pos;
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
    statusCode: hasStatus ? code : 0,
    statusMessage: hasStatus ? message : '',
    attributes,
    events,
    links,
    resource,
    scopeName,
    scopeVersion,
    enrichment: {},
  });
  return true;
}

/** The body [at, end) of the last occurrence of message field `field`, or [-1, -1]. */
function lastOf(b: Buffer, at: number, end: number, field: number, what: string): [number, number] {
  let last: [number, number] = [-1, -1];
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) fail('field number 0');
    if (no === field) {
      if (wt !== LEN) wrongType(what, no, wt);
      const body = lenBody(b, at, end, what);
      last = [body, pos];
    } else pos = skip(b, wt, at, end);
    at = pos;
  }
  return last;
}

/** The name and version of an InstrumentationScope (the last of each). */
function scope(b: Buffer, at: number, end: number): [string, string] {
  let name = '';
  let version = '';
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 1 || no === 2) {
      if (wt !== LEN) wrongType('InstrumentationScope', no, wt);
      const body = lenBody(b, at, end, 'scope name');
      const s = shortString(b, body, pos, valueCache);
      if (no === 1) name = s;
      else version = s;
    } else {
      if (no === 0) fail('field number 0');
      pos = skip(b, wt, at, end);
    }
    at = pos;
  }
  return [name, version];
}

/** Decodes an OTLP/protobuf ExportTraceServiceRequest. Throws `OtlpDecodeError` for bad input. */
export function decodeTracesProtobuf(body: Uint8Array): DecodedSpans {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const spans: SpanRecord[] = [];
  let rejected = 0;
  forEach(b, 0, b.length, 1, 'ResourceSpans', (rsAt, rsEnd) => {
    const [resAt, resEnd] = lastOf(b, rsAt, rsEnd, 1, 'Resource');
    const resource: Attributes = {};
    if (resAt >= 0) keyValues(b, resAt, resEnd, 1, 0, resource);
    forEach(b, rsAt, rsEnd, 2, 'ScopeSpans', (ssAt, ssEnd) => {
      const [scAt, scEnd] = lastOf(b, ssAt, ssEnd, 1, 'InstrumentationScope');
      const [scopeName, scopeVersion] = scAt >= 0 ? scope(b, scAt, scEnd) : ['', ''];
      forEach(b, ssAt, ssEnd, 2, 'Span', (sAt, sEnd) => {
        if (!span(b, sAt, sEnd, resource, scopeName, scopeVersion, spans)) rejected++;
      });
    });
  });
  return rejected ? { spans, rejected, rejectReason: REJECT_REASON } : { spans, rejected };
}

/** Calls `each(bodyAt, bodyEnd)` for every occurrence of message field `field` in [at, end). */
function forEach(
  b: Buffer,
  at: number,
  end: number,
  field: number,
  what: string,
  each: (at: number, end: number) => void,
): void {
  while (at < end) {
    const tag = varint(b, at, end);
    at = pos;
    const no = tag >>> 3;
    const wt = tag & 7;
    if (no === 0) fail('field number 0');
    if (no === field) {
      if (wt !== LEN) wrongType(what, no, wt);
      const body = lenBody(b, at, end, what);
      const next = pos;
      each(body, next);
      at = next;
    } else at = skip(b, wt, at, end);
  }
}
