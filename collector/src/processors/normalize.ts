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
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
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
  parseJsonValue,
  parseMessageAttr,
  toInputMessage,
  toOutputMessage,
  toToolDefinition,
  unflatten,
} from './normalize-messages.js';
import { isStringifyOf, recordJsonTexts, shareParsed } from './shared-parse.js';
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
  // A string array AnyValue often holds one JSON message per item (an attribute cannot hold a list of maps).
  const items: unknown[] = value;
  const list = items.map((item) => convert(typeof item === 'string' ? (parseJsonValue(item) ?? item) : item));
  // An item we cannot convert is never dropped (null holds nothing): the value is kept as sent, as JSON text.
  if (list.some((x, i) => x === undefined && items[i] !== null)) {
    if (typeof b.get(key) !== 'string') b.replace(key, canonicalJson(items));
    return;
  }
  b.replace(key, canonicalJson(list.filter((x) => x !== undefined)));
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

const isCanonicalMessage = (m: unknown): boolean => isObj(m) && Array.isArray(m.parts);

/**
 * The message attributes `canonicalizeMessageAttrs` rewrites, each with the test of an item it keeps as
 * it is (the identity case of its converter).
 */
const MESSAGE_ATTRS: ReadonlyArray<readonly [string, (item: unknown) => boolean]> = [
  [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, (p) => typeof p !== 'string'],
  [ATTR_GEN_AI_INPUT_MESSAGES, isCanonicalMessage],
  [ATTR_GEN_AI_OUTPUT_MESSAGES, isCanonicalMessage],
  [ATTR_GEN_AI_TOOL_DEFINITIONS, (t) => isObj(t) && typeof t.type === 'string' && typeof t.name === 'string'],
];
const FLATTENED_PREFIXES = MESSAGE_ATTRS.map(([key]) => `${key}.`);

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/**
 * The result of `normalizeSpan` for a span already in the current conventions, or undefined when the
 * span needs the full path. Already current means: no source mapper applies, none of the keys the
 * source-less path maps is there, and every message attribute is a JSON string that is already the
 * canonical serialization of canonical items (what `canonicalizeMessageAttrs` would rewrite it to).
 * Then the full path changes nothing but copies, so this returns the same result without building it.
 * The parsed messages are recorded for the guardrail scan when `share` is set.
 */
function normalizeCurrent(span: SpanRecord, share: boolean): SpanRecord | undefined {
  const a = span.attributes;
  if (
    a[DRAFT_USAGE_CACHE_WRITE_INPUT_TOKENS] !== undefined ||
    a[METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK] !== undefined
  )
    return undefined;
  let parsed: Array<[string, string, unknown]> | undefined;
  const texts: string[] = [];
  let absent = false;
  for (const [key, kept] of MESSAGE_ATTRS) {
    const v = a[key];
    if (v === undefined || v === null) {
      absent = true;
      continue;
    }
    // '' and non-JSON strings are rewritten (system instructions) or looked up as flattened keys.
    if (typeof v !== 'string') return undefined;
    const value = parseJsonValue(v);
    if (!Array.isArray(value)) return undefined;
    for (const item of value) if (!kept(item)) return undefined;
    if (!isStringifyOf(v, value)) return undefined;
    texts.push(v);
    if (share) {
      parsed ??= [];
      parsed.push([key, v, value]);
    }
  }
  // An absent message attribute may be rebuilt from flattened `{key}.{i}.*` keys.
  if (absent) {
    for (const k in a) {
      if (!k.startsWith('gen_ai.')) continue;
      for (const p of FLATTENED_PREFIXES) if (k.startsWith(p)) return undefined;
    }
  }
  const attributes = { ...a };
  if (parsed) for (const [key, json, value] of parsed) shareParsed(attributes, key, json, value);
  if (texts.length) recordJsonTexts(attributes, texts);
  const op = strAttr(a[ATTR_GEN_AI_OPERATION_NAME]);
  const source =
    present(a[ATTR_GEN_AI_OPERATION_NAME]) || present(a[ATTR_GEN_AI_PROVIDER_NAME])
      ? NORMALIZATION_SOURCES.OTEL_CURRENT
      : NORMALIZATION_SOURCES.NONE;
  const countsUsage = op !== undefined && USAGE_COUNTING_OPERATIONS.has(op);
  return {
    ...span,
    name: span.name,
    attributes,
    enrichment: { ...span.enrichment, normalization: { source, mapped: [] }, countsUsage },
  };
}

/**
 * Normalizes one span to the current conventions. Pure: returns a new span object (attributes and
 * enrichment are new objects; events, links and resource are shared with the input).
 * @param options.shareParsed record the parsed message attributes for the guardrail scan (see
 *   shared-parse.ts). Default false.
 */
export function normalizeSpan(span: SpanRecord, options?: { shareParsed?: boolean }): SpanRecord {
  const detected = firstDetected(span);
  if (detected === SOURCES.length) {
    const current = normalizeCurrent(span, options?.shareParsed === true);
    if (current) return current;
  }
  return normalizeFull(span, detected);
}

/**
 * `normalizeSpan` without the already-current fast path (every span through the source mappers and the
 * canonicalization). Exported for tests, which check the fast path returns the same.
 * @internal
 */
export function normalizeSpanFull(span: SpanRecord): SpanRecord {
  return normalizeFull(span, firstDetected(span));
}

/** Index of the first source that detects the span; SOURCES.length when none does. */
function firstDetected(span: SpanRecord): number {
  let i = 0;
  while (i < SOURCES.length && !(SOURCES[i] as (typeof SOURCES)[number]).detect(span)) i++;
  return i;
}

/** The full path; `detected` is the index of the first source that detects the span (none before does). */
function normalizeFull(span: SpanRecord, detected: number): SpanRecord {
  const b = new AttrBuilder(span.attributes);
  let source: string | undefined;
  for (let i = detected; i < SOURCES.length; i++) {
    const s = SOURCES[i] as (typeof SOURCES)[number];
    if (i > detected && !s.detect(span)) continue;
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
  private readonly _options: { shareParsed: boolean };

  /**
   * @param options.shareParsed record parsed message attributes for a guardrail scan that runs later in
   *   the same pipeline (it takes them; nothing else holds them). Default false.
   */
  constructor(options: { shareParsed?: boolean } = {}) {
    this._options = { shareParsed: options.shareParsed === true };
  }

  processSpans(spans: SpanRecord[]): SpanRecord[] {
    return spans.map((span) => {
      try {
        return normalizeSpan(span, this._options);
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
