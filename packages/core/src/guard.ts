import type { Span } from '@opentelemetry/api';

/** Where a piece of text in a request came from; indirect injection hides in retrieved and tool text. */
export type TextSource = 'user' | 'system' | 'retrieved' | 'tool' | 'model';

/** One piece of text of a request, in the order the provider request carries them. */
export interface GuardTextSegment {
  text: string;
  role: string;
  source: TextSource;
}

/** The call a guard is asked about. */
export interface GuardCallInfo {
  operation: string;
  provider: string;
  requestModel?: string;
  /** The call's span, for recording verdicts as child spans or events. */
  span: Span;
}

/** A guard's answer for the input: replacement texts (same order and count) when it redacted. */
export interface InputGuardResult {
  texts?: string[];
}

/** Per-call output guard. */
export interface OutputGuard {
  /**
   * A streamed text delta. Throws (a GuardrailViolationError) to stop the stream: the error reaches the
   * caller's iteration and the span ends with it.
   */
  push(delta: string): void;
  /**
   * The full output texts of a non-streaming response, or of a stream that ended. Returns replacement
   * texts when it redacted (non-streaming only), throws to block.
   */
  finish(texts: string[]): string[] | undefined;
}

/**
 * The in-process guard hook. Instrumentations call it, when one is installed, before the request is
 * sent and on the output. A guard that throws from `checkInput` blocks the call: the provider is never
 * called and the error reaches the caller (it is the guard's own typed error).
 */
export interface CallGuard {
  checkInput(call: GuardCallInfo, segments: GuardTextSegment[]): InputGuardResult | undefined;
  startOutput(call: GuardCallInfo): OutputGuard | undefined;
}

/**
 * Text slots of a provider request: the segments a guard sees, and how to build a new request (never
 * mutating the caller's) with replaced texts.
 */
export interface TextSlots<TParams> {
  segments: GuardTextSegment[];
  apply(texts: string[]): TParams;
}

let installed: CallGuard | undefined;

/** Installs the process-wide call guard (the guardrails middleware does this). */
export function setCallGuard(guard: CallGuard | undefined): void {
  installed = guard;
}

/** The installed call guard, if any. */
export function getCallGuard(): CallGuard | undefined {
  return installed;
}

/**
 * Whether an error comes from a guard (a block), so instrumentations rethrow it instead of treating it
 * as a bug of their own: errors marked `isGuardrailViolation: true` or named `GuardrailViolationError`.
 */
export function isGuardError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { isGuardrailViolation?: unknown; name?: unknown };
  return e.isGuardrailViolation === true || e.name === 'GuardrailViolationError';
}
