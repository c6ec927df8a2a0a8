import { ERROR_TYPE_VALUE_OTHER } from './semconv.js';

/**
 * The low-cardinality `error.type` for an error: the provider's error code when the SDK exposes a
 * string one, else the error's class name, else `_OTHER`.
 */
export function errorType(error: unknown): string {
  if (error === null || error === undefined) return ERROR_TYPE_VALUE_OTHER;
  if (typeof error === 'object') {
    const e = error as { name?: unknown; constructor?: { name?: unknown } };
    const ctor = typeof e.constructor?.name === 'string' ? e.constructor.name : undefined;
    // A DOMException's class says nothing; its name (AbortError, TimeoutError) does.
    if (ctor && ctor !== 'Error' && ctor !== 'Object' && ctor !== 'DOMException') return ctor;
    if (typeof e.name === 'string' && e.name !== 'Error' && e.name !== '') return e.name;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number') return String(status);
  }
  return ERROR_TYPE_VALUE_OTHER;
}

/** Whether an error is an abort by the caller (AbortController), across SDKs. */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return name === 'AbortError' || ctor === 'APIUserAbortError' || name === 'APIUserAbortError';
}
