/**
 * The Responses API (`client.responses.create`, and `parse` / `stream` which call it): request
 * attributes, message JSON, the response and the streamed-event reducer.
 * Shapes: https://platform.openai.com/docs/api-reference/responses
 */
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_OPENAI_API_TYPE,
  type CallContent,
  dataUrlToBlobPart,
  ERROR_TYPE_VALUE_OTHER,
  GEN_AI_OPERATION_NAME_VALUES,
  type GenAICall,
  type GuardTextSegment,
  type InputMessage,
  type MessagePart,
  mapFinishReason,
  OPENAI_API_TYPE_VALUES,
  type OutputGuard,
  type OutputMessage,
  parseToolArguments,
  type StreamOutcome,
  type SystemInstructions,
  type TextSlots,
  type ToolDefinition,
} from '@genai-ops/core';
import type { ApiMapping, OpenAIStreamReducer, StreamSetup } from './api.js';
import { sourceOfRole } from './api.js';
import {
  type AttributeMap,
  fileDataPart,
  int,
  isRecord,
  num,
  OPENAI_REQUEST_SERVICE_TIER_KEY,
  outputTypeFromFormat,
  put,
  requestServiceTier,
  responseRefinements,
  str,
  usageFrom,
} from './attributes.js';
import type { AnyRecord } from './internal-types.js';

/** The conversation id of a request or response: a string, or `{ id }` (a real, server-side id). */
function conversationId(v: unknown): string | undefined {
  return str(v) ?? (isRecord(v) ? str(v.id) : undefined);
}

/** Keys and values read on every call, copied once at load (core's CommonJS re-exports are getters). */
const API_TYPE_KEY = ATTR_OPENAI_API_TYPE;
const API_TYPE_RESPONSES = OPENAI_API_TYPE_VALUES.RESPONSES;
const MAX_TOKENS_KEY = ATTR_GEN_AI_REQUEST_MAX_TOKENS;
const TEMPERATURE_KEY = ATTR_GEN_AI_REQUEST_TEMPERATURE;
const TOP_P_KEY = ATTR_GEN_AI_REQUEST_TOP_P;
const OUTPUT_TYPE_KEY = ATTR_GEN_AI_OUTPUT_TYPE;
const REASONING_LEVEL_KEY = ATTR_GEN_AI_REQUEST_REASONING_LEVEL;
const PREVIOUS_RESPONSE_ID_KEY = ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID;
const CONVERSATION_ID_KEY = ATTR_GEN_AI_CONVERSATION_ID;
const STREAM_KEY = ATTR_GEN_AI_REQUEST_STREAM;
/** The conventions' fallback `error.type` (copied once at load, as in attributes.ts). */
const ERROR_TYPE_OTHER = ERROR_TYPE_VALUE_OTHER;

/** Request attributes of a Responses call (GUIDE.md §2.1, §9), only those the request sets. */
export function responsesRequestAttributes(params: AnyRecord): AttributeMap {
  const out: AttributeMap = { [API_TYPE_KEY]: API_TYPE_RESPONSES };
  put(out, MAX_TOKENS_KEY, int(params.max_output_tokens));
  put(out, TEMPERATURE_KEY, num(params.temperature));
  put(out, TOP_P_KEY, num(params.top_p));
  if (isRecord(params.text)) put(out, OUTPUT_TYPE_KEY, outputTypeFromFormat(params.text.format));
  if (isRecord(params.reasoning)) put(out, REASONING_LEVEL_KEY, str(params.reasoning.effort));
  put(out, PREVIOUS_RESPONSE_ID_KEY, str(params.previous_response_id));
  put(out, CONVERSATION_ID_KEY, conversationId(params.conversation));
  if (params.stream === true) out[STREAM_KEY] = true;
  put(out, OPENAI_REQUEST_SERVICE_TIER_KEY, requestServiceTier(params.service_tier));
  return out;
}

