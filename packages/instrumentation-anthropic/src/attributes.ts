/**
 * Pure functions from Anthropic Messages requests and responses to the GenAI conventions' attributes,
 * message JSON and token usage (../shared/semconv/GUIDE.md §2.1, §4, §9). No SDK is loaded here.
 */
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  GEN_AI_OUTPUT_TYPE_VALUES,
  GEN_AI_PROVIDER_NAME_VALUES,
  type InputMessage,
  type MessagePart,
  mapFinishReason,
  type OutputMessage,
  type SystemInstructions,
  type ToolDefinition,
  type Usage,
} from '@genai-ops/core';
import type { Attributes } from '@opentelemetry/api';
import type {
  AnthropicMessage,
  AnthropicUsage,
  ContentBlock,
  MessageCreateParams,
  MessageParam,
  RequestOptions,
  SdkClient,
  ToolParam,
} from './internal-types.js';

/**
 * Our own attribute for the extended-thinking budget (`thinking.budget_tokens`); the conventions have
 * none. Named like the conventions' provider attributes (`openai.request.service_tier`).
 */
export const ATTR_ANTHROPIC_REQUEST_THINKING_BUDGET_TOKENS =
  'anthropic.request.thinking.budget_tokens' as const;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => isNumber(v) && Number.isInteger(v);

/**
 * `gen_ai.provider.name` for a client: the Bedrock and Vertex clients subclass the base client, so the
 * class name and the base URL tell them apart; recent SDKs also carry `_genAIProviderName`.
 */
export function providerName(client: SdkClient | undefined): string {
  const ctor = client?.constructor?.name ?? '';
  const base = typeof client?.baseURL === 'string' ? client.baseURL : '';
  if (/bedrock/i.test(ctor) || /bedrock-runtime\./.test(base)) return GEN_AI_PROVIDER_NAME_VALUES.AWS_BEDROCK;
  if (/vertex/i.test(ctor) || /aiplatform\.googleapis\.com/.test(base))
    return GEN_AI_PROVIDER_NAME_VALUES.GCP_VERTEX_AI;
  const own = client?._genAIProviderName;
  if (typeof own === 'string' && own !== '') return own;
  return GEN_AI_PROVIDER_NAME_VALUES.ANTHROPIC;
}

/** Request attributes set at span start (sampling-relevant and recommended request parameters). */
export function requestAttributes(params: MessageCreateParams): Attributes {
  const attributes: Attributes = {};
  if (isInt(params.max_tokens)) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = params.max_tokens;
  if (isNumber(params.temperature)) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = params.temperature;
  if (isNumber(params.top_p)) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = params.top_p;
  // `top_k` is an int in the conventions since v1.42 (it was a double).
  if (isInt(params.top_k)) attributes[ATTR_GEN_AI_REQUEST_TOP_K] = params.top_k;
  if (Array.isArray(params.stop_sequences) && params.stop_sequences.every((s) => typeof s === 'string')) {
    attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [...params.stop_sequences];
  }
  if (params.stream === true) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  const effort = params.output_config?.effort;
  if (typeof effort === 'string' && effort !== '') attributes[ATTR_GEN_AI_REQUEST_REASONING_LEVEL] = effort;
  // `output_format`: the deprecated form `beta.messages` still takes (the SDK moves it to output_config).
  if (params.output_config?.format != null || params.output_format != null)
    attributes[ATTR_GEN_AI_OUTPUT_TYPE] = GEN_AI_OUTPUT_TYPE_VALUES.JSON;
  const budget = params.thinking?.budget_tokens;
  if (params.thinking?.type === 'enabled' && isInt(budget)) {
    attributes[ATTR_ANTHROPIC_REQUEST_THINKING_BUDGET_TOKENS] = budget;
  }
  return attributes;
}

/**
 * `gen_ai.conversation.id` from the SDK's own request option `openTelemetry.conversationId` (0.13x
 * and 1.x: "The SDK sets it as `gen_ai.conversation.id`" on its span, which ours replaces, so the id
 * the caller gave goes on ours). Never made up.
 */
export function requestOptionAttributes(options: unknown): Attributes {
  const id = (options as RequestOptions | null | undefined)?.openTelemetry?.conversationId;
  return typeof id === 'string' && id !== '' ? { [ATTR_GEN_AI_CONVERSATION_ID]: id } : {};
}

/**
 * Token usage in the conventions' sense: Anthropic reports cache reads and writes apart from
 * `input_tokens`, the conventions count them inside `gen_ai.usage.input_tokens` (GUIDE.md §2.1);
 * `output_tokens_details.thinking_tokens` is `gen_ai.usage.reasoning.output_tokens`.
 */
export function usageFromAnthropic(usage: AnthropicUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  const cacheRead = isNumber(usage.cache_read_input_tokens) ? usage.cache_read_input_tokens : undefined;
  const cacheCreation = isNumber(usage.cache_creation_input_tokens)
    ? usage.cache_creation_input_tokens
    : undefined;
  const input = isNumber(usage.input_tokens)
    ? usage.input_tokens + (cacheRead ?? 0) + (cacheCreation ?? 0)
    : undefined;
  // Recent SDKs report the thinking tokens (inside `output_tokens`, as the conventions count them).
  const thinking = usage.output_tokens_details?.thinking_tokens;
  return {
    inputTokens: input,
    outputTokens: isNumber(usage.output_tokens) ? usage.output_tokens : undefined,
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: cacheCreation,
    reasoningOutputTokens: isNumber(thinking) ? thinking : undefined,
  };
}

