/**
 * Pure helpers shared by the Chat Completions, Responses and Embeddings mappings: provider and server
 * from the client, usage, output type, and small value guards. No SDK is loaded here.
 */
import {
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  type BlobPart,
  dataUrlToBlobPart,
  GEN_AI_OUTPUT_TYPE_VALUES,
  GEN_AI_PROVIDER_NAME_VALUES,
  OPENAI_REQUEST_SERVICE_TIER_VALUES,
  serverFromUrl,
  type UriPart,
  type Usage,
} from '@genai-ops/core';
import type { AttributeValue } from '@opentelemetry/api';
import type { AnyRecord, OpenAIClientLike } from './internal-types.js';

/** Attributes as our pure functions return them: undefined values are dropped by `GenAICall`. */
export type AttributeMap = Record<string, AttributeValue | undefined>;

/** Where a client sends its requests. */
export interface ClientTarget {
  provider: string;
  serverAddress?: string;
  serverPort?: number;
  /** The endpoint answers 400 to `stream_options` (older Azure api-versions): never ask for stream usage. */
  rejectsStreamOptions?: true;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * The first Azure OpenAI api-version (GA) that accepts `stream_options`; older ones answer 400
 * ("Unrecognized request argument supplied: stream_options").
 */
const AZURE_STREAM_OPTIONS_API_VERSION = '2024-10-21';

/** Whether an Azure client's dated api-version predates `stream_options` (`preview`/`latest`/none do not). */
function azureRejectsStreamOptions(client: OpenAIClientLike | undefined): boolean {
  const query = client?._options?.defaultQuery;
  const version = str(client?.apiVersion) ?? (isRecord(query) ? str(query['api-version']) : undefined);
  return (
    version !== undefined && /^\d{4}-\d{2}-\d{2}/.test(version) && version < AZURE_STREAM_OPTIONS_API_VERSION
  );
}

/**
 * Constants read on every call, copied once at load: the CommonJS re-exports of `@genai-ops/core` are
 * getters, which showed up in CPU profiles of the per-call path (docs/bench/openai.md).
 */
const SERVICE_TIER_AUTO = OPENAI_REQUEST_SERVICE_TIER_VALUES.AUTO;
const OUTPUT_TYPE_JSON = GEN_AI_OUTPUT_TYPE_VALUES.JSON;
const OUTPUT_TYPE_TEXT = GEN_AI_OUTPUT_TYPE_VALUES.TEXT;

/** Whether a host is an Azure OpenAI endpoint. */
export function isAzureHost(host: string | undefined): boolean {
  return (
    host !== undefined &&
    (host.endsWith('.openai.azure.com') || host.endsWith('.cognitiveservices.azure.com'))
  );
}

/**
 * Provider and server of a client. `AzureOpenAI` (by class name, or an `*.openai.azure.com` base URL)
 * is `azure.ai.openai`; any other base URL (OpenAI-compatible servers) stays `openai`, told apart by
 * `server.address` / `server.port`. Azure's port is set only when it is not 443 (GUIDE.md §2.1).
 */
export function clientTarget(client: OpenAIClientLike | undefined): ClientTarget {
  const baseURL = typeof client?.baseURL === 'string' ? client.baseURL : DEFAULT_BASE_URL;
  const { address, port } = serverFromUrl(baseURL);
  const azure = client?.constructor?.name === 'AzureOpenAI' || isAzureHost(address);
  if (azure) {
    const target: ClientTarget = {
      provider: GEN_AI_PROVIDER_NAME_VALUES.AZURE_AI_OPENAI,
      serverAddress: address,
      serverPort: port === 443 ? undefined : port,
    };
    if (azureRejectsStreamOptions(client)) target.rejectsStreamOptions = true;
    return target;
  }
  return { provider: GEN_AI_PROVIDER_NAME_VALUES.OPENAI, serverAddress: address, serverPort: port };
}

export function isRecord(v: unknown): v is AnyRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Inline file data (`file_data`): a data URL, or bare base64, which is a blob part too (never a `uri`
 * part), so core elides it unless media capture is on.
 */
export function fileDataPart(data: string): BlobPart | UriPart {
  if (/^data:/i.test(data)) return dataUrlToBlobPart(data, 'document');
  return { type: 'blob', modality: 'document', mime_type: null, content: data };
}

/** `stop`: a string or an array of strings -> string[]. */
export function stopSequences(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    const out = v.filter((s): s is string => typeof s === 'string');
    return out.length > 0 ? out : undefined;
  }
  return undefined;
}

