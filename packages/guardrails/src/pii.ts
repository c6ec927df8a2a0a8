import { isIPv6 } from 'node:net';
import {
  IBAN_LENGTHS,
  isValidCard,
  isValidEsDni,
  isValidEsNie,
  isValidIban,
  isValidIpv4,
  isValidPtCc,
  isValidPtNif,
  isValidPtNiss,
  isValidUsSsn,
} from './checksums';
import { contextBefore } from './context';
import { detectSecrets } from './secrets';
import type { PiiFinding, PiiType } from './types';

/*
 * Every pattern below is linear-time: quantifiers are bounded, groups that repeat are separated by a
 * mandatory delimiter (so a string can be split only one way), and a lookbehind stops a run from being
 * retried at every inner position. The test suite checks this on 40 KB adversarial inputs.
 */

// Priority when two findings overlap: the more specific (checksummed, structured) type wins.
const PRIORITY: Record<PiiType, number> = {
  API_KEY: 0,
  EMAIL: 1,
  IBAN: 2,
  PT_CC: 3,
  CREDIT_CARD: 4,
  ES_NIE: 5,
  ES_DNI: 6,
  US_SSN: 7,
  PT_NISS: 8,
  PT_NIF: 9,
  IP_ADDRESS: 10,
  PHONE: 11,
};

const IBAN_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])/g;
const PT_CC_RE = /(?<![\w-])\d{8}[ -]?\d[ -]?[A-Za-z]{2}\d(?![\w-])/g;
const CARD_RE = /(?<![\w.+,-])\d(?:[ -]?\d){11,18}(?![\w-]|[.,]\d)/g;
const NIE_RE = /(?<![\w-])[XYZxyz][ -]?\d{7}[ -]?[A-Za-z](?![\w-])/g;
const DNI_RE = /(?<![\w.,-])\d{8}(?:-?[A-Z]|[a-z])(?![\w-])/g;
const SSN_RE = /(?<![\w.-])\d{3}([- ])\d{2}\1\d{4}(?![\w-]|[.-]\d)/g;
const DIGITS9_11_RE = /(?<![\w.,+-])(?:PT ?)?\d{9}(?:\d{2})?(?![\w-]|[.,]\d)/g;
const SPACED9_RE = /(?<![\w.,+-])\d{3} \d{3} \d{3}(?![\w-]|[ .,-]\d)/g;
const IPV4_RE = /(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)/g;
const IPV6_RE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;
const PHONE_RE =
  /(?<![\w+./-])(?:\+|00)?\(?\d{1,15}\)?(?:[ .\u00a0-]{1,2}\(?\d{1,12}\)?){0,6}(?![\w]|[.-]\d)/g;

const DATE_SHAPE = /^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4})$/;
const VERSION_BEFORE = /\b(?:v|version|release|build|ver\.?)\s{0,2}$/i;

/** Options of the PII detector. */
export interface PiiDetectOptions {
  /** Types to report. Default: all. */
  types?: ReadonlySet<PiiType>;
}

const DIGIT_G = /\d/g;

/** Digits in `text`, counted up to `max` (detectors that need more digits than the text has are skipped). */
function countDigits(text: string, max: number): number {
  DIGIT_G.lastIndex = 0;
  let n = 0;
  while (n < max && DIGIT_G.exec(text) !== null) n++;
  return n;
}

