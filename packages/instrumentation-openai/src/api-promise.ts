/**
 * Telemetry on the SDK's own `APIPromise`, without consuming it. The SDK parses lazily: `then`,
 * `withResponse()` and the helpers' `_thenUnwrap` all go through the instance's `parseResponse`, and
 * `asResponse()` never does. So we wrap the instance's `parseResponse` (the parse side chain runs before
 * the caller's continuation, which lets the output guard replace texts), watch `responsePromise` for
 * HTTP and connection errors, and end the call when only `asResponse()` was used. The body is never read
 * by us, and the caller gets the very object the SDK returned.
 * SDK source: https://github.com/openai/openai-node/blob/master/src/core/api-promise.ts
 */
import {
  endCallWhenCollected,
  type GenAICall,
  isGuardError,
  type OutputGuard,
  observeIteratorFactory,
  type StreamOutcome,
} from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import type { ApiMapping, OpenAIStreamReducer } from './api.js';
import type { APIPromiseLike, StreamLike } from './internal-types.js';

export function isAPIPromise(value: unknown): value is APIPromiseLike {
  const p = value as Partial<APIPromiseLike> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.parseResponse === 'function' &&
    typeof p.asResponse === 'function' &&
    typeof (p.responsePromise as Promise<unknown> | undefined)?.then === 'function'
  );
}

function isStream(value: unknown): value is StreamLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StreamLike<unknown>).iterator === 'function'
  );
}

/**
 * Attaches the call to an `APIPromise`. Never throws into the caller's flow. `injectedUsage`: we asked
 * for stream usage the caller did not ask for (the usage-only chunk is hidden from them).
 */
export function observeAPIPromise(
  promise: APIPromiseLike,
  call: GenAICall,
  mapping: ApiMapping,
  injectedUsage: boolean,
  outputGuard: OutputGuard | undefined,
): void {
  // No FinalizationRegistry here: registering every promise cost about 25 µs of CPU per call (weak cells
  // and one cleanup task each, see docs/bench/openai.md). A promise that is never awaited, parsed nor
  // read with asResponse() leaves its span open; the SDK has no such path of its own.
  let parsed = false;

  const originalParse = promise.parseResponse;
  promise.parseResponse = function parseResponse(this: unknown, ...args: unknown[]) {
    parsed = true;
    const result = originalParse.apply(this, args) as unknown;
    return Promise.resolve(result).then(
      (value) => {
        if (call.ended) return value;
        if (isStream(value)) {
          observeStreamObject(value, call, mapping, injectedUsage, outputGuard);
          return value;
        }
        try {
          mapping.recordResponse(call, value, outputGuard);
        } catch (err) {
          if (isGuardError(err)) {
            call.end(err);
            throw err;
          }
          diag.warn('genai-ops openai: failed to record the response', err);
        }
        call.end();
        return value;
      },
      (error: unknown) => {
        call.end(error);
        throw error;
      },
    );
  };

  // HTTP errors (after the SDK's retries) and connection errors reject `responsePromise`.
  promise.responsePromise.then(undefined, (error: unknown) => call.end(error));

  // The promises the helpers derive with `_thenUnwrap` outside `create` (`chat.completions.parse`,
  // `responses.parse`) share the response: their `asResponse()` ends the call too.
  const watchRaw = (p: APIPromiseLike): void => {
    const originalAsResponse = p.asResponse;
    p.asResponse = function asResponse(this: unknown, ...args: unknown[]) {
      const out = originalAsResponse.apply(this, args as []);
      out.then(
        () =>
          // `withResponse()` parses too: its parse starts in the same turn. Only a bare `asResponse()`
          // (the caller reads the body) ends the call here, with what is known, body unread.
          setImmediate(() => {
            if (!parsed && !call.ended) call.end();
          }),
        () => undefined,
      );
      return out;
    };
    const originalThenUnwrap = p._thenUnwrap;
    if (typeof originalThenUnwrap === 'function') {
      p._thenUnwrap = function _thenUnwrap(this: unknown, ...args: unknown[]) {
        const derived = originalThenUnwrap.apply(this, args);
        if (isAPIPromise(derived)) watchRaw(derived);
        return derived;
      };
    }
  };
  watchRaw(promise);
}

