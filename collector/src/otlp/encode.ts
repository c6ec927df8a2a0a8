import type { Attributes, AttrValue, SpanRecord } from '../model.js';
import type { OtlpEncoding } from './decode.js';
import { otlpTypes } from './proto.js';

/** Our enrichment, forwarded downstream in our own namespace (never gen_ai.usage.cost.* / gen_ai.guardrail.*). */
export const ATTR_GENAI_OPS_COST_USD = 'genai_ops.cost.usd' as const;
export const ATTR_GENAI_OPS_COST_INPUT_USD = 'genai_ops.cost.input_usd' as const;
export const ATTR_GENAI_OPS_COST_OUTPUT_USD = 'genai_ops.cost.output_usd' as const;
export const ATTR_GENAI_OPS_COST_PRICE_VERSION = 'genai_ops.cost.price_version' as const;
export const ATTR_GENAI_OPS_COST_PRICE_SOURCE = 'genai_ops.cost.price_source' as const;
export const ATTR_GENAI_OPS_COST_REASON = 'genai_ops.cost.reason' as const;
export const ATTR_GENAI_OPS_NORMALIZATION_SOURCE = 'genai_ops.normalization.source' as const;
export const ATTR_GENAI_OPS_COUNTS_USAGE = 'genai_ops.counts_usage' as const;

type Wire = any;

/**
 * How ids, int64 values and nanosecond timestamps are written: as OTLP/JSON has them (hex, decimal
 * strings), or ready for protobufjs' `encode` (bytes, numbers, `{low, high}`), so the protobuf body is
 * built without `fromObject` (which parsed base64 ids and decimal timestamps back, per span).
 */
interface WireShape {
  id(hex: string): string | Uint8Array;
  int(v: number): string | number;
  time(ns: string): string | { low: number; high: number };
}
const JSON_SHAPE: WireShape = { id: (hex) => hex, int: (v) => String(v), time: (ns) => ns };
const PROTO_SHAPE: WireShape = {
  id: (hex) => Buffer.from(hex, 'hex'),
  int: (v) => v,
  time: (ns) => {
    const n = BigInt(ns);
    return { low: Number(n & 0xffffffffn), high: Number((n >> 32n) & 0xffffffffn) };
  },
};

function toAnyValue(v: AttrValue, shape: WireShape): Wire {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: shape.int(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => toAnyValue(x, shape)) } };
  return { kvlistValue: { values: toKeyValues(v, shape) } };
}

function toKeyValues(a: Attributes, shape: WireShape): Wire[] {
  const out: Wire[] = [];
  for (const key of Object.keys(a)) out.push({ key, value: toAnyValue(a[key] as AttrValue, shape) });
  return out;
}

/** The span's attributes plus our enrichment under `genai_ops.*`. */
export function enrichedAttributes(span: SpanRecord): Attributes {
  const attrs: Attributes = { ...span.attributes };
  const e = span.enrichment;
  if (e.cost) {
    if (e.cost.totalUsd !== null && e.cost.totalUsd !== undefined)
      attrs[ATTR_GENAI_OPS_COST_USD] = e.cost.totalUsd;
    if (e.cost.inputUsd != null) attrs[ATTR_GENAI_OPS_COST_INPUT_USD] = e.cost.inputUsd;
    if (e.cost.outputUsd != null) attrs[ATTR_GENAI_OPS_COST_OUTPUT_USD] = e.cost.outputUsd;
    if (e.cost.priceVersion) attrs[ATTR_GENAI_OPS_COST_PRICE_VERSION] = e.cost.priceVersion;
    if (e.cost.priceSource) attrs[ATTR_GENAI_OPS_COST_PRICE_SOURCE] = e.cost.priceSource;
    if (e.cost.reason) attrs[ATTR_GENAI_OPS_COST_REASON] = e.cost.reason;
  }
  if (e.normalization) attrs[ATTR_GENAI_OPS_NORMALIZATION_SOURCE] = e.normalization.source;
  if (e.countsUsage !== undefined) attrs[ATTR_GENAI_OPS_COUNTS_USAGE] = e.countsUsage;
  return attrs;
}

/**
 * Builds an ExportTraceServiceRequest in OTLP/JSON shape or in the shape protobufjs' `encode` takes
 * (see `WireShape`). Spans are grouped by resource and scope.
 */
function buildRequest(spans: SpanRecord[], shape: WireShape): Wire {
  const id = shape.id;
  type ResourceGroup = { resource: Attributes; scopes: Map<string, Wire> };
  const byResource = new Map<string, ResourceGroup>();
  // Spans decoded from one ResourceSpans share their resource object: keyed (serialized) once per run.
  let last: ResourceGroup | undefined;
  for (const s of spans) {
    let r = last?.resource === s.resource ? last : undefined;
    if (!r) {
      const rKey = JSON.stringify(s.resource);
      r = byResource.get(rKey);
      if (!r) {
        r = { resource: s.resource, scopes: new Map() };
        byResource.set(rKey, r);
      }
      last = r;
    }
    const sKey = `${s.scopeName}\u0000${s.scopeVersion}`;
    let scope = r.scopes.get(sKey);
    if (!scope) {
      scope = { scope: { name: s.scopeName, version: s.scopeVersion }, spans: [] };
      r.scopes.set(sKey, scope);
    }
    scope.spans.push({
      traceId: id(s.traceId),
      spanId: id(s.spanId),
      ...(s.parentSpanId ? { parentSpanId: id(s.parentSpanId) } : {}),
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: shape.time(s.startTimeUnixNano),
      endTimeUnixNano: shape.time(s.endTimeUnixNano),
      attributes: toKeyValues(enrichedAttributes(s), shape),
      events: s.events.map((e) => ({
        timeUnixNano: shape.time(e.timeUnixNano),
        name: e.name,
        attributes: toKeyValues(e.attributes, shape),
      })),
      links: s.links.map((l) => ({
        traceId: id(l.traceId),
        spanId: id(l.spanId),
        attributes: toKeyValues(l.attributes, shape),
      })),
      status: { code: s.statusCode, ...(s.statusMessage ? { message: s.statusMessage } : {}) },
    });
  }
  return {
    resourceSpans: [...byResource.values()].map((r) => ({
      resource: { attributes: toKeyValues(r.resource, shape) },
      scopeSpans: [...r.scopes.values()],
    })),
  };
}

/** Encodes spans (with enrichment) as an OTLP/HTTP trace export body. */
export function encodeTraces(spans: SpanRecord[], encoding: OtlpEncoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(buildRequest(spans, JSON_SHAPE)));
  const T = otlpTypes().ExportTraceServiceRequest;
  return Buffer.from(T.encode(buildRequest(spans, PROTO_SHAPE)).finish());
}