function inputPart(part: unknown): MessagePart | undefined {
  if (typeof part === 'string') return { type: 'text', content: part };
  if (!isRecord(part)) return undefined;
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', content: String(part.text ?? '') };
    case 'refusal':
      return { type: 'refusal', content: String(part.refusal ?? '') };
    case 'input_image': {
      const id = str(part.file_id);
      if (id) return { type: 'file', modality: 'image', file_id: id };
      const url = str(part.image_url);
      return url ? dataUrlToBlobPart(url, 'image') : undefined;
    }
    case 'input_file': {
      const id = str(part.file_id);
      if (id) return { type: 'file', modality: 'document', file_id: id };
      const url = str(part.file_url);
      if (url) return { type: 'uri', modality: 'document', uri: url };
      const data = str(part.file_data);
      return data ? fileDataPart(data) : undefined;
    }
    case 'input_audio': {
      const audio = isRecord(part.input_audio) ? part.input_audio : {};
      const format = str(audio.format);
      return {
        type: 'blob',
        modality: 'audio',
        mime_type: format ? `audio/${format}` : null,
        content: String(audio.data ?? ''),
      };
    }
    default:
      return typeof part.type === 'string' ? { type: part.type } : undefined;
  }
}

function contentParts(content: unknown): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const out: MessagePart[] = [];
  for (const p of content) {
    const part = inputPart(p);
    if (part) out.push(part);
  }
  return out;
}

function reasoningParts(item: AnyRecord): MessagePart[] {
  const summary = Array.isArray(item.summary) ? item.summary : [];
  return summary.flatMap((s) =>
    isRecord(s) && typeof s.text === 'string' ? [{ type: 'reasoning', content: s.text }] : [],
  );
}

/** `input` (a string or a list of items) -> `gen_ai.input.messages`. */
export function responsesInputMessages(input: unknown): InputMessage[] {
  if (typeof input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: input }] }];
  if (!Array.isArray(input)) return [];
  const out: InputMessage[] = [];
  for (const item of input) {
    if (!isRecord(item)) continue;
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        out.push({ role: String(item.role ?? 'user'), parts: contentParts(item.content) });
        break;
      case 'function_call':
      case 'custom_tool_call':
        out.push({
          role: 'assistant',
          parts: [
            {
              type: 'tool_call',
              id: str(item.call_id) ?? null,
              name: String(item.name ?? ''),
              arguments: parseToolArguments(item.arguments ?? item.input),
            },
          ],
        });
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        out.push({
          role: 'tool',
          parts: [
            {
              type: 'tool_call_response',
              id: str(item.call_id) ?? null,
              // A list of text, image and file items: mapped as content, so inline media is elided.
              response: Array.isArray(item.output) ? contentParts(item.output) : (item.output ?? ''),
            },
          ],
        });
        break;
      case 'reasoning':
        out.push({ role: 'assistant', parts: reasoningParts(item) });
        break;
      default:
        if (typeof type === 'string') out.push({ role: 'assistant', parts: [{ type }] });
    }
  }
  return out;
}

/** `tools` -> tool definitions: functions by name, built-in tools by their type. */
export function responsesToolDefinitions(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isRecord).map((t) => {
    const type = String(t.type ?? 'function');
    return { type, name: String(t.name ?? type) };
  });
}

/** Request content: `instructions` are system instructions; `input` is the history. */
export function responsesInputContent(params: AnyRecord): CallContent {
  const instructions = str(params.instructions);
  const systemInstructions: SystemInstructions | undefined = instructions
    ? [{ type: 'text', content: instructions }]
    : undefined;
  const toolDefinitions = responsesToolDefinitions(params.tools);
  return {
    systemInstructions,
    inputMessages: responsesInputMessages(params.input),
    toolDefinitions: toolDefinitions.length > 0 ? toolDefinitions : undefined,
  };
}