/** Wraps the iterator factory of the SDK's `Stream`, so `for await`, `tee()` and `toReadableStream()` are observed. */
function observeStreamObject(
  stream: StreamLike<unknown>,
  call: GenAICall,
  mapping: ApiMapping,
  injectedUsage: boolean,
  outputGuard: OutputGuard | undefined,
): void {
  if (!mapping.streamReducer) {
    call.end();
    return;
  }
  const reducer = mapping.streamReducer({
    injectedUsage,
    collectText: call.capturesContent || outputGuard !== undefined,
    outputGuard,
  });
  let factory = stream.iterator;
  if (outputGuard) factory = guardedFactory(factory, reducer, outputGuard);
  stream.iterator = observeIteratorFactory(factory, call, new AbortCheckingReducer(reducer, stream), {
    signal: stream.controller?.signal,
    errorType: ABORT_ERROR_TYPE,
  });
  endCallWhenCollected(stream, call);
}

/**
 * The SDK's stream iterator returns quietly when the caller aborts through its AbortController (it
 * swallows the abort error), so the stream looks complete. An aborted signal after a "completed" stream
 * means the caller aborted: the call ends with the SDK's abort class as `error.type`. (An early `break`
 * also aborts the controller, but it does not complete the stream.) A class, not an object of closures:
 * it runs per chunk and is built per stream.
 */
class AbortCheckingReducer<T> implements OpenAIStreamReducer<T> {
  constructor(
    private readonly _reducer: OpenAIStreamReducer<T>,
    private readonly _stream: StreamLike<unknown>,
  ) {}

  hide(chunk: T): boolean {
    return this._reducer.hide?.(chunk) ?? false;
  }

  fold(chunk: T): void {
    this._reducer.fold(chunk);
  }

  textDelta(chunk: T): string | undefined {
    return this._reducer.textDelta(chunk);
  }

  finish(call: GenAICall, outcome: StreamOutcome): void {
    this._reducer.finish(call, outcome);
    if (
      outcome.completed &&
      outcome.error === undefined &&
      this._stream.controller?.signal?.aborted === true
    ) {
      call.end(undefined, { errorType: ABORT_ERROR_TYPE });
    }
  }
}

/** `error.type` of a caller abort, the SDK's own error class name for it. */
const ABORT_ERROR_TYPE = 'APIUserAbortError';

/**
 * Runs the output guard on each text delta before the chunk reaches the caller. A guard that throws stops
 * the stream: the SDK's request is closed and the guard's error surfaces from the caller's iteration.
 */
function guardedFactory<T>(
  factory: () => AsyncIterator<T>,
  reducer: OpenAIStreamReducer<T>,
  guard: OutputGuard,
): () => AsyncIterator<T> {
  return function guardedIterator(this: unknown): AsyncIterator<T> {
    const source = factory.call(this);
    return {
      async next(): Promise<IteratorResult<T>> {
        const result = await source.next();
        if (!result.done) {
          const delta = reducer.textDelta(result.value);
          if (delta !== undefined) {
            try {
              guard.push(delta);
            } catch (err) {
              await Promise.resolve(source.return?.()).catch(() => undefined);
              throw err;
            }
          }
        }
        return result;
      },
      return: (value?: unknown) =>
        source.return?.(value) ?? Promise.resolve({ done: true, value: undefined as never }),
      throw: (err?: unknown) => source.throw?.(err) ?? Promise.reject(err),
      [Symbol.asyncIterator]() {
        return this;
      },
    } as AsyncIterator<T> & AsyncIterable<T>;
  };
}
