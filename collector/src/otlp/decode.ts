import type { Attributes, AttrValue, LogRecordRecord, SpanEventRecord, SpanRecord } from '../model.js';
import { OtlpDecodeError } from './decode-error.js';
import { decodeTracesProtobuf } from './decode-traces-protobuf.js';
import { otlpTypes } from './proto.js';

/**
 * OTLP request decoding (JSON and protobuf) into the internal model.
 * JSON follows https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding: lowerCamelCase
 * keys, hex trace/span ids, int64 as string or number, enums as integers. Protobuf messages decoded by
 * protobufjs have the same camelCase shape, with Buffers for bytes and Long for 64-bit integers, so
 * one walker handles both.
 */

export { OtlpDecodeError };

export interface DecodedSpans {
  spans: SpanRecord[];
  /** Spans that could not be accepted (bad ids), for the partial-success answer. */
  rejected: number;
  rejectReason?: string;
}

export interface DecodedLogs {
  logs: LogRecordRecord[];
  rejected: number;
  rejectReason?: string;
}

type Wire = any;

const HEX_RE = /^[0-9a-fA-F]*$/;
const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function has(o: Wire, k: string): boolean {
  return o != null && Object.hasOwn(o, k);
}

function isLong(v: Wire): v is { low: number; high: number } {
  return typeof v === 'object' && v !== null && typeof v.low === 'number' && typeof v.high === 'number';
}

/** int64/fixed64 as a decimal string. */
function int64String(v: Wire, signed: boolean): string {
  if (v === undefined || v === null || v === '') return '0';
  if (typeof v === 'string') {
    if (!/^-?\d+$/.test(v))
      throw new OtlpDecodeError(`invalid integer value: ${JSON.stringify(v).slice(0, 40)}`);
    return v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new OtlpDecodeError('invalid integer value');
    return BigInt(Math.trunc(v)).toString();
  }
  if (isLong(v)) {
    const big = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return (signed ? BigInt.asIntN(64, big) : big).toString();
  }
  throw new OtlpDecodeError('invalid integer value');
}

function idHex(v: Wire, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') {
    if (!HEX_RE.test(v)) throw new OtlpDecodeError(`${what} is not hex`);
    return v.toLowerCase();
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  // protobufjs' default for an absent bytes field is an empty array.
  if (Array.isArray(v)) return Buffer.from(v as number[]).toString('hex');
  throw new OtlpDecodeError(`${what} has an invalid type`);
}

/**
 * A string field: absent is '', numbers and booleans read as text; anything else (an object, an array)
 * is malformed input. `String()` of such a value can throw (`{"toString":1}`) or invent text.
 */
function text(v: Wire, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new OtlpDecodeError(`${what} is not a string`);
}

function enumNumber(v: Wire, names: Record<string, number>): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v in names) return names[v] as number;
  return 0;
}

const MAX_DEPTH = 32;

/**
 * OTLP AnyValue → plain JS value (see model.ts). With `build` false it only validates (the same errors)
 * and returns null: the receiver counts JSON requests that way (`scanTracesJson`).
 */
export function anyValue(v: Wire, depth = 0, build = true): AttrValue {
  if (v == null || typeof v !== 'object') return null;
  if (depth > MAX_DEPTH) throw new OtlpDecodeError('AnyValue nested too deeply');
  if (has(v, 'stringValue')) {
    const s = text(v.stringValue, 'stringValue');
    return build ? s : null;
  }
  if (has(v, 'boolValue')) return build ? Boolean(v.boolValue) : null;
  if (has(v, 'intValue')) {
    const s = int64String(v.intValue, true);
    const n = Number(s);
    return !build ? null : Number.isSafeInteger(n) ? n : s;
  }
  if (has(v, 'doubleValue')) {
    const d = v.doubleValue;
    // JSON may carry "NaN", "Infinity", "-Infinity" (or any number) as a string.
    if (typeof d !== 'number' && typeof d !== 'string' && d != null)
      throw new OtlpDecodeError('doubleValue is not a number');
    return !build ? null : typeof d === 'number' ? d : Number(d);
  }
  if (has(v, 'arrayValue')) {
    const vals = v.arrayValue?.values ?? [];
    if (!Array.isArray(vals)) throw new OtlpDecodeError('arrayValue.values is not an array');
    if (build) return vals.map((x: Wire) => anyValue(x, depth + 1));
    for (const x of vals) anyValue(x, depth + 1, false);
    return null;
  }
  if (has(v, 'kvlistValue')) return keyValues(v.kvlistValue?.values, depth + 1, build);
  if (has(v, 'bytesValue')) {
    const b = v.bytesValue;
    if (typeof b === 'string') return build ? b : null;
    // protobufjs gives a Buffer (or an empty array for the default); JSON gives base64 text.
    if (!(b instanceof Uint8Array) && !Array.isArray(b)) throw new OtlpDecodeError('bytesValue is not bytes');
    return build ? Buffer.from(b).toString('base64') : null;
  }
  return null;
}

