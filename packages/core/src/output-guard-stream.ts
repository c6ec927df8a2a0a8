import { diag } from '@opentelemetry/api';
import { isGuardError, type OutputGuard } from './guard.js';

/**
 * Runs an output guard over a stream: each chunk's text deltas go to `guard.push` before the chunk is
 * handed on, so a guard that blocks (throws a guard error, see `isGuardError`) stops the stream and its
 * error reaches the caller's iteration unchanged. When the source completes, `guard.finish` gets the
 * whole text (it may block too). The caller's `return()` (early `break`) is passed to the source as
 * `for await` does. Any other failure (in `deltas` or a broken guard) is logged and the stream goes on
 * unguarded: a bug must not break the caller.
 */
export async function* guardOutputStream<TChunk>(
  source: AsyncIterable<TChunk>,
  guard: OutputGuard,
  deltas: (chunk: TChunk) => readonly string[],
): AsyncGenerator<TChunk, void, undefined> {
  let text = '';
  let active = true;
  // No closure per chunk: the guard's own verdict (a guard error) goes to the caller, anything else
  // turns the guard off.
  const failed = (err: unknown): void => {
    if (isGuardError(err)) throw err;
    active = false;
    diag.warn('genai-ops: output guard failed; stream continues unguarded', err);
  };
  for await (const chunk of source) {
    if (active) {
      try {
        for (const piece of deltas(chunk)) {
          if (piece === '') continue;
          text += piece;
          guard.push(piece);
        }
      } catch (err) {
        failed(err);
      }
    }
    yield chunk;
  }
  if (active) {
    try {
      guard.finish([text]);
    } catch (err) {
      failed(err);
    }
  }
}
