import { diag } from '@opentelemetry/api';
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
 * Observes a stream without consuming it: every chunk is yielded to the caller as it arrives, then folded.
 * The call ends exactly once in `finally`: on completion, on early `break` (the caller's `return()` is
 * passed to the source, so the SDK aborts its request as it would without us), on error, on abort.
 * An error from the source is rethrown unchanged; errors in our own code are swallowed.
 */
export async function* observeStream<TChunk>(
  source: AsyncIterable<TChunk>,
  call: GenAICall,
  reducer: StreamReducer<TChunk>,
): AsyncGenerator<TChunk, void, undefined> {
  let completed = false;
  let failure: { error: unknown } | undefined;
  let pending: { chunk: TChunk } | undefined;
  try {
    for await (const chunk of source) {
      call.chunk();
      let hidden = false;
      if (reducer.hide) {
        try {
          hidden = reducer.hide(chunk);
        } catch {
          hidden = false;
        }
      }
      pending = { chunk };
      if (!hidden) yield chunk;
      pending = undefined;
      safeFold(reducer, chunk);
    }
    completed = true;
  } catch (error) {
    failure = { error };
    throw error;
  } finally {
    // A caller that stopped at chunk k (break) still has chunk k counted.
    if (pending) safeFold(reducer, pending.chunk);
    try {
      reducer.finish(call, failure ? { completed, error: failure.error } : { completed });
    } catch (err) {
      diag.debug('genai-ops: stream reducer finish failed', err);
    }
    call.end(failure?.error);
  }
}

function safeFold<TChunk>(reducer: StreamReducer<TChunk>, chunk: TChunk): void {
  try {
    reducer.fold(chunk);
  } catch (err) {
    diag.debug('genai-ops: stream reducer fold failed', err);
  }
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
): () => AsyncIterator<TChunk> {
  let used = false;
  return function observedIterator(this: unknown): AsyncIterator<TChunk> {
    const iterator = factory.call(this);
    if (used) return iterator;
    used = true;
    return observeStream({ [Symbol.asyncIterator]: () => iterator }, call, reducer);
  };
}

const collectedRegistry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<GenAICall>((call) => {
        if (!call.ended) call.end(undefined, { errorType: 'stream_abandoned' });
      })
    : undefined;

/**
 * Ends `call` if `owner` (a stream the caller never iterated to the end nor cancelled) is garbage
 * collected, so an abandoned stream cannot keep its span open forever.
 */
export function endCallWhenCollected(owner: object, call: GenAICall): void {
  collectedRegistry?.register(owner, call);
}
