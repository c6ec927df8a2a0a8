import { diag } from '@opentelemetry/api';
import { registerAbandonedCall } from './abandoned-call.js';
import type { GenAICall } from './call.js';

/** How a stream ended, as seen by the wrapper. */
export interface StreamOutcome {
  /** The source ran to its end. */
  completed: boolean;
  /** The error the source threw (also thrown to the caller, unchanged). */
  error?: unknown;
}

/**
 * What a provider supplies to the stream wrapper: it folds chunks into the provider's own accumulated
 * state and, once, turns that state into attributes, usage and output messages on the call.
 */
export interface StreamReducer<TChunk> {
  /**
   * Return true to keep this chunk from the caller. Used only for chunks the instrumentation itself
   * caused (the usage-only chunk of an OpenAI stream whose caller did not ask for usage).
   */
  hide?(chunk: TChunk): boolean;
  /** Folds one chunk. Called after the chunk was handed to the caller. */
  fold(chunk: TChunk): void;
  /** Called once when the stream ends, however it ends, before the call ends. */
  finish(call: GenAICall, outcome: StreamOutcome): void;
}

/**
 * The observing iterator. A plain async-iterator object rather than an async generator: a generator
 * wrapped around `for await` costs one more promise, one more result object and a generator resume per
 * chunk (≈ 0.2–0.3 µs); here a chunk costs one `then` on the source's own promise, and the source's own
 * result object reaches the caller. Each chunk is folded only once the caller asks for the next one (or
 * stops), i.e. after the caller had it, as the generator did after its `yield`. The two `then` handlers
 * are made once per stream.
 *
 * Ends the call exactly once: when the source reports `done` (completed), when the source or its `next()`
 * throws (the error is passed on unchanged), on `return()` (early `break`: the source's `return()` is
 * then called, so the SDK aborts its request as it would without us; its result is the caller's) and on
 * `throw()` (the source is closed with `return()`, as `for await` does). Errors in our own code (a
 * reducer) are logged at debug level and swallowed.
 */
class ObservedStream<TChunk> implements AsyncIterableIterator<TChunk> {
  private _source: AsyncIterable<TChunk> | undefined;
  private _iterator: AsyncIterator<TChunk> | undefined;
  private readonly _call: GenAICall;
  private readonly _reducer: StreamReducer<TChunk>;
  private readonly _hides: boolean;
  /** The chunk the caller got last, folded when it asks for the next one (or stops). */
  private _pending: TChunk | undefined;
  private _hasPending = false;
  private _finished = false;
  /**
   * The SDK stream object this iterator was taken from, kept alive until the stream ends: its collection
   * ends the call as abandoned (endCallWhenCollected), and a caller may hold only this iterator
   * (`for await (const c of await client.create(...))`).
   */
  private _owner: unknown;
  private readonly _onResult: (
    result: IteratorResult<TChunk>,
  ) => IteratorResult<TChunk> | Promise<IteratorResult<TChunk>>;
  private readonly _onError: (error: unknown) => never;

  constructor(
    source: AsyncIterable<TChunk> | undefined,
    iterator: AsyncIterator<TChunk> | undefined,
    call: GenAICall,
    reducer: StreamReducer<TChunk>,
    owner?: unknown,
  ) {
    this._owner = owner;
    this._source = source;
    this._iterator = iterator;
    this._call = call;
    this._reducer = reducer;
    this._hides = typeof reducer.hide === 'function';
    this._onResult = (result) => this._result(result);
    this._onError = (error) => {
      this._finish(false, true, error);
      throw error;
    };
  }

  next(): Promise<IteratorResult<TChunk>> {
    if (this._finished) return Promise.resolve({ done: true, value: undefined });
    if (this._hasPending) this._foldPending();
    try {
      let iterator = this._iterator;
      if (iterator === undefined) {
        iterator = (this._source as AsyncIterable<TChunk>)[Symbol.asyncIterator]();
        this._iterator = iterator;
        this._source = undefined;
      }
      return Promise.resolve(iterator.next()).then(this._onResult, this._onError);
    } catch (error) {
      this._finish(false, true, error);
      return Promise.reject(error);
    }
  }

