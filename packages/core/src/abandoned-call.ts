import type { GenAICall } from './call.js';

// The safety net for streams nobody finishes: a stream the caller never iterates to its end nor cancels
// ends its call when the stream object is garbage collected (error.type `stream_abandoned`), so it
// cannot keep its span open forever. The call leaves the registry when it ends: a finished stream then
// costs no cleanup task at collection.
//
// The registry holds a number, not the call: a registration whose held value is the call (directly or
// through a holder object) cost ≈ 18 µs more per stream than one holding a number (V8's weak cell then
// keeps the call's whole object graph, span included, reachable from the old generation), against
// ≈ 1–2 µs for a number plus a Map entry (bench/core-stream.mjs, docs/bench/openai.md). The Map keeps
// the open calls alive, as the registry did; it never references a stream, so streams stay collectable.

/** Open calls by registration id. */
const live = new Map<number, GenAICall>();
/** Registration ids stay small integers (no heap number per registration). */
const MAX_ID = 0x3fffffff;
let lastId = 0;

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<number>((id) => {
        const call = live.get(id);
        if (call === undefined) return;
        live.delete(id);
        if (!call.ended) call.end(undefined, { errorType: 'stream_abandoned' });
      })
    : undefined;

/**
 * Registers `call` to end when `owner` is collected. Returns the registration id to hand back to
 * `unregisterAbandonedCall` when the call ends, or 0 when the runtime has no FinalizationRegistry.
 */
export function registerAbandonedCall(owner: object, call: GenAICall): number {
  if (registry === undefined) return 0;
  do lastId = lastId >= MAX_ID ? 1 : lastId + 1;
  while (live.has(lastId));
  live.set(lastId, call);
  // The call is the unregister token (tokens are held weakly).
  registry.register(owner, lastId, call);
  return lastId;
}

/** Takes the call of registration `id` out of the registry (it ended). */
export function unregisterAbandonedCall(id: number, call: GenAICall): void {
  live.delete(id);
  registry?.unregister(call);
}

/** Calls currently watched (for tests). */
export function watchedCallCount(): number {
  return live.size;
}
