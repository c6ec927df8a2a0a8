import { describe, expect, it } from 'vitest';
import { ContentPolicy } from '../src/content-policy';
import { scan } from '../src/scan';

// Adversarial shapes aimed at every detector's patterns (digit runs, separators, '@', dots, letters,
// spaced letters, base64 alphabet, key prefixes, IPv6 colons, trigger words without a full phrase).
const SHAPES: Record<string, string> = {
  digits: '1',
  'digits+spaces': '1 ',
  'digit-dash': '12-',
  'at-signs': '@',
  'a-at': 'a@',
  dots: '.',
  'digit-dots': '1.',
  letters: 'a',
  spaces: ' ',
  'spaced-letters': 'a ',
  base64: 'QWxhZGRpbjpvcGVuIHNlc2FtZQ+/',
  hex: '0f',
  colons: 'a:',
  'key-prefix': 'sk-',
  'aws-prefix': 'AKIA',
  plus: '+1 ',
  parens: '(1',
  'iban-like': 'PT50 ',
  'trigger-words': 'ignore the ',
  'trigger-mix': 'you are no system prompt <| ',
  mixed: 'a1@.- :+/=',
};

const policy = new ContentPolicy({ c: { deny: ['foo bar', 'baz'], patterns: ['(a+)+b', '\\d{3}-\\d{4}'] } });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function once(text: string): number {
  const t0 = performance.now();
  scan(text, { contentPolicy: policy, canaries: ['gc-abcdefghijklmnopqrst'] });
  return performance.now() - t0;
}

/**
 * Time both sizes in interleaved rounds (so both see the same machine noise) and return the growth ratio:
 * the smaller of the median ratio and the min ratio (min is the least noisy estimate of intrinsic cost).
 */
function growth(small: string, large: string): { ratio: number; large: number } {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 15; i++) {
    a.push(once(small));
    b.push(once(large));
  }
  const floor = 0.5; // ms: keeps timer noise on tiny times out of the ratio
  const byMedian = median(b) / Math.max(median(a), floor);
  const byMin = Math.min(...b) / Math.max(Math.min(...a), floor);
  return { ratio: Math.min(byMedian, byMin), large: median(b) };
}

const build = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

describe('every detector is linear-time on 40 KB adversarial input', () => {
  it.each(Object.entries(SHAPES))('%s', (_name, unit) => {
    const small = build(unit, 10 * 1024);
    const large = build(unit, 40 * 1024);
    once(small); // warm-up (JIT, regex compilation, wasm memory)
    once(large);
    // Timing on a shared machine is noisy: take the best of up to 3 measurements. Quadratic code fails all
    // three (~16x); linear code needs one quiet one.
    let g = growth(small, large);
    for (let attempt = 1; attempt < 3 && g.ratio >= 10; attempt++) {
      const again = growth(small, large);
      if (again.ratio < g.ratio) g = again;
    }
    // Linear growth gives ~4x; quadratic would give ~16x.
    expect(g.ratio).toBeLessThan(10);
    // And in absolute terms a 40 KB adversarial input stays far from a blocking budget.
    expect(g.large).toBeLessThan(1000);
  });
});
