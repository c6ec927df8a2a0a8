import { getEnv, getEnvBoolean, getEnvInt } from './env.js';

/**
 * Where message content is recorded. The names follow opentelemetry-python util-genai's reading of
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT; a bare `true` means SPAN_ONLY (GUIDE.md §5).
 */
export type CaptureMode = 'NO_CONTENT' | 'SPAN_ONLY' | 'EVENT_ONLY' | 'SPAN_AND_EVENT';

export const ENV_CAPTURE_MESSAGE_CONTENT = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
/** Our own: the maximum length, in characters, of one recorded content attribute. */
export const ENV_CAPTURE_MAX_LENGTH = 'GENAI_OPS_CAPTURE_MAX_LENGTH';
/** Our own: record inline base64 media instead of eliding it. */
export const ENV_CAPTURE_MEDIA = 'GENAI_OPS_CAPTURE_MEDIA';

/** Default cap for one content attribute: 32 KiB of JSON. */
export const DEFAULT_MAX_CONTENT_LENGTH = 32 * 1024;

/** Context handed to a redaction hook with each piece of text about to be recorded. */
export interface RedactContext {
  /** Which attribute the text goes to, e.g. `gen_ai.input.messages`. */
  attribute: string;
  /** Role of the message the text belongs to, when known. */
  role?: string;
}

/**
 * Runs on every string before it is recorded (span attributes and events). It must be synchronous and
 * must not throw; if it throws, the text is replaced by `[REDACTION_FAILED]` (fail closed).
 */
export type RedactHook = (text: string, context: RedactContext) => string;

/** The content-capture part of every genai-ops instrumentation config. */
export interface ContentCaptureConfig {
  /**
   * Record message content. `true` = SPAN_ONLY, `false` = NO_CONTENT.
   * Default: from OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, else NO_CONTENT.
   */
  captureMessageContent?: boolean | CaptureMode;
  /** Max characters per recorded content attribute. Default: GENAI_OPS_CAPTURE_MAX_LENGTH, else 32768. */
  maxContentLength?: number;
  /** Record inline base64 media (images, audio). Default: GENAI_OPS_CAPTURE_MEDIA, else false. */
  captureMedia?: boolean;
  /** Redaction applied to every recorded string. Default: none (see setGlobalRedactHook). */
  redact?: RedactHook;
}

/** The resolved policy an instrumentation applies. */
export interface ContentPolicy {
  readonly mode: CaptureMode;
  readonly onSpan: boolean;
  readonly onEvent: boolean;
  readonly maxLength: number;
  readonly captureMedia: boolean;
  /** The config's own hook. When absent, the process-wide hook in force at recording time applies. */
  readonly redact: RedactHook | undefined;
}

const MODES: readonly CaptureMode[] = ['NO_CONTENT', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT'];

function parseMode(value: boolean | string | undefined): CaptureMode | undefined {
  if (value === undefined) return undefined;
  if (value === true) return 'SPAN_ONLY';
  if (value === false) return 'NO_CONTENT';
  const upper = value.trim().toUpperCase();
  if ((MODES as readonly string[]).includes(upper)) return upper as CaptureMode;
  const lower = value.trim().toLowerCase();
  if (lower === 'true' || lower === '1') return 'SPAN_ONLY';
  if (lower === 'false' || lower === '0') return 'NO_CONTENT';
  return undefined;
}

let globalRedact: RedactHook | undefined;

/**
 * Installs a process-wide redaction hook, used when an instrumentation's config has none. This is how
 * guardrails plug redaction in before anything leaves the process. It is looked up each time content is
 * recorded, so it applies to instrumentations created before it was installed.
 */
export function setGlobalRedactHook(hook: RedactHook | undefined): void {
  globalRedact = hook;
}

/** The process-wide redaction hook, if one is installed. */
export function getGlobalRedactHook(): RedactHook | undefined {
  return globalRedact;
}

/** Resolves the content policy: explicit config wins over the environment; the default captures nothing. */
export function resolveContentPolicy(config: ContentCaptureConfig = {}): ContentPolicy {
  const mode =
    parseMode(config.captureMessageContent) ?? parseMode(getEnv(ENV_CAPTURE_MESSAGE_CONTENT)) ?? 'NO_CONTENT';
  const maxLength =
    config.maxContentLength !== undefined && config.maxContentLength > 0
      ? config.maxContentLength
      : (getEnvInt(ENV_CAPTURE_MAX_LENGTH) ?? DEFAULT_MAX_CONTENT_LENGTH);
  return {
    mode,
    onSpan: mode === 'SPAN_ONLY' || mode === 'SPAN_AND_EVENT',
    onEvent: mode === 'EVENT_ONLY' || mode === 'SPAN_AND_EVENT',
    maxLength,
    captureMedia: config.captureMedia ?? getEnvBoolean(ENV_CAPTURE_MEDIA) ?? false,
    redact: config.redact,
  };
}

const REDACTION_FAILED = '[REDACTION_FAILED]';
const TRUNCATION_MARK = '…[truncated]';

/**
 * Deep-copies `value`, applying redaction to every string leaf and eliding inline media (`blob` parts),
 * without touching the caller's objects.
 */
export function sanitizeContent(value: unknown, policy: ContentPolicy, attribute: string): unknown {
  const redact = policy.redact ?? globalRedact;
  const visit = (v: unknown, role: string | undefined, key: string | undefined): unknown => {
    if (typeof v === 'string') {
      if (!redact || key === 'type' || key === 'role' || key === 'mime_type' || key === 'modality') return v;
      try {
        return redact(v, { attribute, role });
      } catch {
        return REDACTION_FAILED;
      }
    }
    if (Array.isArray(v)) return v.map((item) => visit(item, role, undefined));
    if (v !== null && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      const nextRole = typeof obj.role === 'string' ? obj.role : role;
      if (obj.type === 'blob' && typeof obj.content === 'string' && !policy.captureMedia) {
        // Inline media is elided by default: it is large and rarely wanted in traces.
        const { content, ...rest } = obj;
        return { ...rest, content: '', elided: true, size: Math.floor((content.length * 3) / 4) };
      }
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(obj)) out[k] = visit(child, nextRole, k);
      return out;
    }
    return v;
  };
  return visit(value, undefined, undefined);
}

