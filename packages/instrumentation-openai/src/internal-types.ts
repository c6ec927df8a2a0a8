/**
 * The shapes of the openai SDK (v4 to v7) that the instrumentation touches. Structural and loose on
 * purpose: the SDK is never loaded at run time by this package, and fields vary across versions.
 */

import type { AbortSignalLike } from '@genai-ops/core';

/** A client: `OpenAI` or `AzureOpenAI` (any version). */
export interface OpenAIClientLike {
  baseURL?: string;
  constructor: { name?: string };
  /** `AzureOpenAI` only. */
  apiVersion?: string;
  /** The client options (an Azure api-version may come as `defaultQuery['api-version']`). */
  _options?: { defaultQuery?: unknown };
}

/** A resource instance (`client.chat.completions`, `client.responses`, `client.embeddings`). */
export interface ResourceLike {
  _client?: OpenAIClientLike;
}

/** The `OpenAI` class and the resource classes reachable from it. */
export interface OpenAIClassLike {
  Chat?: { Completions?: { prototype: object } };
  Responses?: { prototype: object };
  Embeddings?: { prototype: object };
}

/** What `APIPromise.responsePromise` resolves to (v4 and v5+ agree on `response`). */
export interface APIResponsePropsLike {
  response?: { status?: number; headers?: { get(name: string): string | null } };
}

/**
 * `APIPromise`: a Promise subclass whose `then` parses lazily through the instance's `parseResponse`
 * (https://github.com/openai/openai-node/blob/master/src/core/api-promise.ts).
 */
export interface APIPromiseLike {
  responsePromise: Promise<APIResponsePropsLike>;
  parseResponse: (...args: unknown[]) => unknown;
  asResponse: () => Promise<unknown>;
  withResponse?: () => Promise<unknown>;
  /** A new `APIPromise` on the same response, with a transformed parse (the SDK's helpers use it). */
  _thenUnwrap?: (...args: unknown[]) => unknown;
}

/** `Stream` (https://github.com/openai/openai-node/blob/master/src/core/streaming.ts). */
export interface StreamLike<T> {
  iterator: () => AsyncIterator<T>;
  controller?: { signal?: AbortSignalLike };
}

export type AnyRecord = Record<string, unknown>;

/** A create method of a resource. */
export type CreateMethod = (this: ResourceLike, body: AnyRecord, options?: unknown) => unknown;
