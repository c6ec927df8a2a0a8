/**
 * Keeps the SDK's own call span out of the calls we instrument. `@anthropic-ai/sdk` 0.13x and 1.x start
 * an `anthropic.messages.create` span of their own when a tracer provider is registered (scope
 * `com.anthropic.sdk.typescript`, see the SDK's `internal/tracing.ts`), reading `client._tracer` each
 * time a method starts a call. We gate that read per client: while one of our calls is running, the
 * client reports no tracer, so the SDK makes no span for it, and every other SDK span (other endpoints,
 * tool runners) is kept. One span per call.
 *
 * "While one of our calls is running" is known two ways: synchronously (the SDK reads `_tracer` inside
 * `create()`, before it returns its promise; {@link runWithoutSdkSpan} counts those frames, which works
 * with or without a context manager and costs no context lookup), and through the OpenTelemetry context
 * for the helpers that call `create()` later, from a promise continuation (`messages.stream()`), which
 * needs a context manager, as every OpenTelemetry setup for Node registers one.
 */
import { type Context, context, createContextKey } from '@opentelemetry/api';

const SUPPRESS_SDK_SPAN = createContextKey('genai-ops.anthropic.suppress-sdk-span');
const gated = new WeakSet<object>();
/** How many of our wrapped calls are on the stack right now (synchronous suppression). */
let runningDepth = 0;

/** Whether the SDK's own span is suppressed in `ctx`. */
export function sdkSpanSuppressed(ctx: Context = context.active()): boolean {
  return ctx.getValue(SUPPRESS_SDK_SPAN) === true;
}

/** Whether the SDK's own span is suppressed right now: inside one of our calls, on the stack or in context. */
function suppressedNow(): boolean {
  return runningDepth > 0 || sdkSpanSuppressed();
}

/**
 * Installs the gate on `client` the first time (an accessor in place of its `_tracer` field; writes
 * still go through). Clients of SDKs without their own tracing have no `_tracer` field and are left
 * alone.
 */
function gate(client: unknown): void {
  if (typeof client !== 'object' || client === null || gated.has(client)) return;
  gated.add(client);
  const desc = Object.getOwnPropertyDescriptor(client, '_tracer');
  if (desc && 'value' in desc && desc.configurable) {
    let tracer: unknown = desc.value;
    Object.defineProperty(client, '_tracer', {
      configurable: true,
      enumerable: desc.enumerable ?? false,
      get: () => (suppressedNow() ? undefined : tracer),
      set: (value: unknown) => {
        tracer = value;
      },
    });
  }
}

/**
 * Returns `ctx` marked so that `client` starts no span of its own inside it, and installs the gate on
 * the client the first time.
 */
export function withoutSdkSpan(client: unknown, ctx: Context): Context {
  gate(client);
  return ctx.setValue(SUPPRESS_SDK_SPAN, true);
}

/**
 * Runs `fn` (a call of the SDK method) in `ctx` with `client`'s own span suppressed, both for the
 * synchronous part of the call and, through `ctx`, for what the SDK does later in that context.
 */
export function runWithoutSdkSpan<T>(client: unknown, ctx: Context, fn: () => T): T {
  let gatedCtx = ctx;
  try {
    gatedCtx = withoutSdkSpan(client, ctx);
  } catch {
    // A client we cannot gate: the call runs as it would without us.
  }
  runningDepth++;
  try {
    return context.with(gatedCtx, fn);
  } finally {
    runningDepth--;
  }
}