  return(value?: unknown): Promise<IteratorResult<TChunk>> {
    const done = { done: true, value } as IteratorResult<TChunk>;
    if (this._finished) return Promise.resolve(done);
    this._finish(false, false, undefined);
    const iterator = this._iterator;
    if (iterator === undefined || typeof iterator.return !== 'function') return Promise.resolve(done);
    try {
      return Promise.resolve(iterator.return(value));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  throw(error?: unknown): Promise<IteratorResult<TChunk>> {
    if (this._finished) return Promise.reject(error);
    this._finish(false, true, error);
    const iterator = this._iterator;
    if (iterator === undefined || typeof iterator.return !== 'function') return Promise.reject(error);
    let closing: Promise<unknown>;
    try {
      closing = Promise.resolve(iterator.return());
    } catch {
      closing = Promise.resolve();
    }
    const rethrow = (): never => {
      throw error;
    };
    return closing.then(rethrow, rethrow);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private _result(result: IteratorResult<TChunk>): IteratorResult<TChunk> | Promise<IteratorResult<TChunk>> {
    // Ended meanwhile (return() while this next() was in flight): pass the result on, unobserved.
    if (this._finished) return result;
    if (result === null || typeof result !== 'object') {
      // What `for await` throws for a broken iterator.
      const error = new TypeError(`Iterator result ${String(result)} is not an object`);
      this._finish(false, true, error);
      throw error;
    }
    if (result.done) {
      this._finish(true, false, undefined);
      return result;
    }
    const chunk = result.value;
    this._call.chunk();
    // Concurrent next() calls: the chunk before this one was not folded yet.
    if (this._hasPending) this._foldPending();
    if (this._hides && this._hidden(chunk)) {
      this._fold(chunk);
      return this.next();
    }
    this._pending = chunk;
    this._hasPending = true;
    return result;
  }

  private _hidden(chunk: TChunk): boolean {
    try {
      return (this._reducer.hide as (chunk: TChunk) => boolean)(chunk) === true;
    } catch {
      return false;
    }
  }

  private _foldPending(): void {
    const chunk = this._pending as TChunk;
    this._pending = undefined;
    this._hasPending = false;
    this._fold(chunk);
  }

  private _fold(chunk: TChunk): void {
    try {
      this._reducer.fold(chunk);
    } catch (err) {
      diag.debug('genai-ops: stream reducer fold failed', err);
    }
  }

  /** Ends the call once. A caller that stopped at chunk k (break) still has chunk k counted. */
  private _finish(completed: boolean, failed: boolean, error: unknown): void {
    if (this._finished) return;
    this._finished = true;
    if (this._owner !== undefined) this._owner = undefined;
    if (this._hasPending) this._foldPending();
    try {
      this._reducer.finish(this._call, failed ? { completed, error } : { completed });
    } catch (err) {
      diag.debug('genai-ops: stream reducer finish failed', err);
    }
    this._call.end(failed ? error : undefined);
  }
}

/**
 * Observes a stream without consuming it: every chunk is handed to the caller as it arrives, then folded.
 * The call ends exactly once: on completion, on early `break` (the caller's `return()` is passed to the
 * source, so the SDK aborts its request as it would without us), on error, on abort. An error from the
 * source is rethrown unchanged; errors in our own code are swallowed. The source's iterator is created
 * when the caller first asks for a chunk; with `abort`, a stream aborted before that ends its call at the
 * abort (see {@link observeIteratorFactory}).
 */
export function observeStream<TChunk>(
  source: AsyncIterable<TChunk>,
  call: GenAICall,
  reducer: StreamReducer<TChunk>,
  abort?: AbortWatch,
): AsyncIterableIterator<TChunk> {
  const watch = abort ? endCallOnAbortBeforeRead(call, abort) : undefined;
  if (watch === undefined) return new ObservedStream(source, undefined, call, reducer);
  const watched: AsyncIterable<TChunk> = {
    [Symbol.asyncIterator](): AsyncIterator<TChunk> {
      watch.stop();
      return source[Symbol.asyncIterator]();
    },
  };
  return new ObservedStream(watched, undefined, call, reducer);
}

/**
 * Wraps an SDK stream's iterator factory (for example `Stream.iterator` in the OpenAI SDK, which both
 * `for await` and `tee()` / `toReadableStream()` go through) so the first iteration is observed. Later
 * calls go to the original untouched, so the SDK's own "stream already consumed" behaviour is kept and
 * no second span or double count can happen.
 */
export function observeIteratorFactory<TChunk>(
  factory: () => AsyncIterator<TChunk>,
  call: GenAICall,
  reducer: StreamReducer<TChunk>,
  abort?: AbortWatch,
): () => AsyncIterator<TChunk> {
  let used = false;
  const watch = abort ? endCallOnAbortBeforeRead(call, abort) : undefined;
  return function observedIterator(this: unknown): AsyncIterator<TChunk> {
    const iterator = factory.call(this);
    if (used) return iterator;
    used = true;
    watch?.stop();
    return new ObservedStream(undefined, iterator, call, reducer, this);
  };
}

/** The request signal of a stream, and the `error.type` its call ends with when the caller aborts it. */
export interface AbortWatch {
  signal: AbortSignalLike | undefined;
  errorType: string;
}

/** The part of the DOM `AbortSignal` used here (SDKs bring their own typings or polyfills). */
export interface AbortSignalLike {
  readonly aborted?: boolean;
  addEventListener?(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener?(type: 'abort', listener: () => void): void;
}

/**
 * A stream aborted before anyone reads it (`stream.controller.abort()`, the caller's signal) ends its
 * call at the abort: nothing else would, but the collection of the stream object. Once the stream is
 * read, the observed iterator sees how it ends, and `stop()` drops the watch.
 *
 * The abort listener is added only a macrotask after the stream was handed over (one `setImmediate` for
 * all the streams created in the same turn), if the stream was not read meanwhile. A caller nearly always
 * starts reading in the same turn (`for await (const c of await client.create(...))`), and adding then
 * removing a listener on the SDK's `AbortSignal` (Node's EventTarget) cost ≈ 14 µs of the ≈ 100 µs a
 * 10-chunk OpenAI stream added above a bare span (2026-11-27, docs/bench/openai.md). A signal that aborted
 * before the listener was added ends the call when the watch is attached, one macrotask after the stream
 * was created at most.
 */
function endCallOnAbortBeforeRead(
  call: GenAICall,
  { signal, errorType }: AbortWatch,
): AbortWatcher | undefined {
  if (call.ended || signal === undefined || typeof signal.addEventListener !== 'function') return undefined;
  if (signal.aborted === true) {
    call.end(undefined, { errorType });
    return undefined;
  }
  const watch = new AbortWatcher(call, signal, errorType);
  deferredWatches.push(watch);
  if (deferredWatches.length === 1) nextMacrotask(attachDeferredWatches);
  // Code that creates stream after stream without ever yielding to the event loop (replayed or mocked
  // responses) would otherwise keep every call in this list until it does: past the bound the pending
  // watches attach now, as they would have without the deferral.
  else if (deferredWatches.length >= MAX_DEFERRED_WATCHES) attachDeferredWatches();
  return watch;
}

/** Watches waiting for the macrotask that attaches their listeners (see endCallOnAbortBeforeRead). */
let deferredWatches: AbortWatcher[] = [];
const MAX_DEFERRED_WATCHES = 1024;

const nextMacrotask: (fn: () => void) => unknown =
  typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0);

/** Runs on its own macrotask: nothing may escape it (an uncaught error there would end the process). */
function attachDeferredWatches(): void {
  const watches = deferredWatches;
  deferredWatches = [];
  for (const watch of watches) {
    try {
      watch.attach();
    } catch (err) {
      diag.debug('genai-ops: could not watch the stream request signal', err);
    }
  }
}

/**
 * The abort watch of one unread stream. A stopped watch lets go of its call and signal at once: it may
 * wait in the deferred list for its macrotask long after its stream ended.
 */
class AbortWatcher {
  private _call: GenAICall | undefined;
  private _signal: AbortSignalLike | undefined;
  private _listener: (() => void) | undefined;

  constructor(
    call: GenAICall,
    signal: AbortSignalLike,
    private readonly _errorType: string,
  ) {
    this._call = call;
    this._signal = signal;
  }

  /** Starts listening, unless the stream was read or its call ended meanwhile; ends the call if aborted. */
  attach(): void {
    const signal = this._signal;
    if (signal === undefined || this._call?.ended !== false) return;
    if (signal.aborted === true) {
      this._abort();
      return;
    }
    const listener = (): void => this._abort();
    try {
      signal.addEventListener?.('abort', listener, { once: true });
      this._listener = listener;
    } catch (err) {
      diag.debug('genai-ops: could not watch the stream request signal', err);
    }
  }

  /** The stream is being read (or is no longer watched): no listener from now on. */
  stop(): void {
    const signal = this._signal;
    const listener = this._listener;
    this._call = undefined;
    this._signal = undefined;
    this._listener = undefined;
    if (signal === undefined || listener === undefined) return;
    try {
      signal.removeEventListener?.('abort', listener);
    } catch {}
  }

  private _abort(): void {
    this._call?.end(undefined, { errorType: this._errorType });
  }
}

/**
 * Ends `call` if `owner` (a stream the caller never iterated to the end nor cancelled) is garbage
 * collected, so an abandoned stream cannot keep its span open forever. The registration is dropped
 * when the call ends.
 */
export function endCallWhenCollected(owner: object, call: GenAICall): void {
  if (call.ended) return;
  const id = registerAbandonedCall(owner, call);
  if (id !== 0) call._watchedUntilEnd(id);
}
