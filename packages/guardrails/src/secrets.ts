import type { PiiFinding } from './types';

/** Vendor-prefixed credential formats. Each is bounded and anchored by a literal prefix (linear-time). */
const VENDOR_PATTERNS: ReadonlyArray<readonly [kind: string, re: RegExp]> = [
  ['anthropic', /(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,200}/g],
  ['openai', /(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}/g],
  ['aws-access-key-id', /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g],
  ['github', /(?<!\w)(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,251}(?!\w)/g],
  ['github', /(?<!\w)github_pat_[A-Za-z0-9_]{22,251}/g],
  ['google', /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g],
  ['slack', /(?<![\w-])xox[bpars]-[A-Za-z0-9-]{10,250}/g],
  ['stripe', /(?<!\w)(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,247}(?!\w)/g],
];

// Cheap prefilter: skip all vendor patterns when none of their prefixes occurs.
const VENDOR_PREFILTER =
  /sk-|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|AIza|xox[bpars]-|(?:sk|rk|pk)_(?:live|test)_/;

const AWS_SECRET_RE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_SECRET_CONTEXT = /aws|secret/i;

/**
 * Generic secrets: a key-like word, an assignment (`=`, `:`, `=>`, "is") and a high-entropy value. The value
 * is reported, not the key name.
 */
const GENERIC_RE =
  /(?<![A-Za-z0-9])(?:api[_-]?key|apikey|api[_-]?token|access[_-]?token|auth[_-]?token|refresh[_-]?token|secret[_-]?key|client[_-]?secret|private[_-]?key|secret|token|password|passwd|bearer|x-api-key|authorization)["']?\s{0,3}(?:[:=]|=>|is|:=)?\s{0,3}(?:bearer\s{1,3})?["']?([A-Za-z0-9_+/=.~-]{16,512})/gi;
const GENERIC_PREFILTER = /key|token|secret|passw|bearer|authorization/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function looksRandom(v: string): boolean {
  if (!/\d/.test(v) || !/[A-Za-z]/.test(v)) return false;
  return shannonEntropy(v) >= 3.3;
}

/** Detect API keys and other credentials. */
export function detectSecrets(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  if (VENDOR_PREFILTER.test(text)) {
    for (const [kind, re] of VENDOR_PATTERNS) {
      for (const m of text.matchAll(re)) {
        if (kind === 'openai' && !/\d/.test(m[0])) continue;
        out.push({ type: 'API_KEY', start: m.index, end: m.index + m[0].length, score: 1, kind });
      }
    }
  }
  if (AWS_SECRET_CONTEXT.test(text)) {
    for (const m of text.matchAll(AWS_SECRET_RE)) {
      const before = text.slice(Math.max(0, m.index - 60), m.index);
      if (!AWS_SECRET_CONTEXT.test(before) || !looksRandom(m[0])) continue;
      if (overlaps(out, m.index, m.index + 40)) continue;
      out.push({
        type: 'API_KEY',
        start: m.index,
        end: m.index + 40,
        score: 0.9,
        kind: 'aws-secret-access-key',
      });
    }
  }
  if (GENERIC_PREFILTER.test(text)) {
    for (const m of text.matchAll(GENERIC_RE)) {
      const v = m[1]!.replace(/[.=]+$/, '');
      const start = m.index + m[0].length - m[1]!.length;
      if (v.length < 16 || !looksRandom(v)) continue;
      if (overlaps(out, start, start + v.length)) continue;
      out.push({ type: 'API_KEY', start, end: start + v.length, score: 0.8, kind: 'generic' });
    }
  }
  return out;
}

function overlaps(found: PiiFinding[], s: number, e: number): boolean {
  for (const f of found) if (s < f.end && f.start < e) return true;
  return false;
}
