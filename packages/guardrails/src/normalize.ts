/**
 * Text normalization for the injection and canary detectors. It undoes the common obfuscations: Unicode
 * tag-character smuggling, zero-width and invisible characters, compatibility forms (NFKC), Cyrillic/Greek
 * homoglyphs, diacritics, leetspeak and spaced-out letters. The result is lowercase and is NOT offset-aligned
 * with the input (findings from it are reported per rule, not per offset).
 */

/** What normalization found and undid; each becomes a weak injection feature. */
export interface NormalizeResult {
  text: string;
  /** Text that was hidden in Unicode tag characters (U+E0020-E007E), decoded to ASCII. */
  smuggled: string;
  obfuscation: string[];
}

// Zero-width, bidi controls, soft hyphen, variation selectors, fillers.
// Built from a string: the class lists combining/invisible code points to strip one by one.
export const INVISIBLE_SOURCE =
  '[\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0]';
const INVISIBLE_RE = new RegExp(INVISIBLE_SOURCE, 'g');
const TAG_RE = /\uDB40[\uDC00-\uDC7F]/g;
const GREEK_CYRILLIC_RE = /[\u0370-\u03FF\u0400-\u04FF\u0500-\u052F]/;

const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ӏ: 'l',
  ԍ: 'g',
  ү: 'y',
  ո: 'n',
  А: 'a',
  В: 'b',
  Е: 'e',
  К: 'k',
  М: 'm',
  Н: 'h',
  О: 'o',
  Р: 'p',
  С: 'c',
  Т: 't',
  У: 'y',
  Х: 'x',
  Ѕ: 's',
  І: 'i',
  Ј: 'j',
  Ԁ: 'd',
  Һ: 'h',
  Ԛ: 'q',
  Ԝ: 'w',
  Ү: 'y',
  // Greek
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ς: 's',
  Α: 'a',
  Β: 'b',
  Ε: 'e',
  Ζ: 'z',
  Η: 'h',
  Ι: 'i',
  Κ: 'k',
  Μ: 'm',
  Ν: 'n',
  Ο: 'o',
  Ρ: 'p',
  Τ: 't',
  Υ: 'y',
  Χ: 'x',
};
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'g');

const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
};
// Cheap gate for collapseSpaced: four single letters separated by spacers.
const SPACED_HINT = /(?<![a-z])[a-z][ ._*-]{1,3}[a-z][ ._*-]{1,3}[a-z][ ._*-]{1,3}[a-z](?![a-z])/;
export const LEET_HINT = /[a-z][0-9@$!][a-z0-9@$!]|[0-9@$!][a-z]/;
const UNIT_TOKEN =
  /^\d+(?:px|em|rem|pt|gb|mb|kb|tb|ms|s|k|m|km|cm|mm|kg|g|th|st|nd|rd|x|d|h|am|pm|fps|hz|mhz|ghz|v|w|p|i|b|l|ml)$/;

/** Normalize `input` for rule matching. Pure function; fast path for ASCII. */
export function normalizeForMatching(input: string): NormalizeResult {
  const obfuscation: string[] = [];
  let s = input;
  let smuggled = '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/[^\x00-\x7F]/.test(s)) {
    if (s.includes('\uDB40')) {
      s = s.replace(TAG_RE, (ch) => {
        const cp = ch.codePointAt(0)! - 0xe0000;
        if (cp >= 0x20 && cp <= 0x7e) {
          smuggled += String.fromCharCode(cp);
          return String.fromCharCode(cp);
        }
        return '';
      });
      if (smuggled.length > 0) obfuscation.push('obfuscation.tag-chars');
    }
    const stripped = s.replace(INVISIBLE_RE, '');
    if (stripped.length !== s.length) obfuscation.push('obfuscation.invisible');
    s = stripped.normalize('NFKC');
    if (GREEK_CYRILLIC_RE.test(s)) {
      // Mixed script inside one word (Latin next to a look-alike) is a deliberate evasion.
      if (/[a-zA-Z][\u0370-\u052F]|[\u0370-\u052F][a-zA-Z]/.test(s))
        obfuscation.push('obfuscation.homoglyph');
      s = s.replace(HOMOGLYPH_RE, (ch) => HOMOGLYPHS[ch] ?? ch);
    }
    s = s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/ß/g, 'ss');
  }
  s = s.toLowerCase();
  if (hasLeetHint(s)) {
    const t = undoLeet(s);
    if (t !== s) {
      s = t;
      obfuscation.push('obfuscation.leetspeak');
    }
  }
  const c = SPACED_HINT.test(s) ? collapseSpaced(s) : s;
  if (c !== s) {
    s = c;
    obfuscation.push('obfuscation.spaced');
  }
  return { text: s, smuggled, obfuscation };
}

