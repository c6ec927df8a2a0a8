export type {
  PiiType,
  TextSource,
  DetectorName,
  PiiFinding,
  InjectionResult,
  PolicyMatch,
  CanaryLeak,
  ScanTiming,
  ScanResult,
} from './types';
export { PII_TYPES, SECRET_TYPES } from './types';
export { scan, DEFAULT_MAX_CHARS, type ScanOptions } from './scan';
export { detectPii, type PiiDetectOptions } from './pii';
export { detectSecrets, shannonEntropy } from './secrets';
export {
  detectInjection,
  decodeBlobs,
  DEFAULT_INJECTION_THRESHOLD,
  DEFAULT_GREY_BAND,
  type InjectionOptions,
  type InjectionClassifier,
} from './injection';
export { INJECTION_RULES, type InjectionRule, type InjectionCategory } from './injection-rules';
export { normalizeForMatching, type NormalizeResult } from './normalize';
export {
  luhn,
  cardIssuer,
  isValidCard,
  isValidIban,
  isValidPtNif,
  isValidPtNiss,
  isValidPtCc,
  isValidEsDni,
  isValidEsNie,
  isValidUsSsn,
  isValidIpv4,
  IBAN_LENGTHS,
} from './checksums';
export {
  ContentPolicy,
  UnsafePatternError,
  type ContentPolicyConfig,
  type ContentCategoryConfig,
  type ContentPatternConfig,
} from './content-policy';
export { createCanary, findCanaries } from './canary';
export { redact, type RedactOptions, type RedactableFinding } from './redact';
export {
  Policy,
  loadPolicy,
  defaultPolicy,
  DEFAULT_POLICY_CONFIG,
  PolicyValidationError,
  canonicalJson,
  maxAction,
  type Action,
  type Direction,
  type DirectionConfig,
  type PolicyConfig,
  type EvaluateContext,
  type Verdict,
  type VerdictFinding,
  type PolicyError,
} from './policy';
export { GuardrailViolationError, type FindingsSummary } from './errors';
export { createStreamGuard, type StreamGuard, type StreamGuardOptions, type StreamStep } from './stream-guard';
