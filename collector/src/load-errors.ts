/**
 * Classifying the failure of a loader commit: permanent (the data itself cannot be stored, so retrying
 * the same entries can never succeed) or transient (disk, memory, a worker that died, anything else).
 * A permanent failure repeated `PERMANENT_ATTEMPTS` times makes the loader isolate the group and
 * quarantine the entry that fails alone (see `Pipeline`); a transient one is retried with back-off.
 * Unknown errors are transient: a wrong "transient" stalls the loader (visible, nothing lost), a wrong
 * "permanent" moves good data out of the database.
 */

/** Consecutive permanent failures of a commit before the loader isolates (or quarantines) its entries. */
export const PERMANENT_ATTEMPTS = 3;

/**
 * DuckDB error types (the `<Type> Error:` prefix of @duckdb/node-api messages) raised by a value or a
 * row: a conversion or cast, a value out of range, a constraint, invalid input (e.g. malformed JSON).
 */
const DUCKDB_DATA_ERROR =
  /(?:^|: )(?:Conversion|Invalid Input|Constraint|Out of Range|Mismatch Type|Decimal|Divide by Zero|Invalid type) Error:/;

/**
 * DuckDB error types that say nothing about the data (IO, memory, a database invalidated by an earlier
 * failure, a transaction conflict, an interrupt...): transient even when a data error is also named.
 */
const DUCKDB_TRANSIENT_ERROR =
  /(?:^|: )(?:IO|Out of Memory|FATAL|INTERNAL|Connection|TransactionContext|INTERRUPT|Interrupt|Permission|Serialization) Error:/i;

/**
 * The appender's own value checks (@duckdb/node-bindings, unprefixed): `number is not an integer`,
 * `number out of int32 range`, `bigint out of int64 range`, `nanos out of int64 range`, ...; and
 * node-addon-api's `A string was expected` (a value of the wrong JavaScript type).
 */
const APPENDER_VALUE_ERROR =
  /(?:^|: )(?:(?:number|bigint|bits|micros|millis|nanos|seconds) out of u?(?:huge)?int\d* range|number is not an integer|An? (?:string|number|bigint|boolean|object|array) was expected)\b/;

/** A JavaScript TypeError / RangeError thrown while building rows from a record (named in the message chain). */
const JS_DATA_ERROR = /(?:^|: )(?:TypeError|RangeError): /;

/** The marker set on an error classified on another thread (see `markLoadError`). */
const MARK = 'permanentLoadError';

/**
 * Records the classification of `err` on the error itself, for an error re-created on another thread
 * from its message (the loader worker classifies where the original error, its name and cause, are
 * known). `permanent: false` also marks an error that must never count as a data error (a forwarder's).
 */
export function markLoadError<E extends Error>(err: E, permanent: boolean): E {
  Object.defineProperty(err, MARK, { value: permanent, enumerable: false, configurable: true });
  return err;
}

/**
 * True when a commit failed because of the data (DuckDB "Conversion Error", "Invalid Input Error",
 * "Constraint Error", "Out of Range Error", ..., the appender's value checks, a TypeError or RangeError
 * from row building); false for IO, out of memory, connection, a worker that exited, and anything
 * unknown. Looks at the error's name and message and its `cause` chain (the store wraps errors, e.g.
 * "storage write failed: Conversion Error: ...").
 */
export function isPermanentLoadError(err: unknown): boolean {
  let permanent = false;
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e !== undefined && e !== null; depth++) {
    if (typeof e === 'object') {
      const marked = (e as Record<string, unknown>)[MARK];
      if (typeof marked === 'boolean') return marked;
    }
    const name = typeof e === 'object' ? String((e as { name?: unknown }).name ?? '') : '';
    const message =
      typeof e === 'object' ? String((e as { message?: unknown }).message ?? '') : String(e as string);
    const text = name && name !== 'Error' ? `${name}: ${message}` : message;
    if (DUCKDB_TRANSIENT_ERROR.test(text)) return false;
    if (
      DUCKDB_DATA_ERROR.test(text) ||
      APPENDER_VALUE_ERROR.test(text) ||
      JS_DATA_ERROR.test(text) ||
      name === 'TypeError' ||
      name === 'RangeError'
    )
      permanent = true;
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return permanent;
}
