import {
  INJECTION_RULES,
  type InjectionCategory,
  type InjectionRule,
  OBFUSCATION_WEIGHTS,
} from './injection-rules';
import { normalizeForMatching } from './normalize';
import type { InjectionResult, TextSource } from './types';

/** A user hook for the grey zone: returns an injection probability in [0,1] for `text`. */
export type InjectionClassifier = (text: string) => number;

/** Options of the injection detector. */
export interface InjectionOptions {
  /** Where the text came from. Default `'user'`. */
  source?: TextSource;
  /** Score at or above which the text is flagged. Default 0.5. */
  threshold?: number;
  /** Optional slower classifier consulted only when the fast score falls inside `greyBand`. */
  classifier?: InjectionClassifier;
  /** `[low, high)` band of fast scores where `classifier` is consulted. Default `[0.25, 0.75]`. */
  greyBand?: readonly [number, number];
  /** Extra rules appended to the built-in ones. */
  extraRules?: readonly InjectionRule[];
}

/** Default injection threshold. */
export const DEFAULT_INJECTION_THRESHOLD = 0.5;
/** Default grey band for the classifier hook. */
export const DEFAULT_GREY_BAND: readonly [number, number] = [0.25, 0.75];

/*
 * Indirect injection hides in retrieved documents and tool output, so rules that address an AI, override
 * instructions or hijack tools weigh more there. System prompts legitimately talk about instructions, so
 * everything weighs less there.
 */
const SOURCE_MULTIPLIER: Readonly<Record<TextSource, Partial<Record<InjectionCategory, number>>>> = {
  user: {},
  retrieved: { indirect: 1.25, override: 1.15, tool: 1.35, delimiter: 1.2, secrecy: 1.3, exfiltration: 1.1 },
  tool: { indirect: 1.25, override: 1.15, tool: 1.35, delimiter: 1.2, secrecy: 1.3, exfiltration: 1.1 },
  model: { override: 0.9, jailbreak: 0.8, exfiltration: 0.9 },
  system: {
    override: 0.5,
    exfiltration: 0.4,
    jailbreak: 0.5,
    delimiter: 0.5,
    tool: 0.5,
    indirect: 0.5,
    secrecy: 0.5,
    obfuscation: 0.5,
  },
};

const MAX_BLOBS = 8;

function printableText(buf: Buffer): string | undefined {
  if (buf.length < 8) return undefined;
  const s = buf.toString('utf8');
  let ok = 0;
  let letters = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 10 || c === 13 || c === 9 || c > 159) ok++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
  }
  if (ok / s.length < 0.9 || letters / s.length < 0.5 || !s.includes(' ')) return undefined;
  return s;
}

// Runs of base64-alphabet characters; the lookbehind makes each run start only once (linear).
const B64_RUN_RE = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,16384}(?![A-Za-z0-9+/])={0,2}/g;
const HEX_ONLY_RE = /^(?:[0-9a-fA-F]{2})+$/;

const B64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  B64_CHAR[c.charCodeAt(0)] = 1;
const isB64 = (c: number): boolean => c < 128 && B64_CHAR[c] === 1;

/**
 * True when `text` has a run of at least `n` base64-alphabet characters (what B64_RUN_RE needs to match).
 * Probes every n-th character: any such run covers one probe, so plain prose is rejected in ~len/n steps
 * instead of the regex's lookbehind at every position.
 */
export function hasB64Run(text: string, n: number): boolean {
  const len = text.length;
  let i = n - 1;
  while (i < len) {
    if (!isB64(text.charCodeAt(i))) {
      i += n;
      continue;
    }
    let a = i;
    while (a > 0 && i - a < n && isB64(text.charCodeAt(a - 1))) a--;
    let b = i;
    while (b + 1 < len && b - a + 1 < n && isB64(text.charCodeAt(b + 1))) b++;
    if (b - a + 1 >= n) return true;
    i = b + n;
  }
  return false;
}

