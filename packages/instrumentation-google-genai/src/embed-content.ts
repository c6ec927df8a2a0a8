/** Patch factory for `Models.embedContent`. */
import { GEN_AI_OPERATION_NAME_VALUES, GenAICall } from '@genai-ops/core';
import { context, diag } from '@opentelemetry/api';
import { backendOf, embedRequestAttributes, embedResponse } from './attributes.js';
import type {
  AsyncFunction,
  GeminiEmbedContentParams,
  GeminiEmbedContentResponse,
  GeminiModelsLike,
} from './internal-types.js';
import type { WrapperContext } from './wrapper-context.js';

/** Wraps `embedContent`: one `embeddings` span per call; the caller gets the SDK's own promise. */
export function wrapEmbedContent(
  ctx: WrapperContext,
  original: AsyncFunction,
  owner?: GeminiModelsLike,
): AsyncFunction {
  return function embedContent(this: unknown, ...args: unknown[]): Promise<unknown> {
    if (!ctx.active()) return original.apply(this, args);
    let call: GenAICall;
    try {
      const params = (args[0] ?? {}) as GeminiEmbedContentParams;
      const backend = backendOf(owner ?? (this as GeminiModelsLike), params.config);
      call = new GenAICall(ctx.telemetry(), {
        operation: GEN_AI_OPERATION_NAME_VALUES.EMBEDDINGS,
        provider: backend.provider,
        requestModel: typeof params.model === 'string' ? params.model : undefined,
        serverAddress: backend.serverAddress,
        serverPort: backend.serverPort,
        attributes: embedRequestAttributes(params),
      });
    } catch (err) {
      diag.warn('genai-ops google-genai: could not start the span', err);
      return original.apply(this, args);
    }
    let promise: Promise<unknown>;
    try {
      promise = context.with(call.context, () => original.apply(this, args));
    } catch (err) {
      call.end(err);
      throw err;
    }
    promise.then(
      (response) => {
        try {
          const { attributes, usage } = embedResponse(response as GeminiEmbedContentResponse);
          call.setAttributes(attributes);
          if (usage) call.setUsage(usage);
        } catch (err) {
          diag.debug('genai-ops google-genai: could not read the embeddings response', err);
        }
        call.end();
      },
      (err: unknown) => call.end(err),
    );
    return promise;
  };
}
