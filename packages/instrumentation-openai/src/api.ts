import type {
  CallContent,
  GenAICall,
  OutputGuard,
  StreamReducer,
  TextSlots,
  TextSource,
} from '@genai-ops/core';
import type { AttributeMap } from './attributes.js';
import type { AnyRecord } from './internal-types.js';

/** What a stream reducer is built with. */
export interface StreamSetup {
  /** We added `stream_options.include_usage` to the params: hide the usage-only chunk. */
  injectedUsage: boolean;
  /** Accumulate output text (content capture or an output guard needs it). */
  collectText: boolean;
  outputGuard: OutputGuard | undefined;
}

/** A stream reducer that can also say which text a chunk carries (for the output guard). */
export interface OpenAIStreamReducer<TChunk> extends StreamReducer<TChunk> {
  textDelta(chunk: TChunk): string | undefined;
}

/**
 * One OpenAI API (Chat Completions, Responses, Embeddings) as the generic `create` wrapper sees it: pure
 * mappings from the request and the response to the call's telemetry.
 */
export interface ApiMapping<TChunk = unknown> {
  readonly operation: string;
  /** Request attributes set at span start (model, server and provider are added by the wrapper). */
  requestAttributes(params: AnyRecord): AttributeMap;
  /** Whether the request streams. */
  streams(params: AnyRecord): boolean;
  /** Request content for `gen_ai.input.messages` and friends (called only when capture is on). */
  inputContent(params: AnyRecord): CallContent;
  /** Text the input guard sees, and how to build a new request with replaced texts. */
  guardSlots?(params: AnyRecord): TextSlots<AnyRecord>;
  /** Params to send for a stream: a copy asking for usage when the caller did not. */
  prepareStream?(params: AnyRecord): { params: AnyRecord; injectedUsage: boolean };
  /** Records a parsed non-streaming response; applies output-guard replacements to it. */
  recordResponse(call: GenAICall, body: unknown, outputGuard: OutputGuard | undefined): void;
  /** A reducer for a streamed response. */
  streamReducer?(setup: StreamSetup): OpenAIStreamReducer<TChunk>;
}

/** Guard source of an OpenAI message role. */
export function sourceOfRole(role: unknown): TextSource {
  switch (role) {
    case 'system':
    case 'developer':
      return 'system';
    case 'tool':
    case 'function':
      return 'tool';
    case 'assistant':
      return 'model';
    default:
      return 'user';
  }
}