/** Decode base64 and hex blobs (24+ chars) that hold readable text. */
export function decodeBlobs(text: string): Array<{ kind: 'base64' | 'hex'; text: string }> {
  const out: Array<{ kind: 'base64' | 'hex'; text: string }> = [];
  // No run long enough: B64_RUN_RE cannot match.
  if (!hasB64Run(text, 24)) return out;
  B64_RUN_RE.lastIndex = 0;
  let m = B64_RUN_RE.exec(text);
  while (m !== null && out.length < MAX_BLOBS) {
    const run = m[0];
    if (HEX_ONLY_RE.test(run)) {
      const t = printableText(Buffer.from(run, 'hex'));
      if (t !== undefined) out.push({ kind: 'hex', text: t });
    } else if (/[A-Z]/.test(run) && /[a-z]/.test(run)) {
      const t = printableText(Buffer.from(run, 'base64'));
      if (t !== undefined) out.push({ kind: 'base64', text: t });
    }
    m = B64_RUN_RE.exec(text);
  }
  return out;
}

interface RuleIndex {
  trigger: RegExp | undefined;
  /** For each stem, the stems that are prefixes of it (itself included). */
  closure: Map<string, string[]>;
  byStem: Map<string, InjectionRule[]>;
  always: InjectionRule[];
}

const INDEX_CACHE = new WeakMap<readonly InjectionRule[], RuleIndex>();

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Index rules by trigger stem so one pass over the text decides which rules to try. */
function indexRules(rules: readonly InjectionRule[]): RuleIndex {
  const cached = INDEX_CACHE.get(rules);
  if (cached) return cached;
  const byStem = new Map<string, InjectionRule[]>();
  const always: InjectionRule[] = [];
  for (const rule of rules) {
    if (!rule.triggers || rule.triggers.length === 0) {
      always.push(rule);
      continue;
    }
    for (const t of rule.triggers) {
      const list = byStem.get(t) ?? [];
      list.push(rule);
      byStem.set(t, list);
    }
  }
  const stems = [...byStem.keys()].sort((a, b) => b.length - a.length);
  const closure = new Map<string, string[]>();
  for (const s of stems)
    closure.set(
      s,
      stems.filter((t) => s.startsWith(t)),
    );
  // Word stems must start a word (most positions inside words are rejected by the lookbehind at once);
  // symbol stems (`<|`, `![`, `@`) may start anywhere.
  const wordStems = stems.filter((s) => /^[a-z]/.test(s)).map(escapeRe);
  const symbolStems = stems.filter((s) => !/^[a-z]/.test(s)).map(escapeRe);
  const parts: string[] = [];
  if (wordStems.length > 0) parts.push(`(?<![a-z])(?:${wordStems.join('|')})`);
  if (symbolStems.length > 0) parts.push(`(?:${symbolStems.join('|')})`);
  const trigger = parts.length > 0 ? new RegExp(parts.join('|'), 'g') : undefined;
  const idx: RuleIndex = { trigger, closure, byStem, always };
  INDEX_CACHE.set(rules, idx);
  return idx;
}

// Rules are tried only in a window around their trigger hits: long enough for the longest rule
// (up to ~9 gap words on either side of the trigger), small enough that a 4 KB prompt is not rescanned
// once per rule.
const WINDOW_BEFORE = 320;
const WINDOW_AFTER = 320;

