import { createHmac } from 'node:crypto';

/** Anything with a type and offsets can be redacted (PII findings, policy matches, canary leaks). */
export interface RedactableFinding {
  type: string;
  start: number;
  end: number;
}

/** Options of `redact`. */
export interface RedactOptions {
  /**
   * `'type'` (default): `[EMAIL]`. `'hash'`: `[EMAIL:3f2a9c1b]`, an HMAC-SHA256 of the value with `key`,
   * truncated, so equal values give equal placeholders (joins) without revealing the value.
   */
  mode?: 'type' | 'hash';
  /** HMAC key; required for `mode: 'hash'`. */
  key?: string | Buffer;
  /** Hex characters kept from the HMAC. Default 8. */
  hashLength?: number;
}

/**
 * Replace each finding's span with a typed placeholder. Overlapping findings are merged (the earliest-starting,
 * then longest, wins). Findings with negative offsets are ignored. Returns a new string.
 */
export function redact(
  text: string,
  findings: readonly RedactableFinding[],
  options: RedactOptions = {},
): string {
  const mode = options.mode ?? 'type';
  if (mode === 'hash' && (options.key === undefined || options.key.length === 0)) {
    throw new Error("redact: mode 'hash' needs a non-empty options.key");
  }
  const hashLength = options.hashLength ?? 8;
  const sorted = findings
    .filter((f) => f.start >= 0 && f.end > f.start && f.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  for (const f of sorted) {
    if (f.start < pos) continue;
    out += text.slice(pos, f.start);
    if (mode === 'hash') {
      const h = createHmac('sha256', options.key!).update(text.slice(f.start, f.end)).digest('hex');
      out += `[${f.type}:${h.slice(0, hashLength)}]`;
    } else {
      out += `[${f.type}]`;
    }
    pos = f.end;
  }
  return out + text.slice(pos);
}
