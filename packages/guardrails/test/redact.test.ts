import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectPii } from '../src/pii';
import { redact } from '../src/redact';

describe('redact', () => {
  const text = 'Mail ana@example.com or call +351 912 345 678.';
  const findings = detectPii(text);

  it('typed placeholders', () => {
    expect(redact(text, findings)).toBe('Mail [EMAIL] or call [PHONE].');
  });

  it('stable HMAC placeholders: same value, same tag; different key, different tag', () => {
    const a = redact(text, findings, { mode: 'hash', key: 'k1' });
    const expected = createHmac('sha256', 'k1').update('ana@example.com').digest('hex').slice(0, 8);
    expect(a).toContain(`[EMAIL:${expected}]`);
    const again = redact('ana@example.com', [{ type: 'EMAIL', start: 0, end: 15 }], {
      mode: 'hash',
      key: 'k1',
    });
    expect(again).toBe(`[EMAIL:${expected}]`);
    expect(redact(text, findings, { mode: 'hash', key: 'k2' })).not.toBe(a);
    expect(redact(text, findings, { mode: 'hash', key: 'k1', hashLength: 12 })).toMatch(
      /\[EMAIL:[0-9a-f]{12}\]/,
    );
    expect(a).not.toContain('ana@');
  });

  it('hash mode without a key is an error', () => {
    expect(() => redact(text, findings, { mode: 'hash' })).toThrow(/key/);
  });

  it('merges overlapping findings and ignores out-of-range ones', () => {
    const t = 'abcdefghij';
    expect(
      redact(t, [
        { type: 'A', start: 1, end: 5 },
        { type: 'B', start: 3, end: 8 },
        { type: 'C', start: -1, end: -1 },
        { type: 'D', start: 8, end: 99 },
      ]),
    ).toBe('a[A]fghij');
  });

  it('no findings returns the text unchanged', () => {
    expect(redact(text, [])).toBe(text);
  });
});
