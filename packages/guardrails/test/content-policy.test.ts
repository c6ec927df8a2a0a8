import { describe, expect, it } from 'vitest';
import { ContentPolicy, UnsafePatternError } from '../src/content-policy';

describe('ContentPolicy', () => {
  const cp = new ContentPolicy({
    competitors: { deny: ['Globex', 'Initech Corp'] },
    weapons: {
      deny: ['pipe bomb'],
      patterns: [
        '\\b(?:AR|AK)-?\\d{2}\\b',
        { id: 'ammo', pattern: 'ammo(?:nition)?', caseInsensitive: true },
      ],
    },
  });

  it('deny lists: case-insensitive, word-boundary aware, phrases across whitespace', () => {
    const text = 'We beat GLOBEX and initech   corp, not Globexian.';
    expect(cp.match(text).map((m) => [m.category, m.rule, text.slice(m.start, m.end)])).toEqual([
      ['competitors', 'deny:0', 'GLOBEX'],
      ['competitors', 'deny:1', 'initech   corp'],
    ]);
  });

  it('patterns run on RE2 with UTF-16 offsets', () => {
    const text = '😀 buy an AR-15 and AMMO, 🎯 AK47';
    expect(cp.match(text).map((m) => [m.rule, text.slice(m.start, m.end)])).toEqual([
      ['pattern:0', 'AR-15'],
      ['ammo', 'AMMO'],
      ['pattern:0', 'AK47'],
    ]);
  });

  it('category filter', () => {
    expect(cp.match('Globex sells ammo', new Set(['weapons'])).map((m) => m.category)).toEqual(['weapons']);
  });

  it.each([
    ['(a+)\\1', /linear-time RE2/],
    ['(?<=x)y', /linear-time RE2/],
    ['(?=a)b', /linear-time RE2/],
    ['a*', /empty string/],
  ])('rejects %s at load time with its path', (pattern, why) => {
    let err: unknown;
    try {
      new ContentPolicy({ cat: { patterns: ['ok', pattern] } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsafePatternError);
    expect((err as UnsafePatternError).path).toBe('/contentPolicy/cat/patterns/1');
    expect((err as Error).message).toMatch(why);
  });

  it('catastrophic-backtracking patterns are linear under RE2', () => {
    const p = new ContentPolicy({ redos: { patterns: ['(a+)+$', '(a|aa)+b', '(x+x+)+y'] } });
    const evil = `${'a'.repeat(30000)}!${'x'.repeat(30000)}`;
    const t0 = performance.now();
    expect(p.match(evil)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
