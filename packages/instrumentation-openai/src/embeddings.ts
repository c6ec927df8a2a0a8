/**
 * Embeddings (`client.embeddings.create`). No content is recorded for embeddings (GUIDE.md §2.2).
 * Shapes: https://platform.openai.com/docs/api-reference/embeddings
 */
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_OPERATION_NAME_VALUES,
  type GenAICall,
} from '@genai-ops/core';
import type { ApiMapping } from './api.js';
import { type AttributeMap, int, isRecord, put, str } from './attributes.js';
import type { AnyRecord } from './internal-types.js';

/** Keys read on every call, copied once at load (core's CommonJS re-exports are getters). */
const ENCODING_FORMATS_KEY = ATTR_GEN_AI_REQUEST_ENCODING_FORMATS;
const DIMENSION_COUNT_KEY = ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT;

/**
 * Request attributes: `encoding_format` as the caller asked it (newer SDKs send `base64` when the caller
 * did not ask and decode it for them; we report what the caller asked for), `dimensions`.
 */
export function embeddingsRequestAttributes(params: AnyRecord): AttributeMap {
  const out: AttributeMap = {};
  const format = str(params.encoding_format);
  if (format !== undefined) out[ENCODING_FORMATS_KEY] = [format];
  put(out, DIMENSION_COUNT_KEY, int(params.dimensions));
  return out;
}

/** Length of an embedding vector: a float array, or base64 float32 (4 bytes per dimension). */
function vectorLength(embedding: unknown): number | undefined {
  if (Array.isArray(embedding)) return embedding.length;
  if (typeof embedding === 'string') {
    const padding = embedding.endsWith('==') ? 2 : embedding.endsWith('=') ? 1 : 0;
    return Math.floor(((embedding.length * 3) / 4 - padding) / 4);
  }
  return undefined;
}

/** Records an embeddings response: model, input tokens, and the dimension count when not requested. */
export function recordEmbeddingsResponse(call: GenAICall, body: unknown): void {
  if (!isRecord(body)) return;
  call.setResponse({ model: str(body.model) });
  const usage = isRecord(body.usage) ? body.usage : undefined;
  const input = int(usage?.prompt_tokens) ?? int(usage?.input_tokens);
  if (input !== undefined) call.setUsage({ inputTokens: input });
  const first = Array.isArray(body.data) ? body.data[0] : undefined;
  const dims = isRecord(first) ? vectorLength(first.embedding) : undefined;
  // The returned vectors' length is the dimension count (equal to `dimensions` when it was requested).
  if (dims !== undefined && dims > 0) call.setAttributes({ [DIMENSION_COUNT_KEY]: dims });
}

/** The Embeddings mapping. */
export const EMBEDDINGS: ApiMapping = {
  operation: GEN_AI_OPERATION_NAME_VALUES.EMBEDDINGS,
  requestAttributes: embeddingsRequestAttributes,
  streams: () => false,
  inputContent: () => ({}),
  recordResponse: (call, body) => recordEmbeddingsResponse(call, body),
};
