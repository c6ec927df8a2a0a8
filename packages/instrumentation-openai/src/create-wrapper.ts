/**
 * The one wrapper of the SDK's `create` methods (Chat Completions, Responses, Embeddings). The helpers
 * (`parse`, `stream`, runners, `beta.*`) all call `create`, so wrapping it gives exactly one span per
 * logical call; a context flag also keeps a nested `create` from opening a second span.
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
import { context, createContextKey, diag } from '@opentelemetry/api';
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

const IN_CREATE = createContextKey('genai-ops openai create');
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
      if (telemetry === undefined || !isRecord(body) || context.active().getValue(IN_CREATE) === true) {
        return original.apply(this, args);
      }
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
      try {
        const active = call.context.setValue(IN_CREATE, true);
        // No closure per call: `context.with` calls `original` with `this` and the arguments itself.
        result =
          params === body
            ? context.with(active, original, this, ...args)
            : context.with(active, original, this, params, args[1]);
      } catch (err) {
        call.end(err);
        throw err;
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
