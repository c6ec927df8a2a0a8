/**
 * Keeps the SDK's own call span out of the calls we instrument. `@anthropic-ai/sdk` 0.13x and 1.x start
 * an `anthropic.messages.create` span of their own when a tracer provider is registered (scope
 * `com.anthropic.sdk.typescript`, see the SDK's `internal/tracing.ts`), reading `client._tracer` each
 * time a method starts a call. We gate that read per client: while one of our calls is active in the
 * OpenTelemetry context, the client reports no tracer, so the SDK makes no span for it, and every other
 * SDK span (other endpoints, tool runners) is kept. One span per call.
 */
import { type Context, context, createContextKey } from '@opentelemetry/api';

const SUPPRESS_SDK_SPAN = createContextKey('genai-ops.anthropic.suppress-sdk-span');
const gated = new WeakSet<object>();

/** Whether the SDK's own span is suppressed in `ctx`. */
export function sdkSpanSuppressed(ctx: Context = context.active()): boolean {
  return ctx.getValue(SUPPRESS_SDK_SPAN) === true;
}

/**
 * Returns `ctx` marked so that `client` starts no span of its own inside it. Installs the gate on the
 * client the first time (an accessor in place of its `_tracer` field; writes still go through).
 * Clients of SDKs without their own tracing have no `_tracer` field and are left alone.
 */
export function withoutSdkSpan(client: unknown, ctx: Context): Context {
  if (typeof client === 'object' && client !== null && !gated.has(client)) {
    gated.add(client);
    const desc = Object.getOwnPropertyDescriptor(client, '_tracer');
    if (desc && 'value' in desc && desc.configurable) {
      let tracer: unknown = desc.value;
      Object.defineProperty(client, '_tracer', {
        configurable: true,
        enumerable: desc.enumerable ?? false,
        get: () => (sdkSpanSuppressed() ? undefined : tracer),
        set: (value: unknown) => {
          tracer = value;
        },
      });
    }
  }
  return ctx.setValue(SUPPRESS_SDK_SPAN, true);
}
