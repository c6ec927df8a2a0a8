import { describe, expect, it } from 'vitest';
import { hasB64Run } from '../src/injection';
import { hasLeetHint, LEET_HINT } from '../src/normalize';
import { detectPii, hasColonPair } from '../src/pii';

/** Deterministic random strings over an alphabet that hits the prefilters' edge cases. */
function strings(alphabet: string[], count: number, maxLen: number): string[] {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  return Array.from({ length: count }, () =>
    Array.from({ length: rnd(maxLen) }, () => alphabet[rnd(alphabet.length)]).join(''),
  );
}

describe('prefilters (each must never reject a text its regex would match)', () => {
  it('hasB64Run(text, 24) is "has a run of 24+ base64 characters"', () => {
    const runs = strings(['a', 'Z', '9', '+', '/', ' ', '=', '-', 'é', 'aaaaaaaaaaaa', 'Q'], 3000, 80);
    for (const s of runs) expect([s, hasB64Run(s, 24)]).toEqual([s, /[A-Za-z0-9+/]{24}/.test(s)]);
  });

  it('hasColonPair is true whenever the IPv6 pattern matches', () => {
    const IPV6_RE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/;
    const texts = strings([':', 'a', 'F', '0', '1', 'g', ' ', '.', '::', 'fe80'], 5000, 24);
    texts.push('::1', 'fe80::1', '2001:db8:85a3::8a2e:370:7334', 'a: b', '12:34', 'x:12345:y', 'ab:cd:');
    for (const s of texts) if (IPV6_RE.test(s)) expect([s, hasColonPair(s)]).toEqual([s, true]);
    expect(hasColonPair('time 12:30 and 4:5')).toBe(false);
    expect(hasColonPair('fe80::1')).toBe(true);
  });

  it('hasLeetHint is LEET_HINT.test', () => {
    const texts = strings(['a', 'z', '1', '0', '@', '$', '!', ' ', '.', 'ab', '3'], 5000, 12);
    for (const s of texts) expect([s, hasLeetHint(s)]).toEqual([s, LEET_HINT.test(s)]);
  });

  it('PII detection on digit-poor text finds what the full detectors find', () => {
    // Texts with few digits skip detectors that need more; these still find their entities.
    expect(detectPii('call +351 912 345 678 now').map((f) => f.type)).toEqual(['PHONE']);
    expect(detectPii('host 10.0.0.1 up').map((f) => f.type)).toEqual(['IP_ADDRESS']);
    expect(detectPii('loopback ::1 only').map((f) => f.type)).toEqual(['IP_ADDRESS']);
    expect(detectPii('card 4111 1111 1111 1111').map((f) => f.type)).toEqual(['CREDIT_CARD']);
    expect(detectPii('SSN 536-22-1234').map((f) => f.type)).toEqual(['US_SSN']);
    expect(detectPii('7 dwarfs, 3 pigs, 1.2.3')).toEqual([]);
  });
});