/** Returned by `keyValues` when it only validates: never written to. */
const NO_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;

function keyValues(list: Wire, depth = 0, build = true): Attributes {
  const out: Attributes = build ? {} : NO_ATTRIBUTES;
  if (list == null) return out;
  if (!Array.isArray(list)) throw new OtlpDecodeError('attributes is not an array');
  for (const kv of list) {
    if (kv == null || typeof kv.key !== 'string') continue;
    const value = anyValue(kv.value, depth, build);
    if (build) out[kv.key] = value;
  }
  return out;
}

function arr(v: Wire, what: string): Wire[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${what} is not an array`);
  return v;
}

/** Walks an ExportTraceServiceRequest (JSON object or decoded protobuf message). */
export function spansFromRequest(req: Wire): DecodedSpans {
  const { spans, rejected, rejectReason } = walkSpans(req, true);
  return { spans, rejected, rejectReason };
}

/**
 * Validates and counts an OTLP/JSON trace export body as `decodeTraces` would decode it (the same errors,
 * the same accepted and rejected counts) without building the records: what the receiver needs before
 * it logs the body for the loader, which decodes it (once) off the acknowledgement path.
 */
export function scanTracesJson(body: Buffer): { spans: number; rejected: number; rejectReason?: string } {
  const { accepted, rejected, rejectReason } = walkSpans(jsonDecode(body), false);
  return rejectReason ? { spans: accepted, rejected, rejectReason } : { spans: accepted, rejected };
}

/** The spans of a request (`build`), or only their validation and counts. */
function walkSpans(
  req: Wire,
  build: boolean,
): { spans: SpanRecord[]; accepted: number; rejected: number; rejectReason?: string } {
  if (req == null || typeof req !== 'object' || Array.isArray(req)) {
    throw new OtlpDecodeError('request body is not an ExportTraceServiceRequest object');
  }
  const spans: SpanRecord[] = [];
  let accepted = 0;
  let rejected = 0;
  let rejectReason: string | undefined;
  for (const rs of arr(req.resourceSpans, 'resourceSpans')) {
    const resource = keyValues(rs?.resource?.attributes, 0, build);
    for (const ss of arr(rs?.scopeSpans, 'scopeSpans')) {
      const scopeName = text(ss?.scope?.name, 'scope name');
      const scopeVersion = text(ss?.scope?.version, 'scope version');
      for (const s of arr(ss?.spans, 'spans')) {
        const traceId = idHex(s?.traceId, 'traceId');
        const spanId = idHex(s?.spanId, 'spanId');
        if (traceId.length !== 32 || spanId.length !== 16 || /^0+$/.test(traceId) || /^0+$/.test(spanId)) {
          rejected++;
          rejectReason = 'span with an invalid trace or span id';
          continue;
        }
        const parent = idHex(s.parentSpanId, 'parentSpanId');
        const events: SpanEventRecord[] = arr(s.events, 'events').map((e: Wire) => ({
          name: text(e?.name, 'event name'),
          timeUnixNano: int64String(e?.timeUnixNano, false),
          attributes: keyValues(e?.attributes, 0, build),
        }));
        const links = arr(s.links, 'links').map((l: Wire) => ({
          traceId: idHex(l?.traceId, 'link traceId'),
          spanId: idHex(l?.spanId, 'link spanId'),
          attributes: keyValues(l?.attributes, 0, build),
        }));
        const startTimeUnixNano = int64String(s.startTimeUnixNano, false);
        const endTimeUnixNano = int64String(s.endTimeUnixNano, false);
        const attributes = keyValues(s.attributes, 0, build);
        const name = text(s.name, 'span name');
        const statusMessage = text(s.status?.message, 'status message');
        accepted++;
        if (!build) continue;
        spans.push({
          traceId,
          spanId,
          parentSpanId: parent.length === 16 && !/^0+$/.test(parent) ? parent : '',
          name,
          kind: enumNumber(s.kind, SPAN_KIND_NAMES),
          startTimeUnixNano,
          endTimeUnixNano,
          statusCode: enumNumber(s.status?.code, STATUS_NAMES),
          statusMessage,
          attributes,
          events,
          links,
          resource,
          scopeName,
          scopeVersion,
          enrichment: {},
        });
      }
    }
  }
  return { spans, accepted, rejected, rejectReason };
}

/** Walks an ExportLogsServiceRequest (JSON object or decoded protobuf message). */
export function logsFromRequest(req: Wire): DecodedLogs {
  if (req == null || typeof req !== 'object' || Array.isArray(req)) {
    throw new OtlpDecodeError('request body is not an ExportLogsServiceRequest object');
  }
  const logs: LogRecordRecord[] = [];
  for (const rl of arr(req.resourceLogs, 'resourceLogs')) {
    const resource = keyValues(rl?.resource?.attributes);
    for (const sl of arr(rl?.scopeLogs, 'scopeLogs')) {
      const scopeName = text(sl?.scope?.name, 'scope name');
      const scopeVersion = text(sl?.scope?.version, 'scope version');
      for (const r of arr(sl?.logRecords, 'logRecords')) {
        if (r == null || typeof r !== 'object') continue;
        const attributes = keyValues(r.attributes);
        // Pre-1.37 SDKs carried the event name in the `event.name` attribute.
        const legacyName = attributes['event.name'];
        logs.push({
          timeUnixNano: int64String(r.timeUnixNano, false),
          observedTimeUnixNano: int64String(r.observedTimeUnixNano, false),
          traceId: idHex(r.traceId, 'traceId'),
          spanId: idHex(r.spanId, 'spanId'),
          severityNumber: enumNumber(r.severityNumber, {}),
          severityText: text(r.severityText, 'severityText'),
          eventName: text(r.eventName || (typeof legacyName === 'string' ? legacyName : ''), 'eventName'),
          body: has(r, 'body') ? anyValue(r.body) : null,
          attributes,
          resource,
          scopeName,
          scopeVersion,
        });
      }
    }
  }
  return { logs, rejected: 0 };
}

function protoDecodeLogs(body: Buffer): Wire {
  try {
    return otlpTypes().ExportLogsServiceRequest.decode(body);
  } catch (err) {
    throw new OtlpDecodeError(`invalid protobuf: ${(err as Error).message}`);
  }
}

function jsonDecode(body: Buffer): Wire {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
}

export type OtlpEncoding = 'json' | 'protobuf';

/**
 * Decodes an OTLP trace export body. Throws `OtlpDecodeError` for bad input. Protobuf goes straight from
 * the wire to records (`decodeTracesProtobuf`), JSON through `JSON.parse` and `spansFromRequest`.
 */
export function decodeTraces(body: Buffer, encoding: OtlpEncoding): DecodedSpans {
  return encoding === 'json' ? spansFromRequest(jsonDecode(body)) : decodeTracesProtobuf(body);
}

/** Decodes an OTLP logs export body. Throws `OtlpDecodeError` for bad input. */
export function decodeLogs(body: Buffer, encoding: OtlpEncoding): DecodedLogs {
  return logsFromRequest(encoding === 'json' ? jsonDecode(body) : protoDecodeLogs(body));
}
