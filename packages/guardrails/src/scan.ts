import { findCanaries } from './canary';
import type { ContentPolicy } from './content-policy';
import { DEFAULT_INJECTION_THRESHOLD, detectInjection, type InjectionClassifier } from './injection';
import { detectPii } from './pii';
import {
  type DetectorName,
  type InjectionResult,
  PII_TYPES,
  type PiiFinding,
  type PiiType,
  type PolicyMatch,
  type ScanResult,
  type TextSource,
} from './types';

/** Options of `scan`. */
export interface ScanOptions {
  /** Where the text came from; weighs injection rules. Default `'user'`. */
  source?: TextSource;
  /**
   * Detectors to run. Default: `pii`, `secrets`, `injection`, plus `policy` when `contentPolicy` is given and
   * `canary` when `canaries` is given.
   */
  detectors?: readonly DetectorName[];
  /** PII types reported by the `pii` detector. Default: all except API_KEY (which is `secrets`). */
  piiTypes?: readonly PiiType[];
  /** Chunk size: longer input is scanned in overlapping chunks of this many chars. Default 65536 (64 KiB). */
  maxChars?: number;
  /** Injection threshold. Default 0.5. */
  injectionThreshold?: number;
  /** Grey-zone classifier, called only when the fast injection score is inside `greyBand`. */
  classifier?: InjectionClassifier;
  /** Grey band for the classifier. Default `[0.25, 0.75]`. */
  greyBand?: readonly [number, number];
  /** Compiled content policy (see `ContentPolicy`). */
  contentPolicy?: ContentPolicy;
  /** Restrict the content policy to these categories. Default: all. */
  policyCategories?: readonly string[];
  /** Canary tokens to look for (see `createCanary`). */
  canaries?: readonly string[];
}

/** Default chunk size (64 KiB of UTF-16 code units). */
export const DEFAULT_MAX_CHARS = 65536;
/** Overlap between chunks: longer than any single finding, so none is cut at a boundary. */
const CHUNK_OVERLAP = 512;

const NON_SECRET_TYPES: readonly PiiType[] = PII_TYPES.filter((t) => t !== 'API_KEY');

/**
 * Scan `text` with the selected detectors. Synchronous and allocation-light; offsets are UTF-16 code units
 * into the original text.
 */
export function scan(text: string, options: ScanOptions = {}): ScanResult {
  return scanWith(text, options, clock);
}

const clock = (): number => performance.now();
const noClock = (): number => 0;

/**
 * `scan` without the timings (every `timing` field is 0): for callers that discard them (Policy.evaluate
 * times the whole evaluation itself), which saves a clock read per detector.
 */
export function scanUntimed(text: string, options: ScanOptions = {}): ScanResult {
  return scanWith(text, options, noClock);
}

/** The PII type sets of the default `piiTypes`, by which of pii/secrets run (built once, read only). */
const DEFAULT_TYPE_SETS = new Map<string, ReadonlySet<PiiType>>();

function typeSet(pii: boolean, secrets: boolean, piiTypes: readonly PiiType[] | undefined): Set<PiiType> {
  const types = new Set<PiiType>();
  if (pii) for (const t of piiTypes ?? NON_SECRET_TYPES) types.add(t);
  if (secrets) types.add('API_KEY');
  return types;
}

function defaultTypeSet(pii: boolean, secrets: boolean): ReadonlySet<PiiType> {
  const key = `${pii}${secrets}`;
  let set = DEFAULT_TYPE_SETS.get(key);
  if (set === undefined) {
    set = typeSet(pii, secrets, undefined);
    DEFAULT_TYPE_SETS.set(key, set);
  }
  return set;
}

function scanWith(text: string, options: ScanOptions, now: () => number): ScanResult {
  const t0 = now();
  const detectors = new Set<DetectorName>(
    options.detectors ?? [
      'pii',
      'secrets',
      'injection',
      ...(options.contentPolicy ? (['policy'] as const) : []),
      ...(options.canaries ? (['canary'] as const) : []),
    ],
  );
  const wantPii = detectors.has('pii');
  const wantSecrets = detectors.has('secrets');
  // The caller's piiTypes array may change between calls: only the default set is reused.
  const types =
    options.piiTypes === undefined
      ? defaultTypeSet(wantPii, wantSecrets)
      : typeSet(wantPii, wantSecrets, options.piiTypes);
  const maxChars = Math.max(options.maxChars ?? DEFAULT_MAX_CHARS, CHUNK_OVERLAP * 4);
  const chunks = chunkText(text, maxChars);
  const timing: ScanResult['timing'] = { totalMs: 0 };

  let pii: PiiFinding[] = [];
  if (types.size > 0) {
    const s = now();
    for (const [off, chunk] of chunks) {
      for (const f of detectPii(chunk, { types })) {
        f.start += off;
        f.end += off;
        pii.push(f);
      }
    }
    if (chunks.length > 1) pii = dedupe(pii);
    timing.piiMs = now() - s;
  }

  const threshold = options.injectionThreshold ?? DEFAULT_INJECTION_THRESHOLD;
  let injection: InjectionResult = { flagged: false, score: 0, threshold, rules: [] };
  if (detectors.has('injection')) {
    const s = now();
    const rules = new Set<string>();
    for (const [, chunk] of chunks) {
      const r = detectInjection(chunk, {
        source: options.source,
        threshold,
        classifier: options.classifier,
        greyBand: options.greyBand,
      });
      for (const id of r.rules) rules.add(id);
      if (r.score >= injection.score) injection = { ...r, rules: [] };
    }
    injection.rules = [...rules].sort();
    timing.injectionMs = now() - s;
  }

  const result: ScanResult = { pii, injection, chunked: chunks.length > 1, timing };
  if (detectors.has('policy') && options.contentPolicy) {
    const s = now();
    const only = options.policyCategories ? new Set(options.policyCategories) : undefined;
    let policy: PolicyMatch[] = [];
    for (const [off, chunk] of chunks) {
      for (const m of options.contentPolicy.match(chunk, only)) {
        m.start += off;
        m.end += off;
        policy.push(m);
      }
    }
    if (chunks.length > 1) policy = dedupe(policy);
    result.policy = policy;
    timing.policyMs = now() - s;
  }
  if (detectors.has('canary') && options.canaries && options.canaries.length > 0) {
    const s = now();
    result.canaries = findCanaries(text, options.canaries);
    timing.canaryMs = now() - s;
  }
  timing.totalMs = now() - t0;
  return result;
}

/** Split into chunks of `size` that overlap by CHUNK_OVERLAP; returns [offset, chunk] pairs. */
function chunkText(text: string, size: number): Array<[number, string]> {
  if (text.length <= size) return [[0, text]];
  const out: Array<[number, string]> = [];
  const step = size - CHUNK_OVERLAP;
  for (let off = 0; off < text.length; off += step) {
    out.push([off, text.slice(off, off + size)]);
    if (off + size >= text.length) break;
  }
  return out;
}

function dedupe<T extends { start: number; end: number }>(items: T[]): T[] {
  items.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: T[] = [];
  for (const it of items) {
    const prev = out[out.length - 1];
    // Same or contained in the previous one (seen in the overlap of two chunks).
    if (prev && it.start >= prev.start && it.end <= prev.end) continue;
    out.push(it);
  }
  return out;
}