function compactDigits(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

/** Detect PII and secrets in `text`. Offsets are into `text`; overlapping findings keep the most specific. */
export function detectPii(text: string, opts: PiiDetectOptions = {}): PiiFinding[] {
  const want = opts.types;
  const on = (t: PiiType): boolean => want === undefined || want.has(t);
  const out: PiiFinding[] = [];
  const hasDigit = /\d/.test(text);

  if (on('API_KEY')) for (const f of detectSecrets(text)) out.push(f);
  if (on('EMAIL') && text.includes('@')) detectEmails(text, out);
  if (hasDigit) {
    // Each pattern below needs at least this many digits in its match (IBAN 2, IPv4 4, ES_NIE 7 and
    // PHONE 7 after its own check, ES_DNI 8, US_SSN and the bare 9-digit ids 9, PT_CC 10, CREDIT_CARD 12).
    const digits = countDigits(text, 12);
    if (on('IBAN')) detectIbans(text, out);
    if (on('PT_CC') && digits >= 10) {
      for (const m of text.matchAll(PT_CC_RE)) {
        const v = m[0].replace(/[ -]/g, '');
        if (isValidPtCc(v)) push(out, 'PT_CC', m.index, m[0].length, 1);
      }
    }
    if (on('CREDIT_CARD') && digits >= 12) {
      for (const m of text.matchAll(CARD_RE)) {
        const seps = m[0].replace(/\d/g, '');
        if (seps.length > 0 && !/^(?: +|-+)$/.test(seps)) continue;
        if (isValidCard(compactDigits(m[0]))) push(out, 'CREDIT_CARD', m.index, m[0].length, 1);
      }
    }
    if (on('ES_NIE') && digits >= 7) {
      for (const m of text.matchAll(NIE_RE)) {
        if (isValidEsNie(m[0].replace(/[ -]/g, ''))) push(out, 'ES_NIE', m.index, m[0].length, 1);
      }
    }
    if (on('ES_DNI') && digits >= 8) {
      for (const m of text.matchAll(DNI_RE)) {
        if (isValidEsDni(m[0].replace('-', ''))) push(out, 'ES_DNI', m.index, m[0].length, 1);
      }
    }
    if (on('US_SSN') && digits >= 9) {
      for (const m of text.matchAll(SSN_RE)) {
        const ctx = contextBefore(text, m.index);
        if (ctx === 'negative' || ctx === 'phone') continue;
        // Space-separated needs SSN context; dash-separated is the canonical SSN shape.
        if (m[1] === ' ' && ctx !== 'ssn') continue;
        if (isValidUsSsn(compactDigits(m[0])))
          push(out, 'US_SSN', m.index, m[0].length, ctx === 'ssn' ? 1 : 0.85);
      }
    }
    if ((on('PT_NIF') || on('PT_NISS') || on('US_SSN')) && digits >= 9) detectBareIds(text, out, on);
    if (on('IP_ADDRESS')) detectIps(text, out, digits >= 4);
    if (on('PHONE') && digits >= 7) detectPhones(text, out);
  } else if (on('IP_ADDRESS') && text.includes('::')) {
    detectIps(text, out, false);
  }
  return resolveOverlaps(out);
}

function push(
  out: PiiFinding[],
  type: PiiType,
  start: number,
  len: number,
  score: number,
  kind?: string,
): void {
  const f: PiiFinding = { type, start, end: start + len, score };
  if (kind !== undefined) f.kind = kind;
  out.push(f);
}

function resolveOverlaps(found: PiiFinding[]): PiiFinding[] {
  if (found.length < 2) return found;
  found.sort((a, b) => PRIORITY[a.type] - PRIORITY[b.type] || a.start - b.start || b.end - a.end);
  const kept: PiiFinding[] = [];
  for (const f of found) {
    let clash = false;
    for (const k of kept) {
      if (f.start < k.end && k.start < f.end) {
        clash = true;
        break;
      }
    }
    if (!clash) kept.push(f);
  }
  kept.sort((a, b) => a.start - b.start);
  return kept;
}

function isLocalChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45
  );
}
function isDomainChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

/** Emails are found from each '@' outwards (bounded scans), which is linear and avoids regex retries. */
function detectEmails(text: string, out: PiiFinding[]): void {
  let at = text.indexOf('@');
  let prevEnd = 0;
  while (at !== -1) {
    let s = at;
    const minS = Math.max(prevEnd, at - 64);
    while (s > minS && isLocalChar(text.charCodeAt(s - 1))) s--;
    while (s < at && text.charCodeAt(s) === 46) s++;
    let e = at + 1;
    const maxE = Math.min(text.length, at + 254);
    while (e < maxE && isDomainChar(text.charCodeAt(e))) e++;
    const domainRaw = text.slice(at + 1, e);
    const dd = domainRaw.indexOf('..');
    let domain = dd === -1 ? domainRaw : domainRaw.slice(0, dd);
    domain = domain.replace(/[.-]+$/, '');
    const local = text.slice(s, at);
    const lastDot = domain.lastIndexOf('.');
    const tld = lastDot === -1 ? '' : domain.slice(lastDot + 1);
    if (
      local.length > 0 &&
      !local.endsWith('.') &&
      lastDot > 0 &&
      /^[A-Za-z]{2,24}$/.test(tld) &&
      !domain.startsWith('-') &&
      !domain.startsWith('.')
    ) {
      const end = at + 1 + domain.length;
      out.push({ type: 'EMAIL', start: s, end, score: 1 });
      prevEnd = end;
    }
    at = text.indexOf('@', at + 1);
  }
}

function detectIbans(text: string, out: PiiFinding[]): void {
  for (const m of text.matchAll(IBAN_RE)) {
    const raw = m[0];
    const len = IBAN_LENGTHS[raw.slice(0, 2)];
    if (len === undefined) continue;
    // The match may run into following uppercase words: keep exactly the country's length.
    let n = 0;
    let i = 0;
    let compact = '';
    for (; i < raw.length && n < len; i++) {
      if (raw[i] !== ' ') {
        compact += raw[i];
        n++;
      }
    }
    if (n !== len) continue;
    if (isValidIban(compact)) push(out, 'IBAN', m.index, i, 1);
  }
}

