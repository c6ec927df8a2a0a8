import { describe, expect, it } from 'vitest';
import { normalizeForMatching } from '../src/normalize';

describe('normalizeForMatching', () => {
  it.each([
    ['Ignore ALL', 'ignore all', []],
    ['instruções anteriores', 'instrucoes anteriores', []],
    ['Straße', 'strasse', []],
    ['ｆｕｌｌ', 'full', []],
    ['іgnоrе', 'ignore', ['obfuscation.homoglyph']],
    ['ig\u200bnore', 'ignore', ['obfuscation.invisible']],
    ['1gn0r3 th1s', 'ignore this', ['obfuscation.leetspeak']],
    ['i g n o r e  t h i s', 'ignore this', ['obfuscation.spaced']],
    ['use 10px and mp3 in 2024', 'use 10px and mp3 in 2024', []],
  ])('%s -> %s', (input, want, obf) => {
    const r = normalizeForMatching(input);
    expect(r.text).toBe(want);
    expect(r.obfuscation).toEqual(obf);
  });
  it('flags mixed-script words as homoglyph evasion', () => {
    expect(normalizeForMatching('ignоre').obfuscation).toContain('obfuscation.homoglyph');
    expect(normalizeForMatching('Привет мир').obfuscation).not.toContain('obfuscation.homoglyph');
  });
  it('decodes tag-smuggled ASCII', () => {
    const hidden = [...'hi there'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
    const r = normalizeForMatching(`visible${hidden}`);
    expect(r.smuggled).toBe('hi there');
    expect(r.obfuscation).toContain('obfuscation.tag-chars');
  });
});
