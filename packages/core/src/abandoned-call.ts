import type { GenAICall } from './call.js';

// The safety net for streams nobody finishes: a stream the caller never iterates to its end nor cancels
// ends its call when the stream object is garbage collected (error.type `stream_abandoned`), so it
// cannot keep its span open forever. The call is its own unregister token and leaves the registry when
// it ends: a finished stream then costs no cleanup task at collection and does not keep its call (span,
// attributes) alive until then (register + unregister ≈ 0.9 µs a stream against ≈ 1.3 µs for a
// registration left to the collector, docs/bench/openai.md).

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<GenAICall>((call) => {
        if (!call.ended) call.end(undefined, { errorType: 'stream_abandoned' });
      })
    : undefined;

/** Registers `call` to end when `owner` is collected; returns false when the runtime cannot. */
export function registerAbandonedCall(owner: object, call: GenAICall): boolean {
  if (registry === undefined) return false;
  registry.register(owner, call, call);
  return true;
}

/** Takes `call` out of the registry (it ended). */
export function unregisterAbandonedCall(call: GenAICall): void {
  registry?.unregister(call);
}