/** Bare 9- and 11-digit runs: PT_NISS (11), PT_NIF or US_SSN (9), settled by checksum then context. */
function detectBareIds(text: string, out: PiiFinding[], on: (t: PiiType) => boolean): void {
  for (const m of text.matchAll(DIGITS9_11_RE)) {
    const raw = m[0];
    const digits = compactDigits(raw);
    const ctx = contextBefore(text, m.index);
    if (ctx === 'negative' || ctx === 'phone') continue;
    if (digits.length === 11) {
      if (on('PT_NISS') && !raw.startsWith('PT') && isValidPtNiss(digits))
        push(out, 'PT_NISS', m.index, raw.length, ctx === 'id' ? 1 : 0.9);
      continue;
    }
    if (ctx === 'ssn') {
      if (on('US_SSN') && isValidUsSsn(digits)) push(out, 'US_SSN', m.index, raw.length, 0.95);
      continue;
    }
    if (on('PT_NIF') && isValidPtNif(digits))
      push(out, 'PT_NIF', m.index, raw.length, ctx === 'id' ? 1 : 0.9);
  }
  if (on('PT_NIF')) {
    for (const m of text.matchAll(SPACED9_RE)) {
      if (contextBefore(text, m.index) !== 'id') continue;
      if (isValidPtNif(compactDigits(m[0]))) push(out, 'PT_NIF', m.index, m[0].length, 1);
    }
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * True when two ':' are at most 4 hex digits apart, which every IPV6_RE match has ({2,7} groups after
 * the first): text without such a pair skips the regex (its lookbehind runs at every position).
 */
export function hasColonPair(text: string): boolean {
  let i = text.indexOf(':');
  while (i !== -1) {
    let j = i + 1;
    while (j < text.length && j - i <= 5 && isHex(text.charCodeAt(j))) j++;
    if (j < text.length && j - i <= 5 && text.charCodeAt(j) === 58) return true;
    i = text.indexOf(':', i + 1);
  }
  return false;
}

function detectIps(text: string, out: PiiFinding[], ipv4: boolean): void {
  if (ipv4 && text.includes('.')) {
    for (const m of text.matchAll(IPV4_RE)) {
      if (!isValidIpv4(m[0])) continue;
      if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue;
      push(out, 'IP_ADDRESS', m.index, m[0].length, 1, 'ipv4');
    }
  }
  if (hasColonPair(text)) {
    for (const m of text.matchAll(IPV6_RE)) {
      const v = m[0];
      if (!/\d/.test(v)) continue;
      let groups = 0;
      for (const g of v.split(':')) if (g.length > 0) groups++;
      // "::1" alone is the loopback address, but "[::1]" is also a Python slice: require it unbracketed.
      const loopback = v === '::1' && text[m.index - 1] !== '[';
      if ((groups < 2 && !loopback) || !isIPv6(v)) continue;
      push(out, 'IP_ADDRESS', m.index, v.length, 1, 'ipv6');
    }
  }
}

// National phone shapes that count without context words.
const NANP_SHAPE = /^(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$/;
const PT_SHAPE = /^(?:9[1236]\d|2\d{2}) \d{3} \d{3}$/;
const ES_SHAPE = /^[6789]\d{2}(?: \d{3} \d{3}| \d{2} \d{2} \d{2})$/;
const GROUPED_SHAPE = /^\(?\d{2,5}\)?(?:[ .-]\d{2,5}){2,4}$/;

function detectPhones(text: string, out: PiiFinding[]): void {
  for (const m of text.matchAll(PHONE_RE)) {
    let raw = m[0];
    // Trim a trailing separator the pattern may have taken.
    raw = raw.replace(/[ .\u00a0-]+$/, '');
    const digits = compactDigits(raw);
    if (digits.length < 7 || digits.length > 15) continue;
    if (DATE_SHAPE.test(raw)) continue;
    const ctx = contextBefore(text, m.index);
    if (ctx === 'negative' || ctx === 'id' || ctx === 'ssn') continue;
    const intl = raw.startsWith('+') || (raw.startsWith('00') && /^00\d{1,3}[ .-]/.test(raw));
    const dotted = raw.includes('.');
    let score = 0;
    if (intl && digits.length >= 8) score = ctx === 'phone' ? 1 : 0.9;
    else if (ctx === 'phone') score = 0.9;
    else if (NANP_SHAPE.test(raw)) score = 0.8;
    else if (!dotted && (PT_SHAPE.test(raw) || ES_SHAPE.test(raw))) score = 0.8;
    else if (!dotted && raw.startsWith('(') && GROUPED_SHAPE.test(raw)) score = 0.7;
    if (score === 0) continue;
    if (dotted && !intl && ctx !== 'phone' && !NANP_SHAPE.test(raw)) continue;
    push(out, 'PHONE', m.index, raw.length, score);
  }
}
