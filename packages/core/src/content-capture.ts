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

/** What replaces a text whose redaction failed (fail closed). */
export const REDACTION_FAILED = '[REDACTION_FAILED]';
const TRUNCATION_MARK = '…[truncated]';

/** Keys of the conventions' messages and parts whose string values are structure, not content. */
const STRUCTURAL_KEYS: ReadonlySet<string> = new Set(['type', 'role', 'mime_type', 'modality']);
/**
 * Keys whose value is still the conventions' structure (parts, a server tool call's own `type`). Below any
 * other key (tool arguments and results, tool parameters, generic fields) every key and leaf is content.
 */
const STRUCTURAL_CONTAINERS: ReadonlySet<string> = new Set([
  'parts',
  'server_tool_call',
  'server_tool_call_response',
]);
/** A `data:` URL (inline content), whatever its case or leading whitespace. */
const DATA_URL = /^\s*data:/i;

/** The elided form of inline media: its size is kept, its bytes are not. */
function elidedBlob(rest: Record<string, unknown>, data: string): Record<string, unknown> {
  return { ...rest, type: 'blob', content: '', elided: true, size: Math.floor((data.length * 3) / 4) };
}

/**
 * Deep-copies `value`, applying redaction to every string leaf and eliding inline media (`blob` parts,
 * and `data:` URLs left in `uri` parts), without touching the caller's objects. Inside free-form values
 * (tool arguments and results) object keys and numbers go through redaction too: they are content.
 */
export function sanitizeContent(value: unknown, policy: ContentPolicy, attribute: string): unknown {
  const redact = policy.redact ?? globalRedact;
  const redactText = (text: string, role: string | undefined): string => {
    try {
      return (redact as RedactHook)(text, { attribute, role });
    } catch {
      return REDACTION_FAILED;
    }
  };
  // `free`: the value sits inside free-form content, where no key is structural.
  const visit = (v: unknown, role: string | undefined, key: string | undefined, free: boolean): unknown => {
    if (typeof v === 'string') {
      if (!redact || (!free && key !== undefined && STRUCTURAL_KEYS.has(key))) return v;
      return redactText(v, role);
    }
    if (typeof v === 'number') {
      // A phone or card number in tool arguments is still PII; kept a number when nothing matched.
      if (!redact || !free || !Number.isFinite(v)) return v;
      const text = String(v);
      const out = redactText(text, role);
      return out === text ? v : out;
    }
    const inner = free || (key !== undefined && !STRUCTURAL_CONTAINERS.has(key));
    if (Array.isArray(v)) return v.map((item) => visit(item, role, undefined, inner));
    if (v !== null && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      const nextRole = typeof obj.role === 'string' ? obj.role : role;
      if (!policy.captureMedia) {
        // Inline media is elided by default: it is large and rarely wanted in traces.
        if (obj.type === 'blob' && typeof obj.content === 'string') {
          const { content, ...rest } = obj;
          return elidedBlob(rest, content);
        }
        // The conventions want data URLs as blobs; one left in a uri part is inline media all the same.
        if (obj.type === 'uri' && typeof obj.uri === 'string' && DATA_URL.test(obj.uri)) {
          const { uri, ...rest } = obj;
          const comma = uri.indexOf(',');
          return elidedBlob(rest, comma === -1 ? uri : uri.slice(comma + 1));
        }
      }
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(obj))
        out[inner && redact ? redactText(k, nextRole) : k] = visit(child, nextRole, k, inner);
      return out;
    }
    return v;
  };
  return visit(value, undefined, undefined, false);
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

/**
 * Cuts string leaves evenly until the JSON fits; undefined when strings alone cannot make it fit. Lengths
 * are JSON-encoded lengths (a quote or a newline takes two characters, a control character six), so text
 * heavy in escapes is cut to fit rather than dropped.
 */
function truncateToFit(value: unknown, maxLength: number): string | undefined {
  let current = value;
  for (let attempt = 0; attempt < 4; attempt++) {
    const leaves: number[] = [];
    collectStringLengths(current, leaves, undefined);
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

/** Collects the encoded length of each string leaf that may be cut (`type` and `role` never are). */
function collectStringLengths(v: unknown, out: number[], key: string | undefined): void {
  if (typeof v === 'string') {
    if (key !== 'type' && key !== 'role') out.push(JSON.stringify(v).length - 2);
  } else if (Array.isArray(v)) for (const x of v) collectStringLengths(x, out, undefined);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) collectStringLengths(x, out, k);
}

/** The largest per-string length `limit` such that the sum of min(len, limit) fits `budget`. */
function fitLimit(lengths: number[], budget: number): number {
  let lo = 0;
  // A loop, not Math.max(...lengths): spreading ~200k arguments overflows the stack.
  let hi = 0;
  for (const l of lengths) if (l > hi) hi = l;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    let sum = 0;
    for (const l of lengths) sum += Math.min(l, mid);
    if (sum <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * End of the longest prefix of `s` whose JSON encoding (without quotes) takes at most `limit` characters;
 * a surrogate pair is never split (JSON.stringify would escape the lone half into six characters).
 */
function encodedPrefixEnd(s: string, limit: number): number {
  let used = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let width = 1;
    let step = 1;
    if (c < 0x20) width = c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) width = 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        width = 2;
        step = 2;
      } else width = 6;
    }
    if (used + width > limit) break;
    used += width;
    i += step;
  }
  return i;
}

function truncateStrings(v: unknown, limit: number): unknown {
  if (typeof v === 'string') {
    // No character encodes to more than six.
    if (v.length * 6 <= limit) return v;
    const end = encodedPrefixEnd(v, limit);
    return end === v.length ? v : v.slice(0, end) + TRUNCATION_MARK;
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
