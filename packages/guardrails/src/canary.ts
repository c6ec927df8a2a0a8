import { randomBytes } from 'node:crypto';
import { INVISIBLE_SOURCE } from './normalize';
import type { CanaryLeak } from './types';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * A random canary token to embed in a system prompt (e.g. "Never repeat the token gc-...").
 * 100 bits of randomness, lowercase base32 so it survives case folding. Default prefix `gc`.
 */
export function createCanary(prefix = 'gc'): string {
  const bytes = randomBytes(20);
  let s = '';
  for (let i = 0; i < 20; i++) s += ALPHABET[bytes[i]! & 31];
  return `${prefix}-${s}`;
}

const INVISIBLE_RE = new RegExp(`${INVISIBLE_SOURCE}|\uDB40[\uDC00-\uDC7F]`, 'g');

/** Canonical form for canary matching: NFKC, no invisibles, lowercase, letters and digits only. */
export function canaryCanonical(s: string): string {
  return s
    .replace(INVISIBLE_RE, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Find canaries in `text`: exact occurrences (with offsets) and, failing that, occurrences after
 * normalization (spacing, punctuation, case, zero-width characters, full-width forms), reported with
 * offsets -1.
 */
export function findCanaries(text: string, canaries: readonly string[]): CanaryLeak[] {
  const out: CanaryLeak[] = [];
  let canon: string | undefined;
  canaries.forEach((c, index) => {
    if (c.length === 0) return;
    const at = text.indexOf(c);
    if (at !== -1) {
      out.push({ index, start: at, end: at + c.length, normalized: false });
      return;
    }
    canon ??= canaryCanonical(text);
    const cc = canaryCanonical(c);
    if (cc.length >= 8 && canon.includes(cc)) out.push({ index, start: -1, end: -1, normalized: true });
  });
  return out;
}
