/**
 * Vercel AI SDK spans (GUIDE.md §12): the legacy `ai.*` telemetry (ai ≤ v6, `experimental_telemetry`)
 * and the v7 `@ai-sdk/otel` shape (already `gen_ai.*`, with metric names put on spans).
 */
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  type MessagePart,
  mapFinishReason,
  GEN_AI_OPERATION_NAME_VALUES as OP,
  type OutputMessage,
} from '@genai-ops/core';
import type { AttrValue, SpanRecord } from '../../model.js';
import { type AttrBuilder, int, num, strAttr } from '../normalize-builder.js';
import {
  canonicalJson,
  isObj,
  parseJsonValue,
  someKey,
  toInputMessage,
  toolCallsToParts,
  toToolDefinition,
} from '../normalize-messages.js';
import { mapProviderName } from './providers.js';

/** The AI SDK's legacy telemetry keys (ai-sdk.dev, "Telemetry"). */
export const VERCEL = {
  OPERATION_ID: 'ai.operationId',
  MODEL_ID: 'ai.model.id',
  MODEL_PROVIDER: 'ai.model.provider',
  RESPONSE_MODEL: 'ai.response.model',
  RESPONSE_ID: 'ai.response.id',
  RESPONSE_TEXT: 'ai.response.text',
  RESPONSE_REASONING: 'ai.response.reasoning',
  RESPONSE_TOOL_CALLS: 'ai.response.toolCalls',
  RESPONSE_FINISH_REASON: 'ai.response.finishReason',
  RESPONSE_MS_TO_FIRST_CHUNK: 'ai.response.msToFirstChunk',
  PROMPT: 'ai.prompt',
  PROMPT_MESSAGES: 'ai.prompt.messages',
  PROMPT_TOOLS: 'ai.prompt.tools',
  USAGE_PROMPT_TOKENS: 'ai.usage.promptTokens',
  USAGE_INPUT_TOKENS: 'ai.usage.inputTokens',
  USAGE_COMPLETION_TOKENS: 'ai.usage.completionTokens',
  USAGE_OUTPUT_TOKENS: 'ai.usage.outputTokens',
  USAGE_CACHED_INPUT_TOKENS: 'ai.usage.cachedInputTokens',
  USAGE_CACHE_READ_TOKENS: 'ai.usage.inputTokenDetails.cacheReadTokens',
  USAGE_CACHE_WRITE_TOKENS: 'ai.usage.inputTokenDetails.cacheWriteTokens',
  USAGE_REASONING_TOKENS: 'ai.usage.reasoningTokens',
  USAGE_REASONING_DETAIL_TOKENS: 'ai.usage.outputTokenDetails.reasoningTokens',
  USAGE_TOKENS: 'ai.usage.tokens',
  TOOL_CALL_NAME: 'ai.toolCall.name',
  TOOL_CALL_ID: 'ai.toolCall.id',
  TOOL_CALL_ARGS: 'ai.toolCall.args',
  TOOL_CALL_INPUT: 'ai.toolCall.input',
  TOOL_CALL_RESULT: 'ai.toolCall.result',
  TOOL_CALL_OUTPUT: 'ai.toolCall.output',
  FUNCTION_ID: 'ai.telemetry.functionId',
  SETTINGS_PREFIX: 'ai.settings.',
} as const;

export function detectVercelAi(span: SpanRecord): boolean {
  return VERCEL.OPERATION_ID in span.attributes || someKey(span.attributes, (k) => k.startsWith('ai.'));
}

function operationOf(opId: string): { op?: string; counts: boolean } {
  if (opId === 'ai.toolCall') return { op: OP.EXECUTE_TOOL, counts: false };
  if (/^ai\.embed(Many)?\.doEmbed$/.test(opId)) return { op: OP.EMBEDDINGS, counts: true };
  if (/\.do(Generate|Stream)$/.test(opId)) return { op: OP.CHAT, counts: true };
  if (/^ai\.(generate|stream)(Text|Object)$/.test(opId)) return { op: OP.INVOKE_AGENT, counts: false };
  // ai.embed / ai.embedMany wrappers aggregate their doEmbed children.
  return { op: undefined, counts: false };
}

function jsonString(v: AttrValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return canonicalJson(v);
  const parsed = parseJsonValue(v);
  return parsed === undefined ? JSON.stringify(v) : canonicalJson(parsed);
}

function applySettings(b: AttrBuilder, a: Record<string, AttrValue>): void {
  const s = (k: string) => a[`${VERCEL.SETTINGS_PREFIX}${k}`];
  b.set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, int(s('maxOutputTokens') ?? s('maxTokens')));
  b.set(ATTR_GEN_AI_REQUEST_TEMPERATURE, num(s('temperature')));
  b.set(ATTR_GEN_AI_REQUEST_TOP_P, num(s('topP')));
  b.set(ATTR_GEN_AI_REQUEST_TOP_K, int(s('topK')));
  b.set(ATTR_GEN_AI_REQUEST_SEED, int(s('seed')));
  b.set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, num(s('frequencyPenalty')));
  b.set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, num(s('presencePenalty')));
  const stops = s('stopSequences');
  if (Array.isArray(stops)) b.set(ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stops.map(String));
}

