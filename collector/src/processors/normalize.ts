/**
 * NormalizeProcessor: every span leaves with the current GenAI conventions' keys (GUIDE.md §10-13),
 * whatever shape it arrived in. Foreign keys stay (we never drop data); canonical keys are added when
 * missing; message attributes become one canonical JSON string form.
 */
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUES as OP,
} from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import type { SpanProcessor } from '../component.js';
import type { LogRecordRecord, SpanRecord } from '../model.js';
import { AttrBuilder, int, strAttr } from './normalize-builder.js';
import {
  canonicalJson,
  contentToParts,
  isObj,
  parseMessageAttr,
  toInputMessage,
  toOutputMessage,
  toToolDefinition,
  unflatten,
} from './normalize-messages.js';
import { applyOpenInference, detectOpenInference } from './vendors/openinference.js';
import { applyOpenLLMetry, detectOpenLLMetry } from './vendors/openllmetry.js';
import { applyOtelLegacy, detectOtelLegacy } from './vendors/otel-legacy.js';
import { applyVercelAi, applyVercelOtel, detectVercelAi } from './vendors/vercel-ai.js';

/** Values of `enrichment.normalization.source`. */
export const NORMALIZATION_SOURCES = {
  OTEL_CURRENT: 'otel-current',
  OTEL_LEGACY: 'otel-legacy',
  OPENLLMETRY: 'openllmetry',
  OPENINFERENCE: 'openinference',
  VERCEL_AI: 'vercel-ai',
  NONE: 'none',
  /** The normalizer failed on this span; it is stored as received. */
  ERROR: 'error',
} as const;

/** The post-pin name of `gen_ai.usage.cache_creation.input_tokens` (not in the pinned registry). */
export const DRAFT_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';

/** Operations whose tokens and cost count in totals (GUIDE.md §13.1): inference and embeddings. */
export const USAGE_COUNTING_OPERATIONS: ReadonlySet<string> = new Set([
  OP.CHAT,
  OP.TEXT_COMPLETION,
  OP.GENERATE_CONTENT,
  OP.EMBEDDINGS,
]);

const KNOWN_OPERATIONS: ReadonlySet<string> = new Set(Object.values(OP));

/**
 * Source mappers, most specific first. Each one only adds keys it derives from its own foreign keys,
 * so applying several (OpenLLMetry spans also carry `gen_ai.system`) is safe; the first that matches
 * names the source.
 */
const SOURCES: Array<{
  source: string;
  detect(s: SpanRecord): boolean;
  apply(s: SpanRecord, b: AttrBuilder): void;
}> = [
  { source: NORMALIZATION_SOURCES.VERCEL_AI, detect: detectVercelAi, apply: applyVercelAi },
  { source: NORMALIZATION_SOURCES.OPENINFERENCE, detect: detectOpenInference, apply: applyOpenInference },
  { source: NORMALIZATION_SOURCES.OPENLLMETRY, detect: detectOpenLLMetry, apply: applyOpenLLMetry },
  { source: NORMALIZATION_SOURCES.OTEL_LEGACY, detect: detectOtelLegacy, apply: applyOtelLegacy },
];

function canonicalList(key: string, b: AttrBuilder, convert: (item: unknown) => unknown): void {
  let value: unknown = parseMessageAttr(b.get(key));
  if (value === undefined && !b.has(key)) value = unflatten(b.out, key, b.srcKeys);
  if (value === undefined) return;
  if (isObj(value)) value = [value];
  if (!Array.isArray(value)) return;
  const list = value.map(convert).filter((x) => x !== undefined);
  b.replace(key, canonicalJson(list));
}

/**
 * Message attributes may arrive as a JSON string, as structured AnyValue or as flattened indexed keys
 * (GUIDE.md §13.3); all leave as one canonical JSON string. Items already in the conventions' shape
 * (`{role, parts}`) are kept as they are; foreign chat messages are converted.
 */