function modalityOf(block: ContentBlock): string {
  return block.type === 'document' ? 'document' : 'image';
}

/** One Anthropic content block (request or response) as a conventions message part. */
export function toPart(block: ContentBlock): MessagePart {
  switch (block.type) {
    case 'text':
      return { type: 'text', content: String(block.text ?? '') };
    case 'thinking':
      return { type: 'reasoning', content: String(block.thinking ?? '') };
    case 'tool_use':
      return {
        type: 'tool_call',
        id: block.id ?? null,
        name: String(block.name ?? ''),
        arguments: block.input ?? {},
      };
    case 'tool_result':
      return {
        type: 'tool_call_response',
        id: block.tool_use_id ?? null,
        response: toolResultResponse(block.content),
      };
    case 'server_tool_use':
      return {
        type: 'server_tool_call',
        id: block.id ?? null,
        name: String(block.name ?? ''),
        server_tool_call: { type: String(block.name ?? 'server_tool'), arguments: block.input ?? {} },
      };
    case 'image':
    case 'document': {
      const source = block.source ?? {};
      const modality = modalityOf(block);
      if (source.type === 'base64' && typeof source.data === 'string') {
        return { type: 'blob', modality, mime_type: source.media_type ?? null, content: source.data };
      }
      if (source.type === 'url' && typeof source.url === 'string')
        return { type: 'uri', modality, uri: source.url };
      if (source.type === 'file' && typeof source.file_id === 'string') {
        return { type: 'file', modality, file_id: source.file_id };
      }
      if (source.type === 'text' && typeof source.data === 'string')
        return { type: 'text', content: source.data };
      return { type: block.type };
    }
    default:
      // Server tool results (`web_search_tool_result`, ...) carry a `tool_use_id`.
      if (block.type.endsWith('_tool_result') && typeof block.tool_use_id === 'string') {
        return {
          type: 'server_tool_call_response',
          id: block.tool_use_id,
          server_tool_call_response: { type: block.type },
        };
      }
      // redacted_thinking and unknown blocks: their type only (their payload is opaque or unknown).
      return { type: block.type };
  }
}

function toolResultResponse(content: ContentBlock['content']): unknown {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  if (content.every((b) => b.type === 'text')) return content.map((b) => String(b.text ?? '')).join('');
  return content.map(toPart);
}

/** `system` (a string or text blocks) as `gen_ai.system_instructions`. */
export function systemInstructions(system: MessageCreateParams['system']): SystemInstructions | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : [{ type: 'text', content: system }];
  if (!Array.isArray(system)) return undefined;
  return system.map((b) =>
    b.type === 'text' ? { type: 'text', content: String(b.text ?? '') } : { type: b.type },
  );
}

/**
 * Request messages as `gen_ai.input.messages`. Anthropic sends tool results inside user messages; the
 * conventions give them the `tool` role, so a user message is split where its blocks change between
 * tool results and other content, keeping the order.
 */
export function inputMessages(messages: MessageParam[] | undefined): InputMessage[] {
  const out: InputMessage[] = [];
  for (const message of messages ?? []) {
    const role = String(message.role);
    if (typeof message.content === 'string') {
      out.push({ role, parts: [{ type: 'text', content: message.content }] });
      continue;
    }
    if (!Array.isArray(message.content)) continue;
    let current: InputMessage | undefined;
    for (const block of message.content) {
      const partRole = block.type === 'tool_result' ? 'tool' : role;
      if (!current || current.role !== partRole) {
        current = { role: partRole, parts: [] };
        out.push(current);
      }
      current.parts.push(toPart(block));
    }
  }
  return out;
}

/** `tools` as `gen_ai.tool.definitions`: custom tools as functions, server tools by type and name. */
export function toolDefinitions(tools: ToolParam[] | undefined): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((tool) =>
    tool.type === undefined || tool.type === 'custom'
      ? {
          type: 'function',
          name: String(tool.name),
          description: tool.description ?? null,
          parameters: tool.input_schema,
        }
      : { type: String(tool.type), name: String(tool.name) },
  );
}

/** A response message as `gen_ai.output.messages` (one message: Anthropic has no choices). */
export function outputMessages(message: AnthropicMessage): OutputMessage[] {
  return [
    {
      role: message.role ?? 'assistant',
      parts: (message.content ?? []).map(toPart),
      finish_reason: mapFinishReason(message.stop_reason ?? undefined),
    },
  ];
}

/** `gen_ai.response.finish_reasons` for a response (empty when the model did not stop yet). */
export function finishReasons(stopReason: string | null | undefined): string[] {
  return stopReason ? [mapFinishReason(stopReason)] : [];
}

/** The texts of the text blocks of a response, in order (what an output guard checks). */
export function responseTexts(message: AnthropicMessage): string[] {
  return (message.content ?? []).filter((b) => b.type === 'text').map((b) => String(b.text ?? ''));
}

/** Replaces the texts of a response's text blocks, in order, with a guard's replacements. */
export function applyResponseTexts(message: AnthropicMessage, texts: string[]): void {
  let i = 0;
  for (const block of message.content ?? []) {
    if (block.type !== 'text') continue;
    if (i < texts.length) block.text = texts[i];
    i++;
  }
}
