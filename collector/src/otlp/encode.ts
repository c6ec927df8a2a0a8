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

function toAnyValue(v: AttrValue): Wire {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAnyValue) } };
  return { kvlistValue: { values: toKeyValues(v) } };
}

function toKeyValues(a: Attributes): Wire[] {
  const out: Wire[] = [];
  for (const key of Object.keys(a)) out.push({ key, value: toAnyValue(a[key] as AttrValue) });
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
 * Builds an ExportTraceServiceRequest in OTLP/JSON shape (hex ids) or, with `base64Ids`, in the
 * shape protobufjs' `fromObject` takes (bytes as base64). Spans are grouped by resource and scope.
 */
function buildRequest(spans: SpanRecord[], base64Ids: boolean): Wire {
  const id = (hex: string): string => (base64Ids ? Buffer.from(hex, 'hex').toString('base64') : hex);
  const byResource = new Map<string, { resource: Attributes; scopes: Map<string, Wire> }>();
  for (const s of spans) {
    const rKey = JSON.stringify(s.resource);
    let r = byResource.get(rKey);
    if (!r) {
      r = { resource: s.resource, scopes: new Map() };
      byResource.set(rKey, r);
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
      startTimeUnixNano: s.startTimeUnixNano,
      endTimeUnixNano: s.endTimeUnixNano,
      attributes: toKeyValues(enrichedAttributes(s)),
      events: s.events.map((e) => ({
        timeUnixNano: e.timeUnixNano,
        name: e.name,
        attributes: toKeyValues(e.attributes),
      })),
      links: s.links.map((l) => ({
        traceId: id(l.traceId),
        spanId: id(l.spanId),
        attributes: toKeyValues(l.attributes),
      })),
      status: { code: s.statusCode, ...(s.statusMessage ? { message: s.statusMessage } : {}) },
    });
  }
  return {
    resourceSpans: [...byResource.values()].map((r) => ({
      resource: { attributes: toKeyValues(r.resource) },
      scopeSpans: [...r.scopes.values()],
    })),
  };
}

/** Encodes spans (with enrichment) as an OTLP/HTTP trace export body. */
export function encodeTraces(spans: SpanRecord[], encoding: OtlpEncoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(buildRequest(spans, false)));
  const T = otlpTypes().ExportTraceServiceRequest;
  return Buffer.from(T.encode(T.fromObject(buildRequest(spans, true))).finish());
}
