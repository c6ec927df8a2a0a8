/** PII and secret types reported by the PII detector (exact, stable names). */
export type PiiType =
  | 'EMAIL'
  | 'PHONE'
  | 'CREDIT_CARD'
  | 'IBAN'
  | 'PT_NIF'
  | 'PT_NISS'
  | 'PT_CC'
  | 'ES_DNI'
  | 'ES_NIE'
  | 'US_SSN'
  | 'IP_ADDRESS'
  | 'API_KEY';

/** Every PII type, in a stable order. */
export const PII_TYPES: readonly PiiType[] = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'PT_NIF',
  'PT_NISS',
  'PT_CC',
  'ES_DNI',
  'ES_NIE',
  'US_SSN',
  'IP_ADDRESS',
  'API_KEY',
];

/** PII types that are secrets (credentials) rather than personal data. */
export const SECRET_TYPES: readonly PiiType[] = ['API_KEY'];

/** Where a piece of text came from. Retrieved documents and tool output are where indirect injection hides. */
export type TextSource = 'user' | 'retrieved' | 'tool' | 'model' | 'system';

/** Detector names accepted by `ScanOptions.detectors`. */
export type DetectorName = 'pii' | 'secrets' | 'injection' | 'policy' | 'canary';

/** One PII or secret finding. Offsets are UTF-16 code units into the ORIGINAL text, `end` exclusive. */
export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
  /** Confidence in [0,1]: 1 for checksum-validated values, lower for context-only ones. */
  score?: number;
  /** Sub-kind, e.g. the key vendor for API_KEY (`openai`, `aws-access-key-id`, ...). */
  kind?: string;
}

/** Result of the prompt-injection detector. */
export interface InjectionResult {
  flagged: boolean;
  /** Combined score in [0,1]. */
  score: number;
  /** Threshold the score was compared against. */
  threshold: number;
  /** Ids of the rules that fired (sorted, unique). */
  rules: string[];
  /** True when the grey-zone classifier was consulted. */
  classifierUsed?: boolean;
}

/** A content-policy match (deny list word or pattern). */
export interface PolicyMatch {
  category: string;
  /** Rule id: `deny:<index>` or `pattern:<index>` within the category, or the user-given id. */
  rule: string;
  start: number;
  end: number;
}

/** A canary token found in the text. */
export interface CanaryLeak {
  /** Index of the canary in `options.canaries`. */
  index: number;
  /** Offsets in the original text; -1/-1 when only found after normalization. */
  start: number;
  end: number;
  normalized: boolean;
}

/** Per-detector timings in milliseconds. */
export interface ScanTiming {
  totalMs: number;
  piiMs?: number;
  injectionMs?: number;
  policyMs?: number;
  canaryMs?: number;
}

/** Output of `scan`. */
export interface ScanResult {
  pii: PiiFinding[];
  injection: InjectionResult;
  policy?: PolicyMatch[];
  canaries?: CanaryLeak[];
  /** True when the input exceeded `maxChars` and was scanned in chunks. */
  chunked: boolean;
  timing: ScanTiming;
}