/** Result of serializing content under a size cap. */
export interface SerializedContent {
  json: string;
  truncated: boolean;
}

/**
 * Serializes `value` to JSON of at most `maxLength` characters while keeping the JSON valid: long strings
 * are cut (marked with `…[truncated]`), and when that is not enough, leading array elements (the oldest
 * messages) are dropped.
 */
export function serializeWithCap(value: unknown, maxLength: number): SerializedContent {
  const json = JSON.stringify(value) ?? 'null';
  if (json.length <= maxLength) return { json, truncated: false };
  const cut = truncateToFit(value, maxLength);
  if (cut !== undefined) return { json: cut, truncated: true };
  if (Array.isArray(value) && value.length > 1) {
    // Too many elements for even short strings: keep the newest elements that fit.
    const sizes = value.map((v) => (JSON.stringify(v) ?? 'null').length + 1);
    let total = 1;
    let first = value.length;
    while (first > 0 && total + sizes[first - 1]! <= maxLength) total += sizes[--first]!;
    if (first === value.length) first = value.length - 1;
    const tail = value.slice(first);
    const tailJson = JSON.stringify(tail) ?? '[]';
    if (tailJson.length <= maxLength) return { json: tailJson, truncated: true };
    const tailCut = truncateToFit(tail, maxLength);
    if (tailCut !== undefined) return { json: tailCut, truncated: true };
  }
  return { json: Array.isArray(value) ? '[]' : 'null', truncated: true };
}

/** Cuts string leaves evenly until the JSON fits; undefined when strings alone cannot make it fit. */
function truncateToFit(value: unknown, maxLength: number): string | undefined {
  let current = value;
  for (let attempt = 0; attempt < 4; attempt++) {
    const leaves: number[] = [];
    collectStringLengths(current, leaves);
    if (leaves.length === 0) return undefined;
    const overhead = (JSON.stringify(current) ?? '').length - leaves.reduce((a, b) => a + b + 2, 0);
    const budget = maxLength - overhead - leaves.length * (TRUNCATION_MARK.length + 8);
    if (budget < leaves.length * 4) return undefined;
    current = truncateStrings(current, fitLimit(leaves, budget));
    const out = JSON.stringify(current) ?? 'null';
    if (out.length <= maxLength) return out;
  }
  return undefined;
}

function collectStringLengths(v: unknown, out: number[]): void {
  if (typeof v === 'string') out.push(v.length);
  else if (Array.isArray(v)) for (const x of v) collectStringLengths(x, out);
  else if (v !== null && typeof v === 'object')
    for (const x of Object.values(v)) collectStringLengths(x, out);
}

/** The largest per-string length `limit` such that the sum of min(len, limit) fits `budget`. */
function fitLimit(lengths: number[], budget: number): number {
  let lo = 0;
  let hi = Math.max(...lengths);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    let sum = 0;
    for (const l of lengths) sum += Math.min(l, mid);
    if (sum <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function truncateStrings(v: unknown, limit: number): unknown {
  if (typeof v === 'string') {
    if (v.length <= limit) return v;
    // Do not split a surrogate pair.
    let end = limit;
    const code = v.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--;
    return v.slice(0, end) + TRUNCATION_MARK;
  }
  if (Array.isArray(v)) return v.map((x) => truncateStrings(x, limit));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = k === 'type' || k === 'role' ? x : truncateStrings(x, limit);
    return out;
  }
  return v;
}
