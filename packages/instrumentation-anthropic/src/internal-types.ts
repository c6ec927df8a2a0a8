/**
 * The shapes of `@anthropic-ai/sdk` this package relies on, kept local so the SDK is never loaded at run
 * time. They follow the SDK's `resources/messages/messages.ts`, `core/api-promise.ts` and
 * `core/streaming.ts` (0.x latest and 1.x); every field is optional because we only read what is there.
 */

import type { AbortSignalLike } from '@genai-ops/core';

export type AnyRecord = Record<string, unknown>;

/** A content block of a request or response message (text, image, tool_use, tool_result, thinking...). */
export interface ContentBlock {
  type: string;
  text?: string;
  thinking?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | ContentBlock[];
  source?: { type?: string; media_type?: string; data?: string; url?: string; file_id?: string };
  [key: string]: unknown;
}

export interface MessageParam {
  role: string;
  content: string | ContentBlock[];
}

export interface ToolParam {
  name: string;
  type?: string;
  description?: string;
  input_schema?: unknown;
  [key: string]: unknown;
}

export interface MessageCreateParams {
  model?: string;
  max_tokens?: number;
  messages?: MessageParam[];
  system?: string | ContentBlock[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  tools?: ToolParam[];
  thinking?: { type?: string; budget_tokens?: number };
  output_config?: { effort?: string; format?: unknown };
  /** `beta.messages`: the deprecated form of `output_config.format`. */
  output_format?: unknown;
  [key: string]: unknown;
}

export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** Recent SDKs: the thinking tokens counted inside `output_tokens`. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

export interface AnthropicMessage {
  id?: string;
  type?: string;
  role?: string;
  model?: string;
  content?: ContentBlock[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

/** The request options (second argument of `create`) we read. */
export interface RequestOptions {
  /** 0.13x and 1.x: options of the SDK's own span for this call. */
  openTelemetry?: { conversationId?: unknown } | null;
}

/** A server-sent event of a streamed Messages response. */
export interface StreamEvent {
  type: string;
  index?: number;
  message?: AnthropicMessage;
  content_block?: ContentBlock;
  delta?: {
    type?: string;
    text?: string;
    thinking?: string;
    partial_json?: string;
    stop_reason?: string | null;
  };
  usage?: AnthropicUsage;
}

/** The SDK's `Stream`: its own `iterator` factory backs `for await`, `tee()` and `toReadableStream()`. */
export interface SdkStream {
  iterator: () => AsyncIterator<StreamEvent>;
  /** The request's controller: aborted by the caller's signal, `stream.controller.abort()` or a `break`. */
  controller?: { signal?: AbortSignalLike };
  [Symbol.asyncIterator]?: () => AsyncIterator<StreamEvent>;
}

/** The SDK's `APIPromise`: every parse of the body goes through the instance's `parseResponse`. */
export interface SdkApiPromise<T = unknown> extends Promise<T> {
  parseResponse?: (...args: unknown[]) => unknown;
  responsePromise?: Promise<unknown>;
  asResponse?: () => Promise<unknown>;
}

/** What we read from a client: base URL, class and the provider name recent SDKs carry. */
export interface SdkClient {
  baseURL?: string;
  _genAIProviderName?: string;
  _tracer?: unknown;
  constructor?: { name?: string };
}

/** A `Messages` resource (also `beta.messages`). */
export interface MessagesResource {
  _client?: SdkClient;
  create(params: MessageCreateParams, options?: unknown): unknown;
  stream?(params: MessageCreateParams, options?: unknown): unknown;
}

/** The module exports we patch: the client class with its `Messages` and `Beta.Messages` statics. */
export interface AnthropicModule {
  Anthropic?: AnthropicClass;
  default?: AnthropicClass;
  [key: string]: unknown;
}

export interface AnthropicClass {
  Messages?: { prototype: MessagesResource };
  Beta?: { Messages?: { prototype: MessagesResource } };
  name?: string;
}
