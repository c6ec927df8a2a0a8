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

function n(v: AttrValue | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

/**
 * JSON text for a message attribute: kept as is when it is JSON (checked by the normalizer, see
 * `recordJsonTexts`, or parsed here), stored as a JSON string otherwise (DuckDB's appender does not
 * validate JSON columns, so we do).
 */
function json(a: Attributes, key: string): string | null {
  const v = a[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return isRecordedJson(a, v) || isJson(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
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

/** Duration in ms from OTLP nanosecond strings, or null when either end is missing. */
export function durationMs(startNs: string, endNs: string): number | null {
  if (startNs === '0' || endNs === '0') return null;
  return Number(BigInt(endNs) - BigInt(startNs)) / 1e6;
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
