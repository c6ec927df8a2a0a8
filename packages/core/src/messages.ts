/**
 * The conventions' message JSON shapes (../shared/semconv/gen-ai/gen-ai-*-messages.json). Providers
 * convert their own request and response shapes into these; core serializes them.
 */

export interface TextPart {
  type: 'text';
  content: string;
}
export interface ReasoningPart {
  type: 'reasoning';
  content: string;
}
export interface ToolCallPart {
  type: 'tool_call';
  id?: string | null;
  name: string;
  arguments?: unknown;
}
export interface ToolCallResponsePart {
  type: 'tool_call_response';
  id?: string | null;
  response: unknown;
}
export interface BlobPart {
  type: 'blob';
  modality: string;
  mime_type?: string | null;
  /** Base64. Elided by core (see content-capture.ts) unless media capture is on. */
  content: string;
}
export interface UriPart {
  type: 'uri';
  modality: string;
  mime_type?: string | null;
  uri: string;
}
export interface FilePart {
  type: 'file';
  modality: string;
  mime_type?: string | null;
  file_id: string;
}
export interface GenericPart {
  type: string;
  [key: string]: unknown;
}

export type MessagePart =
  | TextPart
  | ReasoningPart
  | ToolCallPart
  | ToolCallResponsePart
  | BlobPart
  | UriPart
  | FilePart
  | GenericPart;

export interface InputMessage {
  role: string;
  parts: MessagePart[];
  name?: string | null;
}

export interface OutputMessage {
  role: string;
  parts: MessagePart[];
  name?: string | null;
  /** stop, length, content_filter, tool_call, error, or the provider's own value. */
  finish_reason: string;
}

/** `gen_ai.system_instructions`: text parts (plus generic parts). */
export type SystemInstructions = Array<TextPart | GenericPart>;

export interface FunctionToolDefinition {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: unknown;
}
export type ToolDefinition = FunctionToolDefinition | { type: string; name: string; [key: string]: unknown };

/** The conventions' roles. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/**
 * Parses a JSON-encoded tool-call argument string into an object, as the conventions ask
 * (`arguments` is an object). Unparseable strings are kept as the string.
 */
export function parseToolArguments(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (raw === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Maps a provider finish/stop reason to the conventions' value (our policy, GUIDE.md §3). Unknown values
 * are kept as they are, lower-cased.
 */
export function mapFinishReason(reason: string | null | undefined): string {
  if (reason == null || reason === '') return 'stop';
  switch (reason) {
    case 'stop':
    case 'end_turn':
    case 'stop_sequence':
    case 'STOP':
    case 'FINISH_REASON_STOP':
    case 'COMPLETE':
    case 'completed':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'MAX_TOKENS':
    case 'model_context_window_exceeded':
    case 'max_output_tokens':
      return 'length';
    case 'tool_calls':
    case 'function_call':
    case 'tool_use':
    case 'tool-calls':
      return 'tool_call';
    case 'content_filter':
    case 'content-filter':
    case 'refusal':
    case 'guardrail_intervened':
    case 'content_filtered':
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    case 'error':
    case 'ERROR':
      return 'error';
    default:
      return reason.toLowerCase();
  }
}