/**
 * `gen_ai.output.type` from a response format type (`response_format.type` in Chat Completions,
 * `text.format.type` in Responses): json_schema / json_object -> json, text -> text. The conventions
 * define it as the modality requested, so an unknown format sets nothing.
 */
export function outputTypeFromFormat(format: unknown): string | undefined {
  const type = isRecord(format) ? format.type : undefined;
  if (type === 'json_schema' || type === 'json_object') return OUTPUT_TYPE_JSON;
  if (type === 'text') return OUTPUT_TYPE_TEXT;
  return undefined;
}

/** `openai.response.service_tier` (a metric attribute too, see `CallStart.metricKeys`). */
export const OPENAI_RESPONSE_SERVICE_TIER_KEY = ATTR_OPENAI_RESPONSE_SERVICE_TIER;
/** `openai.response.system_fingerprint` (a metric attribute too). */
export const OPENAI_RESPONSE_SYSTEM_FINGERPRINT_KEY = ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT;
/** `openai.request.service_tier`. */
export const OPENAI_REQUEST_SERVICE_TIER_KEY = ATTR_OPENAI_REQUEST_SERVICE_TIER;

/** Sets `key` only when `value` is defined: request attributes are built sparse. */
export function put(out: AttributeMap, key: string, value: AttributeValue | undefined): void {
  if (value !== undefined) out[key] = value;
}

/** `openai.request.service_tier`: set when given and not `auto` (openai/registry.yaml). */
export function requestServiceTier(v: unknown): string | undefined {
  const tier = str(v);
  return tier !== undefined && tier !== SERVICE_TIER_AUTO ? tier : undefined;
}

/**
 * The OpenAI response refinements (also metric attributes, see `CallStart.metricKeys`), or undefined
 * when the response has neither.
 */
export function responseRefinements(body: AnyRecord): AttributeMap | undefined {
  const tier = str(body.service_tier);
  const fingerprint = str(body.system_fingerprint);
  if (tier === undefined && fingerprint === undefined) return undefined;
  return {
    [OPENAI_RESPONSE_SERVICE_TIER_KEY]: tier,
    [OPENAI_RESPONSE_SYSTEM_FINGERPRINT_KEY]: fingerprint,
  };
}

/**
 * Usage in the conventions' sense from either usage shape: Chat Completions (`prompt_tokens`,
 * `completion_tokens`, `*_tokens_details`) or Responses / Embeddings (`input_tokens`, `output_tokens`).
 * OpenAI's prompt count already includes cached tokens, and its completion count includes reasoning.
 */
export function usageFrom(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const inputDetails = isRecord(usage.prompt_tokens_details)
    ? usage.prompt_tokens_details
    : isRecord(usage.input_tokens_details)
      ? usage.input_tokens_details
      : undefined;
  const outputDetails = isRecord(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : isRecord(usage.output_tokens_details)
      ? usage.output_tokens_details
      : undefined;
  return {
    inputTokens: int(usage.prompt_tokens) ?? int(usage.input_tokens),
    outputTokens: int(usage.completion_tokens) ?? int(usage.output_tokens),
    cacheReadInputTokens: int(inputDetails?.cached_tokens),
    reasoningOutputTokens: int(outputDetails?.reasoning_tokens),
  };
}