function applyPrompt(b: AttrBuilder, a: Record<string, AttrValue>): void {
  const messages = parseJsonValue(a[VERCEL.PROMPT_MESSAGES]);
  const prompt = parseJsonValue(a[VERCEL.PROMPT]);
  let list: unknown[] | undefined = Array.isArray(messages) ? messages : undefined;
  const system: MessagePart[] = [];
  if (!list && isObj(prompt)) {
    if (typeof prompt.system === 'string') system.push({ type: 'text', content: prompt.system });
    if (Array.isArray(prompt.messages)) list = prompt.messages;
    else if (prompt.prompt !== undefined) list = [{ role: 'user', content: prompt.prompt }];
  }
  if (list) {
    const msgs = list.map((m) => toInputMessage(m)).filter((m) => m !== undefined);
    if (msgs.length) b.set(ATTR_GEN_AI_INPUT_MESSAGES, canonicalJson(msgs));
  }
  if (system.length) b.set(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, canonicalJson(system));
}

function applyResponse(b: AttrBuilder, a: Record<string, AttrValue>): void {
  const text = strAttr(a[VERCEL.RESPONSE_TEXT]);
  const reasoning = strAttr(a[VERCEL.RESPONSE_REASONING]);
  const calls = parseJsonValue(a[VERCEL.RESPONSE_TOOL_CALLS]);
  const finish = strAttr(a[VERCEL.RESPONSE_FINISH_REASON]);
  const parts: MessagePart[] = [];
  if (reasoning) parts.push({ type: 'reasoning', content: reasoning });
  // The model's text as it is: a reply that happens to be a JSON array is not a list of content blocks.
  if (text) parts.push({ type: 'text', content: text });
  parts.push(...toolCallsToParts(calls));
  if (parts.length) {
    const msg: OutputMessage = { role: 'assistant', parts, finish_reason: mapFinishReason(finish) };
    b.set(ATTR_GEN_AI_OUTPUT_MESSAGES, canonicalJson([msg]));
  }
  if (finish) b.set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, [mapFinishReason(finish)]);
}

export function applyVercelAi(span: SpanRecord, b: AttrBuilder): void {
  const a = b.out;
  const opId = strAttr(a[VERCEL.OPERATION_ID]) ?? span.name;
  if (opId.startsWith('ai.')) {
    const { op, counts } = operationOf(opId);
    b.set(ATTR_GEN_AI_OPERATION_NAME, op);
    b.countsUsage = counts;
  }
  const provider = strAttr(a[VERCEL.MODEL_PROVIDER]);
  if (provider) b.set(ATTR_GEN_AI_PROVIDER_NAME, mapProviderName(provider));
  b.set(ATTR_GEN_AI_REQUEST_MODEL, strAttr(a[VERCEL.MODEL_ID]));
  b.set(ATTR_GEN_AI_RESPONSE_MODEL, strAttr(a[VERCEL.RESPONSE_MODEL]));
  b.set(ATTR_GEN_AI_RESPONSE_ID, strAttr(a[VERCEL.RESPONSE_ID]));

  b.set(
    ATTR_GEN_AI_USAGE_INPUT_TOKENS,
    int(a[VERCEL.USAGE_INPUT_TOKENS] ?? a[VERCEL.USAGE_PROMPT_TOKENS] ?? a[VERCEL.USAGE_TOKENS]),
  );
  b.set(
    ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
    int(a[VERCEL.USAGE_OUTPUT_TOKENS] ?? a[VERCEL.USAGE_COMPLETION_TOKENS]),
  );
  b.set(
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    int(a[VERCEL.USAGE_CACHE_READ_TOKENS] ?? a[VERCEL.USAGE_CACHED_INPUT_TOKENS]),
  );
  b.set(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, int(a[VERCEL.USAGE_CACHE_WRITE_TOKENS]));
  b.set(
    ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    int(a[VERCEL.USAGE_REASONING_DETAIL_TOKENS] ?? a[VERCEL.USAGE_REASONING_TOKENS]),
  );

  applySettings(b, a);
  applyPrompt(b, a);
  applyResponse(b, a);
  if (opId.endsWith('.doStream')) b.set(ATTR_GEN_AI_REQUEST_STREAM, true);
  const ms = num(a[VERCEL.RESPONSE_MS_TO_FIRST_CHUNK]);
  if (ms !== undefined) b.set(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ms / 1000);

  const tools = a[VERCEL.PROMPT_TOOLS];
  if (Array.isArray(tools)) {
    const defs = tools.map((t) => toToolDefinition(t)).filter((d) => d !== undefined);
    if (defs.length) b.set(ATTR_GEN_AI_TOOL_DEFINITIONS, canonicalJson(defs));
  }
  b.set(ATTR_GEN_AI_TOOL_NAME, strAttr(a[VERCEL.TOOL_CALL_NAME]));
  b.set(ATTR_GEN_AI_TOOL_CALL_ID, strAttr(a[VERCEL.TOOL_CALL_ID]));
  b.set(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, jsonString(a[VERCEL.TOOL_CALL_INPUT] ?? a[VERCEL.TOOL_CALL_ARGS]));
  b.set(ATTR_GEN_AI_TOOL_CALL_RESULT, jsonString(a[VERCEL.TOOL_CALL_OUTPUT] ?? a[VERCEL.TOOL_CALL_RESULT]));
  if (b.get(ATTR_GEN_AI_OPERATION_NAME) === OP.INVOKE_AGENT)
    b.set(ATTR_GEN_AI_AGENT_NAME, strAttr(a[VERCEL.FUNCTION_ID]));
}

/** v7 `@ai-sdk/otel` puts a metric's name on spans; the conventions' span attribute is this one. */
export function applyVercelOtel(b: AttrBuilder): void {
  b.set(
    ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
    num(b.get(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK)),
  );
}