/** Finish reason of a response: from its status, its incomplete reason and whether it calls tools. */
export function responsesFinishReason(response: AnyRecord): string | undefined {
  switch (response.status) {
    case 'completed': {
      const output = Array.isArray(response.output) ? response.output : [];
      const callsTool = output.some(
        (o) => isRecord(o) && (o.type === 'function_call' || o.type === 'custom_tool_call'),
      );
      return callsTool ? 'tool_call' : 'stop';
    }
    case 'incomplete': {
      const details = isRecord(response.incomplete_details) ? response.incomplete_details : {};
      return mapFinishReason(str(details.reason) ?? 'length');
    }
    case 'failed':
      return 'error';
    case 'cancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}

/** `output` items -> one assistant message (the Responses API has one "choice"). */
export function responsesOutputMessages(response: AnyRecord): OutputMessage[] {
  const output = Array.isArray(response.output) ? response.output : [];
  const parts: MessagePart[] = [];
  for (const item of output) {
    if (!isRecord(item)) continue;
    switch (item.type) {
      case 'message':
        parts.push(...contentParts(item.content));
        break;
      case 'function_call':
      case 'custom_tool_call':
        parts.push({
          type: 'tool_call',
          id: str(item.call_id) ?? null,
          name: String(item.name ?? ''),
          arguments: parseToolArguments(item.arguments ?? item.input),
        });
        break;
      case 'reasoning':
        parts.push(...reasoningParts(item));
        break;
      default:
        if (typeof item.type === 'string') parts.push({ type: item.type });
    }
  }
  return [{ role: 'assistant', parts, finish_reason: responsesFinishReason(response) ?? 'stop' }];
}

/** Input guard slots: instructions, a string input, and the text of message items and tool outputs. */
export function responsesGuardSlots(params: AnyRecord): TextSlots<AnyRecord> {
  const segments: GuardTextSegment[] = [];
  type Loc =
    | { kind: 'instructions' }
    | { kind: 'input' }
    | { kind: 'item'; i: number; j: number }
    | { kind: 'output'; i: number };
  const where: Loc[] = [];
  if (typeof params.instructions === 'string') {
    segments.push({ text: params.instructions, role: 'system', source: 'system' });
    where.push({ kind: 'instructions' });
  }
  const input = params.input;
  if (typeof input === 'string') {
    segments.push({ text: input, role: 'user', source: 'user' });
    where.push({ kind: 'input' });
  } else if (Array.isArray(input)) {
    input.forEach((item, i) => {
      if (!isRecord(item)) return;
      if (item.type === 'function_call_output' && typeof item.output === 'string') {
        segments.push({ text: item.output, role: 'tool', source: 'tool' });
        where.push({ kind: 'output', i });
        return;
      }
      const role = String(item.role ?? 'user');
      if (typeof item.content === 'string') {
        segments.push({ text: item.content, role, source: sourceOfRole(role) });
        where.push({ kind: 'item', i, j: -1 });
      } else if (Array.isArray(item.content)) {
        item.content.forEach((p, j) => {
          if (
            isRecord(p) &&
            (p.type === 'input_text' || p.type === 'output_text') &&
            typeof p.text === 'string'
          ) {
            segments.push({ text: p.text, role, source: sourceOfRole(role) });
            where.push({ kind: 'item', i, j });
          }
        });
      }
    });
  }
  return {
    segments,
    apply(texts: string[]): AnyRecord {
      const next: AnyRecord = { ...params };
      const items = Array.isArray(input) ? input.slice() : undefined;
      texts.forEach((text, k) => {
        const loc = where[k];
        if (!loc || text === segments[k]?.text) return;
        if (loc.kind === 'instructions') next.instructions = text;
        else if (loc.kind === 'input') next.input = text;
        else if (items && loc.kind === 'output')
          items[loc.i] = { ...(items[loc.i] as AnyRecord), output: text };
        else if (items && loc.kind === 'item') {
          const item = { ...(items[loc.i] as AnyRecord) };
          if (loc.j === -1) item.content = text;
          else {
            const content = (item.content as unknown[]).slice();
            content[loc.j] = { ...(content[loc.j] as AnyRecord), text };
            item.content = content;
          }
          items[loc.i] = item;
        }
      });
      if (items) next.input = items;
      return next;
    },
  };
}

/** Applies output-guard replacements to the `output_text` parts of a response (and `output_text`). */
function guardResponseOutput(response: AnyRecord, outputGuard: OutputGuard): void {
  const owners: AnyRecord[] = [];
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (!isRecord(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const p of item.content)
      if (isRecord(p) && p.type === 'output_text' && typeof p.text === 'string') owners.push(p);
  }
  const replaced = outputGuard.finish(owners.map((p) => p.text as string));
  if (!replaced) return;
  owners.forEach((p, i) => {
    if (typeof replaced[i] === 'string') p.text = replaced[i];
  });
  // The SDK adds the convenience `output_text` (the joined texts) before we see the response.
  if (typeof response.output_text === 'string') response.output_text = owners.map((p) => p.text).join('');
}

function recordResponseObject(call: GenAICall, response: AnyRecord): void {
  const finish = responsesFinishReason(response);
  call.setResponse({
    id: str(response.id),
    model: str(response.model),
    finishReasons: finish ? [finish] : undefined,
  });
  const attributes = responseRefinements(response) ?? {};
  put(attributes, CONVERSATION_ID_KEY, conversationId(response.conversation));
  call.setAttributes(attributes);
  const usage = usageFrom(response.usage);
  if (usage) call.setUsage(usage);
}

/**
 * `error.type` of a failed response (`status: failed`): its error code, or `_OTHER`. Undefined when the
 * response did not fail.
 */
function failedResponseType(response: AnyRecord | undefined): string | undefined {
  if (response?.status !== 'failed') return undefined;
  return (isRecord(response.error) ? str(response.error.code) : undefined) ?? ERROR_TYPE_OTHER;
}

/** Records a non-streaming response; applies output-guard replacements to it. */
export function recordResponsesResponse(
  call: GenAICall,
  body: unknown,
  outputGuard: OutputGuard | undefined,
): void {
  if (!isRecord(body)) return;
  if (outputGuard) guardResponseOutput(body, outputGuard);
  recordResponseObject(call, body);
  if (call.capturesContent) call.recordOutput(() => responsesOutputMessages(body));
  const failed = failedResponseType(body);
  if (failed !== undefined) call.end(undefined, { errorType: failed });
}

const RESPONSE_EVENTS = new Set([
  'response.created',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
  'response.queued',
]);

/** Folds streamed Responses events: the last response snapshot, plus text deltas when needed. */
class ResponsesStreamReducer implements OpenAIStreamReducer<AnyRecord> {
  private _response: AnyRecord | undefined;
  private _text = '';
  private _final = false;
  /** `error.type` of an `error` event (v5+ SDKs yield it as an event instead of throwing). */
  private _errorType: string | undefined;

  constructor(private readonly _setup: StreamSetup) {}

  textDelta(event: AnyRecord): string | undefined {
    return event.type === 'response.output_text.delta' && typeof event.delta === 'string'
      ? event.delta
      : undefined;
  }

  fold(event: AnyRecord): void {
    const type = event.type as string;
    if (type === 'response.output_text.delta') {
      if (this._setup.collectText && typeof event.delta === 'string') this._text += event.delta;
    } else if (RESPONSE_EVENTS.has(type) && isRecord(event.response)) {
      this._response = event.response;
      this._final =
        type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed';
    } else if (type === 'error') {
      this._errorType = str(event.code) ?? ERROR_TYPE_OTHER;
    }
  }

  finish(call: GenAICall, outcome: StreamOutcome): void {
    const response = this._response;
    if (this._setup.outputGuard && this._text !== '') this._setup.outputGuard.finish([this._text]);
    // A failed response or an error event ends a stream that looks complete: the call failed.
    const errorType =
      outcome.error === undefined ? (failedResponseType(response) ?? this._errorType) : undefined;
    if (response) {
      recordResponseObject(call, response);
      if (call.capturesContent) {
        call.recordOutput(() => {
          if (this._final) return responsesOutputMessages(response);
          // The stream stopped early: what was received.
          const parts: MessagePart[] = this._text !== '' ? [{ type: 'text', content: this._text }] : [];
          const failed = outcome.error !== undefined || errorType !== undefined;
          return [{ role: 'assistant', parts, finish_reason: failed ? 'error' : 'stop' }];
        });
      }
    }
    if (errorType !== undefined) call.end(undefined, { errorType });
  }
}

/** The Responses mapping. */
export const RESPONSES: ApiMapping<AnyRecord> = {
  operation: GEN_AI_OPERATION_NAME_VALUES.CHAT,
  requestAttributes: responsesRequestAttributes,
  streams: (params) => params.stream === true,
  inputContent: responsesInputContent,
  guardSlots: responsesGuardSlots,
  recordResponse: recordResponsesResponse,
  streamReducer: (setup) => new ResponsesStreamReducer(setup),
};
