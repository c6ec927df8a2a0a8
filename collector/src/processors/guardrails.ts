import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
} from '@genai-ops/core';
import {
  type Action,
  defaultPolicy,
  loadPolicy,
  maxAction,
  type Policy,
  type PolicyConfig,
  type TextSource,
  type Verdict,
} from '@genai-ops/guardrails';
import type { SpanProcessor } from '../component.js';
import type { Attributes, SpanRecord } from '../model.js';
import { takeParsed } from './shared-parse.js';

/** Collector-side guardrail scans (the `guardrails` section of the collector config). */
export interface GuardrailScanConfig {
  /** Scan captured message content of every span. Default true. Env `GENAI_OPS_GUARDRAILS_SCAN`. */
  enabled?: boolean;
  /** Policy file path (YAML or JSON) or inline policy. Default: the engine's default policy. Env `GENAI_OPS_GUARDRAILS_POLICY`. */
  policy?: string | PolicyConfig;
  /**
   * Store redacted message content where the policy's action is `redact` (the raw text is never written to
   * DuckDB nor forwarded). Default false: content is stored as received and only the verdict is added.
   */
  redactStoredContent?: boolean;
  /**
   * Skip spans whose input and output were already checked in-process by the guardrails middleware
   * (they carry `genai_ops.guardrail.input.action`). Default true.
   */
  skipCheckedInProcess?: boolean;
}

/** JSON Schema of `GuardrailScanConfig`, for the collector's config validation. */
export const GUARDRAIL_SCAN_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    policy: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
    redactStoredContent: { type: 'boolean' },
    skipCheckedInProcess: { type: 'boolean' },
  },
} as const;

/** One verdict stored per span and direction (an `enrichments` row of kind `guardrails`). */
export interface StoredGuardrailVerdict {
  /** `input` or `output`: the enrichment row name. */
  name: 'input' | 'output';
  action: Action;
  policy: string;
  policyVersion?: string | number;
  policyHash: string;
  /** Finding counts per kind (PII type, INJECTION, POLICY:<category>, CANARY, SCHEMA). */
  counts: Record<string, number>;
  detectors: string[];
  rules: string[];
  piiTypes: string[];
  /** Highest injection score among the texts. */
  injectionScore: number;
  /** Texts (message parts) scanned. */
  texts: number;
  elapsedMs: number;
  /** True when the stored content was redacted by this processor. */
  redacted: boolean;
  errors?: number;
}

interface TextRef {
  text: string;
  source: TextSource;
  /** The parsed part holding the text, and its field (for redaction). */
  part: Record<string, unknown>;
  field: 'content' | 'response';
  /**
   * A text a later call is likely to send again: a system instruction, an input message before the last
   * one (conversation history), or any message of an input of three or more (a conversation: its next
   * turn sends it all again). Only these go into the verdict cache (see `InputVerdictCache`).
   */
  repeats: boolean;
}

const ATTR_CHECKED_IN_PROCESS = 'genai_ops.guardrail.input.action';
/** Bounds of the input verdict cache (see `InputVerdictCache`). */
const INPUT_CACHE_ENTRIES = 4096;
const INPUT_CACHE_MAX_CHARS = 64 * 1024;
const INPUT_CACHE_TOTAL_CHARS = 8 * 1024 * 1024;
const INPUT_KEYS = [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, ATTR_GEN_AI_INPUT_MESSAGES] as const;
const OUTPUT_KEYS = [ATTR_GEN_AI_OUTPUT_MESSAGES] as const;

function sourceOfRole(role: unknown, direction: 'input' | 'output'): TextSource {
  if (direction === 'output') return 'model';
  switch (role) {
    case 'system':
      return 'system';
    case 'tool':
      return 'tool';
    case 'assistant':
      return 'model';
    default:
      return 'user';
  }
}

