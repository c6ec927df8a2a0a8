/**
 * The one wrapper of the SDK's `create` methods (Chat Completions, Responses, Embeddings). The helpers
 * (`parse`, `stream`, runners, `beta.*`) all call `create`, so wrapping it gives exactly one span per
 * logical call; a depth counter also keeps a `create` nested in another from opening a second span.
 *
 * This runs on every SDK call, so it is written for the hot path (see docs/bench/openai.md): no closures
 * or option objects unless a guard or content capture needs them, the arguments passed through as they
 * came, and the request attributes built once, sparse.
 */
import {
  GenAICall,
  type GenAITelemetry,
  type GuardCallInfo,
  getCallGuard,
  type OutputGuard,
} from '@genai-ops/core';
import { context, diag } from '@opentelemetry/api';
import type { ApiMapping } from './api.js';
import { isAPIPromise, observeAPIPromise } from './api-promise.js';
import {
  type ClientTarget,
  clientTarget,
  isRecord,
  OPENAI_RESPONSE_SERVICE_TIER_KEY,
  OPENAI_RESPONSE_SYSTEM_FINGERPRINT_KEY,
  str,
} from './attributes.js';
import type { AnyRecord, CreateMethod, OpenAIClientLike, ResourceLike } from './internal-types.js';

/** What the wrapper asks its instrumentation for, on each call. */
export interface WrapperHost {
  /** Telemetry when the instrumentation is enabled, else undefined (call the original). */
  telemetry(): GenAITelemetry | undefined;
  /** Whether to ask for usage on streams whose caller did not (resolved once per config, not per call). */
  injectStreamUsage(): boolean;
}

/**
 * How many of our `create` wrappers are running the SDK's `create` on the stack right now. A `create`
 * called synchronously from inside another (a subclass's override calling `super.create`, a second wrapper
 * of the same method) is the same logical call and gets no span of its own. The SDK's `create` is
 * synchronous (it returns its APIPromise at once), so a counter sees every such nesting; a context flag
 * did the same at the cost of one more context per call and a lookup in the active one: the paired chat
 * overhead read 51.9 µs with it and 46.9 with the counter (medians of 8 alternating runs, lower in 6;
 * 2026-11-27, docs/bench/openai.md).
 */
let createDepth = 0;
/** The response refinements that are metric attributes too (one shared array, not one per call). */
const OPENAI_METRIC_KEYS: readonly string[] = [
  OPENAI_RESPONSE_SERVICE_TIER_KEY,
  OPENAI_RESPONSE_SYSTEM_FINGERPRINT_KEY,
];

const targets = new WeakMap<object, ClientTarget>();
const DEFAULT_TARGET = clientTarget(undefined);

function targetOf(client: OpenAIClientLike | undefined): ClientTarget {
  if (client === undefined || client === null) return DEFAULT_TARGET;
  let target = targets.get(client);
  if (target === undefined) {
    target = clientTarget(client);
    targets.set(client, target);
  }
  return target;
}

/** Builds the patched `create` for one API. */
export function createWrapper(
  mapping: ApiMapping,
  host: WrapperHost,
): (original: CreateMethod) => CreateMethod {
  const operation = mapping.operation;
  return (original) =>
    // The arguments are passed on as they came (the SDK sees exactly what the caller passed).
    function create(this: ResourceLike, ...args: [AnyRecord, unknown?]): unknown {
      const body = args[0];
      const telemetry = host.telemetry();
      if (telemetry === undefined || !isRecord(body) || createDepth > 0) return original.apply(this, args);
      const requestModel = str(body.model);
      let target: ClientTarget;
      let call: GenAICall;
      try {
        target = targetOf(this?._client);
        call = new GenAICall(telemetry, {
          operation,
          provider: target.provider,
          requestModel,
          serverAddress: target.serverAddress,
          serverPort: target.serverPort,
          attributes: mapping.requestAttributes(body),
          metricKeys: OPENAI_METRIC_KEYS,
        });
      } catch (err) {
        diag.warn('genai-ops openai: could not start the call telemetry', err);
        return original.apply(this, args);
      }

      // The guard decides before anything is sent; its error blocks the call and reaches the caller.
      let params = body;
      let outputGuard: OutputGuard | undefined;
      const guard = getCallGuard();
      if (guard !== undefined) {
        const info: GuardCallInfo = {
          operation,
          provider: target.provider,
          requestModel,
          span: call.span,
        };
        try {
          if (mapping.guardSlots) {
            const slots = mapping.guardSlots(body);
            const verdict = guard.checkInput(info, slots.segments);
            if (verdict?.texts) params = slots.apply(verdict.texts);
          }
          outputGuard = guard.startOutput(info);
        } catch (err) {
          call.end(err);
          throw err;
        }
      }

      // Recorded after the guard: the content is what is sent (redactions applied).
      if (call.capturesContent) {
        const sent = params;
        call.recordInput(() => mapping.inputContent(sent));
      }

      let injectedUsage = false;
      try {
        if (
          mapping.prepareStream !== undefined &&
          target.rejectsStreamOptions !== true &&
          mapping.streams(params) &&
          host.injectStreamUsage()
        ) {
          const prepared = mapping.prepareStream(params);
          params = prepared.params;
          injectedUsage = prepared.injectedUsage;
        }
      } catch (err) {
        diag.warn('genai-ops openai: could not prepare the stream params', err);
      }

      let result: unknown;
      createDepth++;
      try {
        // No closure per call: `context.with` calls `original` with `this` and the arguments itself.
        result =
          params === body
            ? context.with(call.context, original, this, ...args)
            : context.with(call.context, original, this, params, args[1]);
      } catch (err) {
        call.end(err);
        throw err;
      } finally {
        createDepth--;
      }
      try {
        if (isAPIPromise(result)) {
          observeAPIPromise(result, call, mapping, injectedUsage, outputGuard);
        } else {
          // Not the SDK's APIPromise (an unexpected version): end with what is known, without waiting.
          call.end();
        }
      } catch (err) {
        diag.warn('genai-ops openai: could not observe the response', err);
        call.end();
      }
      return result;
    };
}
