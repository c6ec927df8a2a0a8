import { describe, expect, it } from 'vitest';
import { canaryCanonical, createCanary, findCanaries } from '../src/canary';

describe('canaries', () => {
  it('createCanary returns distinct random tokens', () => {
    const a = createCanary();
    const b = createCanary();
    expect(a).toMatch(/^gc-[a-z2-7]{20}$/);
    expect(a).not.toBe(b);
    expect(createCanary('acme')).toMatch(/^acme-/);
  });

  it('finds exact leaks with offsets', () => {
    const c = createCanary();
    const text = `the secret is ${c}.`;
    expect(findCanaries(text, ['unrelated-token-x', c])).toEqual([
      { index: 1, start: 14, end: 14 + c.length, normalized: false },
    ]);
  });

  it.each([
    ['spaced', (c: string) => c.split('').join(' ')],
    ['upper', (c: string) => c.toUpperCase()],
    ['zero-width', (c: string) => c.split('').join('\u200b')],
    [
      'full-width',
      (c: string) => c.replace(/[a-z0-9]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)),
    ],
    ['dashes removed', (c: string) => c.replace('-', '')],
  ])('finds leaks after normalization: %s', (_n, f) => {
    const c = createCanary();
    expect(findCanaries(`leak: ${f(c)} end`, [c])).toEqual([
      { index: 0, start: -1, end: -1, normalized: true },
    ]);
  });

  it('no false leak on other text', () => {
    expect(findCanaries('nothing to see here', [createCanary()])).toEqual([]);
    expect(canaryCanonical('A-b C')).toBe('abc');
  });
});