const LEET_CHAR_G = /[0-9@$!]/g;

/**
 * `LEET_HINT.test(s)` from the leet characters out: prose has few of them, and each is checked against its
 * neighbours (a letter before and a token char after, or a letter after), instead of trying the pattern
 * at every letter.
 */
export function hasLeetHint(s: string): boolean {
  LEET_CHAR_G.lastIndex = 0;
  let m = LEET_CHAR_G.exec(s);
  while (m !== null) {
    const j = m.index;
    if ((isLower(s.charCodeAt(j - 1)) && isTokenChar(s.charCodeAt(j + 1))) || isLower(s.charCodeAt(j + 1)))
      return true;
    m = LEET_CHAR_G.exec(s);
  }
  return false;
}

function isTokenChar(c: number): boolean {
  // a-z 0-9 @ $ !  ('|' is not leet here: it belongs to chat-template delimiters like <|im_start|>)
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 64 || c === 36 || c === 33;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

const LEET_SEED_RE = /[a-z][0-9@$!]|[0-9@$!][a-z]/g;

/**
 * Replace leet characters in tokens that mix letters with leet digits/symbols ("1gn0r3" -> "ignore"). Only
 * tokens around a letter/leet boundary are visited, so plain text costs one regex pass.
 */
function undoLeet(s: string): string {
  let out = '';
  let last = 0;
  let doneTo = 0;
  LEET_SEED_RE.lastIndex = 0;
  let m = LEET_SEED_RE.exec(s);
  while (m !== null) {
    const h = m.index;
    if (h >= doneTo) {
      let start = h;
      while (start > 0 && isTokenChar(s.charCodeAt(start - 1))) start--;
      let end = h + 1;
      while (end < s.length && isTokenChar(s.charCodeAt(end))) end++;
      doneTo = end;
      const len = end - start;
      // Long mixed tokens are ids, hashes and keys, not words.
      if (len >= 3 && len <= 24) {
        const tok = s.slice(start, end);
        // "name@example" followed by "." is an email address, not "namaexample".
        const email = tok.includes('@') && s.charCodeAt(end) === 46;
        if (!email && !UNIT_TOKEN.test(tok) && !/^[a-z]{1,4}\d+$/.test(tok)) {
          let t = '';
          for (const ch of tok) t += LEET[ch] ?? ch;
          out += s.slice(last, start) + t;
          last = end;
        }
      }
      LEET_SEED_RE.lastIndex = end;
    }
    m = LEET_SEED_RE.exec(s);
  }
  return last === 0 ? s : out + s.slice(last);
}

function isSpacer(c: number): boolean {
  // space . _ * -
  return c === 32 || c === 46 || c === 95 || c === 42 || c === 45;
}

/**
 * Collapse runs of single letters separated by 1-3 spacers ("i g n o r e" -> "ignore"); a gap of 2+ spacers
 * inside a run is a word break. Runs need at least 4 letters. Linear scan.
 */
function collapseSpaced(s: string): string {
  let out = '';
  let last = 0;
  const n = s.length;
  let i = 0;
  while (i < n) {
    // A run starts at a letter not preceded by a letter and followed by a spacer.
    if (!isLower(s.charCodeAt(i)) || (i > 0 && isLower(s.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    let j = i;
    let letters = 0;
    let word = '';
    let end = i;
    while (j < n && isLower(s.charCodeAt(j)) && !(j + 1 < n && isLower(s.charCodeAt(j + 1)))) {
      letters++;
      word += s[j];
      end = j + 1;
      let k = j + 1;
      while (k < n && k - j - 1 < 4 && isSpacer(s.charCodeAt(k))) k++;
      const gapLen = k - j - 1;
      if (gapLen === 0 || gapLen > 3 || k >= n || !isLower(s.charCodeAt(k))) break;
      if (gapLen >= 2) word += ' ';
      j = k;
    }
    if (letters >= 4) {
      out += s.slice(last, i) + word.replace(/ +$/, '');
      last = end;
      i = end;
    } else {
      i = j + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}
