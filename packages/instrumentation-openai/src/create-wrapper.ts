/**
 * The one wrapper of the SDK's `create` methods (Chat Completions, Responses, Embeddings). The helpers
 * (`parse`, `stream`, runners, `beta.*`) all call `create`, so wrapping it gives exactly one span per
 * logical call; a context flag also keeps a nested `create` from opening a second span.
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
import { type ClientTarget, clientTarget, isRecord, OPENAI_METRIC_KEYS, str } from './attributes.js';
import type { AnyRecord, CreateMethod, OpenAIClientLike, ResourceLike } from './internal-types.js';

/** What the wrapper asks its instrumentation for, on each call. */
export interface WrapperHost {
  /** Telemetry when the instrumentation is enabled, else undefined (call the original). */
  telemetry(): GenAITelemetry | undefined;
  injectStreamUsage(): boolean;
}

const IN_CREATE = createContextKey('genai-ops openai create');

const targets = new WeakMap<object, ClientTarget>();

function targetOf(client: OpenAIClientLike | undefined): ClientTarget {
  if (!client) return clientTarget(undefined);
  let target = targets.get(client);
  if (!target) {
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
  return (original) =>
    function create(this: ResourceLike, ...args: [AnyRecord, unknown?]): unknown {
      const body = args[0];
      const telemetry = host.telemetry();
      if (!telemetry || !isRecord(body) || context.active().getValue(IN_CREATE) === true) {
        return original.apply(this, args);
      }
      let call: GenAICall;
      try {
        const target = targetOf(this?._client);
        call = new GenAICall(telemetry, {
          operation: mapping.operation,
          provider: target.provider,
          requestModel: str(body.model),
          serverAddress: target.serverAddress,
          serverPort: target.serverPort,
          attributes: mapping.requestAttributes(body),
        });
        call.addMetricKeys(...OPENAI_METRIC_KEYS);
      } catch (err) {
        diag.warn('genai-ops openai: could not start the call telemetry', err);
        return original.apply(this, args);
      }

      // The guard decides before anything is sent; its error blocks the call and reaches the caller.
      let params = body;
      let outputGuard: OutputGuard | undefined;
      const guard = getCallGuard();
      if (guard) {
        const info: GuardCallInfo = {
          operation: mapping.operation,
          provider: targetOf(this?._client).provider,
          requestModel: str(body.model),
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
      const sent = params;
      call.recordInput(() => mapping.inputContent(sent));

      let injectedUsage = false;
      try {
        if (mapping.prepareStream && mapping.streams(params) && host.injectStreamUsage()) {
          ({ params, injectedUsage } = mapping.prepareStream(params));
        }
      } catch (err) {
        diag.warn('genai-ops openai: could not prepare the stream params', err);
      }

      let result: unknown;
      try {
        result = context.with(call.context.setValue(IN_CREATE, true), () =>
          original.apply(this, params === body ? args : [params, args[1]]),
        );
      } catch (err) {
        call.end(err);
        throw err;
      }
      try {
        if (isAPIPromise(result)) {
          observeAPIPromise(result, call, mapping, { injectedUsage, outputGuard });
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
