export { createCanary, findCanaries } from './canary';
export {
  cardIssuer,
  IBAN_LENGTHS,
  isValidCard,
  isValidEsDni,
  isValidEsNie,
  isValidIban,
  isValidIpv4,
  isValidPtCc,
  isValidPtNif,
  isValidPtNiss,
  isValidUsSsn,
  luhn,
} from './checksums';
export {
  type ContentCategoryConfig,
  type ContentPatternConfig,
  ContentPolicy,
  type ContentPolicyConfig,
  UnsafePatternError,
} from './content-policy';
export { type FindingsSummary, GuardrailViolationError } from './errors';
export {
  DEFAULT_GREY_BAND,
  DEFAULT_INJECTION_THRESHOLD,
  decodeBlobs,
  detectInjection,
  type InjectionClassifier,
  type InjectionOptions,
} from './injection';
export { INJECTION_RULES, type InjectionCategory, type InjectionRule } from './injection-rules';
export { type NormalizeResult, normalizeForMatching } from './normalize';
export { detectPii, type PiiDetectOptions } from './pii';
export {
  type Action,
  canonicalJson,
  DEFAULT_POLICY_CONFIG,
  type Direction,
  type DirectionConfig,
  defaultPolicy,
  type EvaluateContext,
  loadPolicy,
  maxAction,
  Policy,
  type PolicyConfig,
  type PolicyError,
  PolicyValidationError,
  type Verdict,
  type VerdictFinding,
} from './policy';
export { type RedactableFinding, type RedactOptions, redact } from './redact';
export { DEFAULT_MAX_CHARS, type ScanOptions, scan } from './scan';
export { detectSecrets, shannonEntropy } from './secrets';
export {
  createStreamGuard,
  type StreamGuard,
  type StreamGuardOptions,
  type StreamStep,
} from './stream-guard';
export type {
  CanaryLeak,
  DetectorName,
  InjectionResult,
  PiiFinding,
  PiiType,
  PolicyMatch,
  ScanResult,
  ScanTiming,
  TextSource,
} from './types';
export { PII_TYPES, SECRET_TYPES } from './types';