/** Collects text parts (text, reasoning, tool responses given as strings) of messages JSON. */
function collectTexts(messages: unknown, direction: 'input' | 'output', out: TextRef[]): void {
  if (!Array.isArray(messages)) return;
  const last = messages.length - 1;
  for (let i = 0; i <= last; i++) {
    const m: unknown = messages[i];
    if (m === null || typeof m !== 'object') continue;
    const msg = m as { role?: unknown; parts?: unknown; type?: unknown; content?: unknown };
    // System instructions are a flat list of parts.
    const parts = Array.isArray(msg.parts) ? msg.parts : msg.type !== undefined ? [msg] : [];
    const source = msg.type !== undefined ? 'system' : sourceOfRole(msg.role, direction);
    // A conversation's input (more than a system message and a question) comes back with the next turn
    // whole, its last message included.
    const repeats = direction === 'input' && (source === 'system' || i < last || last >= 2);
    for (const p of parts) {
      if (p === null || typeof p !== 'object') continue;
      const part = p as Record<string, unknown>;
      if ((part.type === 'text' || part.type === 'reasoning') && typeof part.content === 'string') {
        out.push({ text: part.content, source, part, field: 'content', repeats });
      } else if (part.type === 'tool_call_response' && typeof part.response === 'string') {
        out.push({ text: part.response, source: 'tool', part, field: 'response', repeats });
      }
    }
  }
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/**
 * The policy's verdicts on input texts, by text and source. The input of a call repeats what earlier calls
 * sent: the system prompt goes with every call, and an agent or a chat sends the whole conversation so far
 * with each turn, so without it a conversation of n turns has its first message scanned n times. A verdict
 * depends on the text, its direction and its source only. Outputs are not cached: a model's answer is new
 * text (it comes back later as input, and is cached then).
 *
 * Two generations instead of a strict LRU: texts go into the current one; a text found in the previous
 * one is carried over; when the current one is full, it becomes the previous one and the old previous one
 * is dropped whole. So a lookup and an insert cost a hash lookup or two, nothing is evicted one by one (a
 * `Map` used as a queue skips its deleted entries from the front on every eviction), and what was used
 * within the last generation stays. Bounded: INPUT_CACHE_ENTRIES texts and INPUT_CACHE_TOTAL_CHARS
 * characters over both generations, texts up to INPUT_CACHE_MAX_CHARS.
 */
class InputVerdictCache {
  /** Per source, the two generations: [current, previous]. */
  private readonly _bySource = new Map<TextSource, [Map<string, Verdict>, Map<string, Verdict>]>();
  private _entries = 0;
  private _chars = 0;

  get(text: string, source: TextSource): Verdict | undefined {
    const generations = this._bySource.get(source);
    if (generations === undefined) return undefined;
    const hit = generations[0].get(text);
    if (hit !== undefined) return hit;
    const old = generations[1].get(text);
    if (old !== undefined) {
      generations[1].delete(text);
      this.set(text, source, old);
    }
    return old;
  }

  set(text: string, source: TextSource, verdict: Verdict): void {
    if (this._entries >= INPUT_CACHE_ENTRIES / 2 || this._chars + text.length > INPUT_CACHE_TOTAL_CHARS / 2) {
      // The current generation is full: it becomes the previous one, the previous one goes.
      for (const generations of this._bySource.values()) {
        generations[1] = generations[0];
        generations[0] = new Map();
      }
      this._entries = 0;
      this._chars = 0;
    }
    let generations = this._bySource.get(source);
    if (generations === undefined) {
      generations = [new Map(), new Map()];
      this._bySource.set(source, generations);
    }
    generations[0].set(text, verdict);
    this._entries++;
    this._chars += text.length;
  }
}

/**
 * Runs the guardrail engine on the captured message content of spans from any instrumentation (also apps
 * that never ran our middleware) and adds a verdict per direction to `span.enrichment.guardrails`, which
 * the DuckDB exporter stores as `enrichments` rows (kind `guardrails`, name `input`/`output`) and the
 * metrics exporter counts. Optionally redacts the stored content per the policy.
 */
export class GuardrailScanProcessor implements SpanProcessor {
  readonly name = 'guardrails';
  readonly policy: Policy;
  private readonly _redact: boolean;
  private readonly _skipChecked: boolean;
  private readonly _inputVerdicts = new InputVerdictCache();

  constructor(config: GuardrailScanConfig = {}) {
    this.policy = config.policy === undefined ? defaultPolicy : loadPolicy(config.policy);
    this._redact = config.redactStoredContent ?? false;
    this._skipChecked = config.skipCheckedInProcess ?? true;
  }

  processSpans(spans: SpanRecord[]): SpanRecord[] {
    return spans.map((s) => this.scanSpan(s));
  }

  /** Scans one direction's messages; pushes its verdict, and sets `out.attributes` when it redacted. */
  private _scanDirection(
    a: Attributes,
    shared: ((key: string) => unknown) | undefined,
    direction: 'input' | 'output',
    keys: readonly string[],
    verdicts: StoredGuardrailVerdict[],
    out: { attributes?: Attributes },
  ): void {
    const parsed: Array<[string, unknown]> = [];
    const texts: TextRef[] = [];
    for (const key of keys) {
      const value = shared?.(key) ?? parseJson(a[key]);
      if (value === undefined) continue;
      parsed.push([key, value]);
      collectTexts(value, direction, texts);
    }
    if (texts.length === 0) return;
    const t0 = performance.now();
    const v: StoredGuardrailVerdict = {
      name: direction,
      action: 'allow',
      policy: this.policy.name,
      ...(this.policy.version !== undefined ? { policyVersion: this.policy.version } : {}),
      policyHash: this.policy.hash,
      counts: {},
      detectors: [],
      rules: [],
      piiTypes: [],
      injectionScore: 0,
      texts: texts.length,
      elapsedMs: 0,
      redacted: false,
    };
    // Allocated at the first finding: most texts have none.
    let detectors: Set<string> | undefined;
    let rules: Set<string> | undefined;
    let piiTypes: Set<string> | undefined;
    let errors = 0;
    let changed = false;
    for (const t of texts) {
      const r = this._evaluate(t, direction);
      v.action = maxAction(v.action, r.action);
      for (const k in r.counts) v.counts[k] = (v.counts[k] ?? 0) + (r.counts[k] as number);
      for (const f of r.findings) {
        detectors ??= new Set();
        rules ??= new Set();
        piiTypes ??= new Set();
        detectors.add(f.detector);
        for (const rule of f.rules ?? []) rules.add(rule);
        if (f.detector === 'pii' || f.detector === 'secrets') piiTypes.add(f.type);
        if (f.detector === 'injection') v.injectionScore = Math.max(v.injectionScore, f.score ?? 0);
      }
      errors += r.errors?.length ?? 0;
      if (this._redact && r.redactedText !== undefined && r.redactedText !== t.text) {
        t.part[t.field] = r.redactedText;
        changed = true;
      }
    }
    if (detectors) v.detectors = [...detectors].sort();
    if (rules) v.rules = [...rules].sort();
    if (piiTypes) v.piiTypes = [...piiTypes].sort();
    v.elapsedMs = performance.now() - t0;
    if (errors) v.errors = errors;
    if (changed) {
      v.redacted = true;
      out.attributes ??= { ...a };
      for (const [key, value] of parsed) out.attributes[key] = JSON.stringify(value);
    }
    verdicts.push(v);
  }

  /**
   * The policy's verdict on one text: an input text from the cache when seen before; a text a later call
   * is likely to send again (`repeats`) goes into it. A new question or a model's answer is not kept: it
   * would only turn short-lived strings into long-lived ones.
   */
  private _evaluate(t: TextRef, direction: 'input' | 'output'): Verdict {
    const { text, source } = t;
    if (direction !== 'input' || text.length > INPUT_CACHE_MAX_CHARS)
      return this.policy.evaluate(text, { direction, source });
    const hit = this._inputVerdicts.get(text, source);
    if (hit !== undefined) return hit;
    const v = this.policy.evaluate(text, { direction, source });
    if (t.repeats) this._inputVerdicts.set(text, source, v);
    return v;
  }

  /** Scans one span; returns it unchanged when it has no captured content. */
  scanSpan(span: SpanRecord): SpanRecord {
    const a = span.attributes;
    if (
      a[ATTR_GEN_AI_INPUT_MESSAGES] === undefined &&
      a[ATTR_GEN_AI_OUTPUT_MESSAGES] === undefined &&
      a[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] === undefined
    ) {
      return span;
    }
    // Messages NormalizeProcessor already parsed (taken even when the span is skipped: it frees them).
    const shared = takeParsed(a);
    if (this._skipChecked && a[ATTR_CHECKED_IN_PROCESS] !== undefined) return span;
    const verdicts: StoredGuardrailVerdict[] = [];
    const out: { attributes?: Attributes } = {};
    this._scanDirection(a, shared, 'input', INPUT_KEYS, verdicts, out);
    this._scanDirection(a, shared, 'output', OUTPUT_KEYS, verdicts, out);
    const attributes = out.attributes;
    if (verdicts.length === 0) return span;
    return {
      ...span,
      attributes: attributes ?? span.attributes,
      enrichment: { ...span.enrichment, guardrails: verdicts },
    };
  }
}
