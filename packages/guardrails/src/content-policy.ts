import { RE2 } from 're2-wasm';
import type { PolicyMatch } from './types';

/** A user pattern: a string (RE2 syntax) or an object with an id and flags. */
export type ContentPatternConfig = string | { id?: string; pattern: string; caseInsensitive?: boolean };

/** One content-policy category. */
export interface ContentCategoryConfig {
  /** Words or phrases, matched case-insensitively on word boundaries. */
  deny?: readonly string[];
  /** Regular expressions in RE2 syntax (no backreferences or lookaround), matched in linear time. */
  patterns?: readonly ContentPatternConfig[];
}

/** Content policy: category name -> deny list and patterns. */
export type ContentPolicyConfig = Readonly<Record<string, ContentCategoryConfig>>;

/** Thrown at load time for a pattern the linear-time engine cannot compile. */
export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
  constructor(
    /** JSON-pointer-like path of the offending pattern, e.g. `/contentPolicy/violence/patterns/2`. */
    readonly path: string,
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(`${path}: pattern ${JSON.stringify(pattern)} rejected: ${reason}`);
  }
}

interface CompiledCategory {
  name: string;
  deny: RegExp | undefined;
  denyWords: string[];
  patterns: Array<{ id: string; re: RE2 }>;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiled content policy. Deny lists become one case-insensitive alternation of literals per category
 * (linear); user patterns are compiled with RE2 (re2-wasm), a linear-time engine, so catastrophic
 * backtracking is impossible. Patterns RE2 cannot compile (backreferences, lookaround) are rejected at
 * construction with `UnsafePatternError`.
 */
export class ContentPolicy {
  private readonly _categories: CompiledCategory[] = [];

  /**
   * @param config categories to compile
   * @param basePath path prefix used in error messages
   * @param collect when given, rejected patterns are appended here and skipped instead of thrown
   */
  constructor(config: ContentPolicyConfig, basePath = '/contentPolicy', collect?: UnsafePatternError[]) {
    for (const [name, cat] of Object.entries(config)) {
      const words = (cat.deny ?? []).map((w) => w.trim()).filter((w) => w.length > 0);
      // Phrases match across any run of whitespace; words must not continue into letters/digits.
      const deny =
        words.length > 0
          ? new RegExp(
              `(?<![\\p{L}\\p{N}_])(?:${words.map((w) => escapeRe(w).replace(/\s+/g, '\\s{1,8}')).join('|')})(?![\\p{L}\\p{N}_])`,
              'giu',
            )
          : undefined;
      const patterns: Array<{ id: string; re: RE2 }> = [];
      const list = cat.patterns ?? [];
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        const src = typeof p === 'string' ? p : p.pattern;
        const ci = typeof p === 'string' ? false : p.caseInsensitive === true;
        const id = typeof p === 'string' || p.id === undefined ? `pattern:${i}` : p.id;
        const path = `${basePath}/${name}/patterns/${i}`;
        const fail = (reason: string): void => {
          const e = new UnsafePatternError(path, src, reason);
          if (!collect) throw e;
          collect.push(e);
        };
        if (src.length === 0) {
          fail('empty pattern');
          continue;
        }
        let re: RE2;
        try {
          re = new RE2(src, ci ? 'giu' : 'gu');
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          fail(`not supported by the linear-time RE2 engine (${msg})`);
          continue;
        }
        if (re.test('')) {
          fail('matches the empty string');
          continue;
        }
        re.lastIndex = 0;
        patterns.push({ id, re });
      }
      this._categories.push({ name, deny, denyWords: words, patterns });
    }
  }

  /** Category names, in declaration order. */
  get categories(): string[] {
    return this._categories.map((c) => c.name);
  }

  /** All matches in `text`, sorted by offset. `only` restricts to some categories. */
  match(text: string, only?: ReadonlySet<string>): PolicyMatch[] {
    const out: PolicyMatch[] = [];
    let cpMap: number[] | null | undefined;
    for (const cat of this._categories) {
      if (only && !only.has(cat.name)) continue;
      if (cat.deny) {
        for (const m of text.matchAll(cat.deny)) {
          const lower = m[0].toLowerCase().replace(/\s+/g, ' ');
          let idx = cat.denyWords.findIndex((w) => w.toLowerCase().replace(/\s+/g, ' ') === lower);
          if (idx < 0) idx = 0;
          out.push({ category: cat.name, rule: `deny:${idx}`, start: m.index, end: m.index + m[0].length });
        }
      }
      for (const p of cat.patterns) {
        p.re.lastIndex = 0;
        let m = p.re.exec(text);
        while (m !== null) {
          // re2-wasm reports code-point offsets; convert to UTF-16 when the text has astral characters.
          const cpLen = [...(m[0] ?? '')].length;
          cpMap ??= codePointMap(text);
          const start = cpMap ? cpMap[m.index]! : m.index;
          const end = cpMap ? cpMap[m.index + cpLen]! : m.index + cpLen;
          out.push({ category: cat.name, rule: p.id, start, end });
          if (cpLen === 0) p.re.lastIndex = m.index + 1;
          m = p.re.exec(text);
        }
      }
    }
    out.sort((a, b) => a.start - b.start || a.end - b.end);
    return out;
  }
}

/** Map from code-point index to UTF-16 index, or null when the two coincide (no surrogate pairs). */
function codePointMap(text: string): number[] | null {
  if (!/[\uD800-\uDFFF]/.test(text)) return null;
  const map: number[] = [];
  let i = 0;
  for (const ch of text) {
    map.push(i);
    i += ch.length;
  }
  map.push(i);
  return map;
}