function matchRules(
  normalized: string,
  rules: readonly InjectionRule[],
  hits: Map<string, InjectionRule>,
): void {
  const idx = indexRules(rules);
  const windows = new Map<InjectionRule, Array<[number, number]>>();
  const whole: Array<[number, number]> = [[0, normalized.length]];
  for (const rule of idx.always) windows.set(rule, whole);
  if (idx.trigger) {
    const re = idx.trigger;
    re.lastIndex = 0;
    let m = re.exec(normalized);
    while (m !== null) {
      const from = Math.max(0, m.index - WINDOW_BEFORE);
      const to = Math.min(normalized.length, m.index + WINDOW_AFTER);
      for (const stem of idx.closure.get(m[0])!) {
        for (const rule of idx.byStem.get(stem)!) {
          let list = windows.get(rule);
          if (!list) {
            list = [];
            windows.set(rule, list);
          }
          const last = list[list.length - 1];
          if (last && from <= last[1]) {
            if (to > last[1]) last[1] = to;
          } else list.push([from, to]);
        }
      }
      re.lastIndex = m.index + 1;
      m = re.exec(normalized);
    }
  }
  for (const [rule, list] of windows) {
    const prev = hits.get(rule.id);
    if (prev !== undefined && prev.weight >= rule.weight) continue;
    for (const [from, to] of list) {
      // Start the window at a word boundary so the rule's leading lookbehind sees a real word start.
      let f = from;
      while (f > 0 && f > from - 24 && /[a-z]/.test(normalized[f - 1]!)) f--;
      const slice = f === 0 && to === normalized.length ? normalized : normalized.slice(f, to);
      if (rule.pattern.test(slice)) {
        hits.set(rule.id, rule);
        break;
      }
    }
  }
}

/** Score `text` for prompt injection / jailbreak. */
export function detectInjection(text: string, opts: InjectionOptions = {}): InjectionResult {
  const threshold = opts.threshold ?? DEFAULT_INJECTION_THRESHOLD;
  const source = opts.source ?? 'user';
  const rules = opts.extraRules ? extendedRules(opts.extraRules) : INJECTION_RULES;
  const hits = new Map<string, InjectionRule>();
  const norm = normalizeForMatching(text);
  matchRules(norm.text, rules, hits);
  if (norm.smuggled.length > 0) matchRules(normalizeForMatching(norm.smuggled).text, rules, hits);
  const obf = new Set(norm.obfuscation);
  if (text.length >= 24) {
    for (const blob of decodeBlobs(text)) {
      const before = hits.size;
      matchRules(normalizeForMatching(blob.text).text, rules, hits);
      if (hits.size > before) obf.add(`obfuscation.${blob.kind}`);
    }
  }
  const mult = SOURCE_MULTIPLIER[source];
  let keep = 1;
  const ids: string[] = [];
  for (const [id, rule] of hits) {
    const w = Math.min(0.99, rule.weight * (mult[rule.category] ?? 1));
    keep *= 1 - w;
    ids.push(id);
  }
  // Obfuscation only counts when some real rule fired: hiding something innocuous is not an attack.
  if (hits.size > 0) {
    for (const o of obf) {
      const w = (OBFUSCATION_WEIGHTS[o] ?? 0.1) * (mult.obfuscation ?? 1);
      keep *= 1 - w;
      ids.push(o);
    }
  }
  let score = round3(1 - keep);
  let classifierUsed = false;
  const band = opts.greyBand ?? DEFAULT_GREY_BAND;
  if (opts.classifier && score >= band[0] && score < band[1]) {
    const c = opts.classifier(text);
    score = round3(Math.min(1, Math.max(0, Number.isFinite(c) ? c : score)));
    classifierUsed = true;
    ids.push('classifier');
  }
  ids.sort();
  const result: InjectionResult = { flagged: score >= threshold, score, threshold, rules: ids };
  if (classifierUsed) result.classifierUsed = true;
  return result;
}

const EXTENDED_CACHE = new WeakMap<readonly InjectionRule[], readonly InjectionRule[]>();
function extendedRules(extra: readonly InjectionRule[]): readonly InjectionRule[] {
  let all = EXTENDED_CACHE.get(extra);
  if (!all) {
    all = [...INJECTION_RULES, ...extra];
    EXTENDED_CACHE.set(extra, all);
  }
  return all;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
