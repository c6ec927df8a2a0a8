import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_PROMPT_VERSION,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '@genai-ops/core';
import type { Attributes, AttrValue, SpanRecord } from '../model.js';
import { isRecordedJson } from '../processors/shared-parse.js';

/** `service.name` resource attribute. */
export const ATTR_SERVICE_NAME = 'service.name' as const;

/** The typed columns of one `spans` row, derived from normalized attributes via the core constants. */
export interface SpanColumns {
  serviceName: string | null;
  durationMs: number | null;
  errorType: string | null;
  operationName: string | null;
  providerName: string | null;
  requestModel: string | null;
  responseModel: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  costInputUsd: number | null;
  costOutputUsd: number | null;
  priceVersion: string | null;
  costReason: string | null;
  countsUsage: boolean | null;
  conversationId: string | null;
  agentName: string | null;
  promptName: string | null;
  promptVersion: string | null;
  systemInstructions: string | null;
  inputMessages: string | null;
  outputMessages: string | null;
  toolDefinitions: string | null;
  normalizationSource: string | null;
}

function s(v: AttrValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * A count for a BIGINT column. Beyond 2^53 (a 64-bit intValue arrives as a string, a double can be
 * 1e20) it is no real count and may not fit int64, which fails the whole append: null (the attribute
 * keeps the value).
 */
function n(v: AttrValue | undefined): number | null {
  const t =
    typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(t) ? t : null;
}

/**
 * A `\uD800`-`\uDFFF` escape that is not half of a pair, after an even number of backslashes (not
 * an escaped backslash followed by text). `JSON.stringify` writes one for a lone surrogate (e.g. a
 * string an SDK truncated between the two halves of an emoji), and DuckDB's JSON functions refuse it:
 * one such row failed every query that reads the column with `->>` or `json_extract`.
 */
const LONE_SURROGATE_ESCAPE =
  /(?<=(?:^|[^\\])(?:\\\\)*)(?:\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})/gi;

/**
 * JSON text DuckDB's JSON functions accept: lone surrogate escapes become U+FFFD (as the UTF-8
 * encoding of a raw lone surrogate does). The usual text has no `\ud` at all and is returned as is.
 */
export function wellFormedJson(text: string): string {
  if (!text.includes('\\ud') && !text.includes('\\uD')) return text;
  return text.replace(LONE_SURROGATE_ESCAPE, '\\ufffd');
}

/**
 * JSON text for a message attribute: kept as is when it is JSON (checked by the normalizer, see
 * `recordJsonTexts`, or parsed here), stored as a JSON string otherwise (DuckDB's appender does not
 * validate JSON columns, so we do).
 */
function json(a: Attributes, key: string): string | null {
  const v = a[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return wellFormedJson(isRecordedJson(a, v) || isJson(v) ? v : JSON.stringify(v));
  return wellFormedJson(JSON.stringify(v));
}

function isJson(text: string): boolean {
  const c = text.trimStart()[0];
  if (c !== '[' && c !== '{' && c !== '"') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function num(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Lowest and highest int64: a TIMESTAMP_NS holds no other value. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * OTLP nanoseconds (a fixed64 string, up to 2^64-1; JSON allows any integer) as a TIMESTAMP_NS value,
 * or null when missing or out of the int64 range (appending it would fail the whole batch).
 */
export function nsBigInt(ns: string): bigint | null {
  if (!ns || ns === '0') return null;
  const v = BigInt(ns);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

/** Duration in ms from OTLP nanosecond strings, or null when either end is missing or out of range. */
export function durationMs(startNs: string, endNs: string): number | null {
  const start = nsBigInt(startNs);
  const end = nsBigInt(endNs);
  return start === null || end === null ? null : Number(end - start) / 1e6;
}

/** Derives the typed columns of a span. Pure. */
export function spanColumns(span: SpanRecord): SpanColumns {
  const a = span.attributes;
  const e = span.enrichment;
  return {
    serviceName: s(span.resource[ATTR_SERVICE_NAME]),
    durationMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    errorType: s(a[ATTR_ERROR_TYPE]),
    operationName: s(a[ATTR_GEN_AI_OPERATION_NAME]),
    providerName: s(a[ATTR_GEN_AI_PROVIDER_NAME]),
    requestModel: s(a[ATTR_GEN_AI_REQUEST_MODEL]),
    responseModel: s(a[ATTR_GEN_AI_RESPONSE_MODEL]),
    inputTokens: n(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS]),
    outputTokens: n(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]),
    cacheReadTokens: n(a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]),
    cacheCreationTokens: n(a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]),
    reasoningTokens: n(a[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]),
    costUsd: num(e.cost?.totalUsd),
    costInputUsd: num(e.cost?.inputUsd),
    costOutputUsd: num(e.cost?.outputUsd),
    priceVersion: e.cost?.priceVersion ?? null,
    costReason: e.cost?.reason ?? null,
    countsUsage: e.countsUsage ?? null,
    conversationId: s(a[ATTR_GEN_AI_CONVERSATION_ID]),
    agentName: s(a[ATTR_GEN_AI_AGENT_NAME]),
    promptName: s(a[ATTR_GEN_AI_PROMPT_NAME]),
    promptVersion: s(a[ATTR_GEN_AI_PROMPT_VERSION]),
    systemInstructions: json(a, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS),
    inputMessages: json(a, ATTR_GEN_AI_INPUT_MESSAGES),
    outputMessages: json(a, ATTR_GEN_AI_OUTPUT_MESSAGES),
    toolDefinitions: json(a, ATTR_GEN_AI_TOOL_DEFINITIONS),
    normalizationSource: e.normalization?.source ?? null,
  };
}