function canonicalizeMessageAttrs(b: AttrBuilder): void {
  canonicalList(ATTR_GEN_AI_INPUT_MESSAGES, b, (m) =>
    isObj(m) && Array.isArray(m.parts) ? m : toInputMessage(m),
  );
  canonicalList(ATTR_GEN_AI_OUTPUT_MESSAGES, b, (m) =>
    isObj(m) && Array.isArray(m.parts) ? m : toOutputMessage(isObj(m) ? { role: 'assistant', ...m } : m),
  );
  const sys = b.get(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS);
  if (typeof sys === 'string' && parseMessageAttr(sys) === undefined) {
    b.replace(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, canonicalJson(contentToParts(sys)));
  } else {
    canonicalList(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, b, (p) =>
      typeof p === 'string' ? { type: 'text', content: p } : p,
    );
  }
  canonicalList(ATTR_GEN_AI_TOOL_DEFINITIONS, b, (t) =>
    isObj(t) && typeof t.type === 'string' && typeof t.name === 'string' ? t : toToolDefinition(t),
  );
}

/**
 * Normalizes one span to the current conventions. Pure: returns a new span object (attributes and
 * enrichment are new objects; events, links and resource are shared with the input).
 */
export function normalizeSpan(span: SpanRecord): SpanRecord {
  const b = new AttrBuilder(span.attributes);
  let source: string | undefined;
  for (const s of SOURCES) {
    if (!s.detect(span)) continue;
    s.apply(span, b);
    source ??= s.source;
  }
  applyVercelOtel(b);
  // In flight after the pin (GUIDE.md §11, #440): cache_creation renamed to cache_write. Accept both.
  b.set(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, int(b.get(DRAFT_USAGE_CACHE_WRITE_INPUT_TOKENS)));
  canonicalizeMessageAttrs(b);
  // A span named `{operation} {model}` that forgot the operation attribute.
  const first = span.name.split(' ')[0] ?? '';
  if (!b.has(ATTR_GEN_AI_OPERATION_NAME) && KNOWN_OPERATIONS.has(first) && source !== undefined) {
    b.set(ATTR_GEN_AI_OPERATION_NAME, first);
  }
  if (source === undefined) {
    source =
      b.has(ATTR_GEN_AI_OPERATION_NAME) || b.has(ATTR_GEN_AI_PROVIDER_NAME)
        ? NORMALIZATION_SOURCES.OTEL_CURRENT
        : NORMALIZATION_SOURCES.NONE;
  }
  const op = strAttr(b.get(ATTR_GEN_AI_OPERATION_NAME));
  const countsUsage = b.countsUsage ?? (op !== undefined && USAGE_COUNTING_OPERATIONS.has(op));
  return {
    ...span,
    name: b.name ?? span.name,
    attributes: b.result(),
    enrichment: { ...span.enrichment, normalization: { source, mapped: b.mapped }, countsUsage },
  };
}

/** Fills `eventName` from the `event.name` attribute older SDKs used before LogRecord had the field. */
export function normalizeLog(log: LogRecordRecord): LogRecordRecord {
  const attr = log.attributes['event.name'];
  if (log.eventName || typeof attr !== 'string') return log;
  return { ...log, eventName: attr };
}

/**
 * The pipeline stage. Stateless; safe to share.
 * @example
 * const spans = new NormalizeProcessor().processSpans(batch.spans);
 */
export class NormalizeProcessor implements SpanProcessor {
  readonly name = 'normalize';

  processSpans(spans: SpanRecord[]): SpanRecord[] {
    return spans.map((span) => {
      try {
        return normalizeSpan(span);
      } catch (err) {
        // A span is never dropped: one the normalizer cannot read is stored as received.
        diag.warn('genai-ops normalize: span left as received', err);
        return {
          ...span,
          enrichment: {
            ...span.enrichment,
            normalization: { source: NORMALIZATION_SOURCES.ERROR, mapped: [] },
          },
        };
      }
    });
  }

  processLogs(logs: LogRecordRecord[]): LogRecordRecord[] {
    return logs.map(normalizeLog);
  }
}
