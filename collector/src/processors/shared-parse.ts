/**
 * Parsed message JSON handed from one processor to the next, so a span's messages are parsed once:
 * NormalizeProcessor parses `gen_ai.*.messages` to check them and records the parsed value here, keyed by
 * the span's (new) attributes object; the guardrail scan takes it instead of parsing the same string
 * again. A value is only served for the exact string it was parsed from, and only once (`takeParsed`
 * removes the span's entry), so the taker owns it and may mutate it (redaction) without anyone else
 * seeing the change. Entries live in a WeakMap: they go with the attributes object.
 */
import type { Attributes } from '../model.js';

interface Parsed {
  json: string;
  value: unknown;
}

const SHARED = new WeakMap<Attributes, Map<string, Parsed>>();

/** Records `value` as the parse of `json`, the value of `attributes[key]`. */
export function shareParsed(attributes: Attributes, key: string, json: string, value: unknown): void {
  let m = SHARED.get(attributes);
  if (m === undefined) {
    m = new Map();
    SHARED.set(attributes, m);
  }
  m.set(key, { json, value });
}

/**
 * Takes every parsed value recorded for `attributes` (the entry is removed: a second call gets nothing).
 * The returned function gives the parse of `attributes[key]` when it is still the string that was parsed,
 * else undefined (the caller parses it itself).
 */
export function takeParsed(attributes: Attributes): ((key: string) => unknown) | undefined {
  const m = SHARED.get(attributes);
  if (m === undefined) return undefined;
  SHARED.delete(attributes);
  return (key) => {
    const p = m.get(key);
    if (p === undefined || attributes[key] !== p.json) return undefined;
    m.delete(key);
    return p.value;
  };
}

/**
 * Message attribute strings a processor has checked to be JSON (NormalizeProcessor parses each one), by
 * attributes object: the row builder then stores them in their JSON columns without parsing them again.
 * Only the exact strings recorded count, so a later rewrite of an attribute is checked again.
 */
const JSON_TEXTS = new WeakMap<Attributes, string[]>();

/** Records that these strings, values of `attributes`, are JSON text. */
export function recordJsonTexts(attributes: Attributes, texts: string[]): void {
  JSON_TEXTS.set(attributes, texts);
}

/** True when `text` was recorded as JSON text for `attributes` (see `recordJsonTexts`). */
export function isRecordedJson(attributes: Attributes, text: string): boolean {
  return JSON_TEXTS.get(attributes)?.includes(text) === true;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

/** True when `s` holds `t` at `pos` (a slice compare: `startsWith` goes char by char). */
function at(s: string, pos: number, t: string): boolean {
  return s.length - pos >= t.length && s.slice(pos, pos + t.length) === t;
}

/** Position after `v` serialized as `JSON.stringify` would at `pos` in `s`, or -1 when `s` differs. */
function match(s: string, pos: number, v: unknown): number {
  if (typeof v === 'string') {
    // Without '"' and '\\', a literal of `s` that holds `v` verbatim is `v` unescaped; it is also what
    // JSON.stringify writes unless `v` has control characters (which a JSON literal cannot hold raw)
    // or lone surrogates (which JSON.stringify escapes).
    if (!v.includes('"') && !v.includes('\\')) {
      const end = pos + 1 + v.length;
      if (s.charCodeAt(pos) === 34 && s.charCodeAt(end) === 34 && at(s, pos + 1, v) && wellFormed(v))
        return end + 1;
    }
    const j = JSON.stringify(v);
    return at(s, pos, j) ? pos + j.length : -1;
  }
  if (Array.isArray(v)) {
    if (s.charCodeAt(pos) !== 91) return -1;
    let p = pos + 1;
    for (let i = 0; i < v.length; i++) {
      if (i > 0) {
        if (s.charCodeAt(p) !== 44) return -1;
        p++;
      }
      p = match(s, p, v[i]);
      if (p < 0) return -1;
    }
    return s.charCodeAt(p) === 93 ? p + 1 : -1;
  }
  if (typeof v === 'object' && v !== null) {
    if (s.charCodeAt(pos) !== 123) return -1;
    let p = pos + 1;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const x = o[k];
      // What JSON.stringify leaves out (never produced by JSON.parse): bail out rather than model it.
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol' || typeof x === 'bigint')
        return -1;
      if (i > 0) {
        if (s.charCodeAt(p) !== 44) return -1;
        p++;
      }
      p = match(s, p, k);
      if (p < 0 || s.charCodeAt(p) !== 58) return -1;
      p = match(s, p + 1, x);
      if (p < 0) return -1;
    }
    return s.charCodeAt(p) === 125 ? p + 1 : -1;
  }
  let t: string;
  if (typeof v === 'number') t = Number.isFinite(v) ? String(v) : 'null';
  else if (v === null) t = 'null';
  else if (v === true) t = 'true';
  else if (v === false) t = 'false';
  else return -1;
  return at(s, pos, t) ? pos + t.length : -1;
}

/**
 * True when `s === JSON.stringify(v)` for a value `v` parsed from JSON (plain objects, arrays, strings,
 * finite numbers, booleans, null), without building the string: one comparison pass over `s`.
 */
export function isStringifyOf(s: string, v: unknown): boolean {
  return match(s, 0, v) === s.length;
}
