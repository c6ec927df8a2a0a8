/**
 * OpenLLMetry (Traceloop) spans (GUIDE.md §12): flattened `gen_ai.prompt.{i}.*` / `gen_ai.completion.{i}.*`,
 * `llm.*` request keys, OpenLLMetry usage key spellings and `traceloop.*` workflow/agent/tool spans.
 */
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  GEN_AI_OPERATION_NAME_VALUES as OP,
} from '@genai-ops/core';
import type { AttrValue, SpanRecord } from '../../model.js';
import { type AttrBuilder, int, num, strAttr } from '../normalize-builder.js';
import {
  canonicalJson,
  isObj,
  parseJsonValue,
  someKey,
  toInputMessage,
  toOutputMessage,
  toToolDefinition,
  unflatten,
} from '../normalize-messages.js';

/** OpenLLMetry's own keys (`@traceloop/ai-semantic-conventions`). */
export const OPENLLMETRY = {
  PROMPT_PREFIX: 'gen_ai.prompt',
  COMPLETION_PREFIX: 'gen_ai.completion',
  REQUEST_TYPE: 'llm.request.type',
  REQUEST_FUNCTIONS_PREFIX: 'llm.request.functions',
  USAGE_TOTAL_TOKENS: 'llm.usage.total_tokens',
  USAGE_CACHE_READ: 'gen_ai.usage.cache_read_input_tokens',
  USAGE_CACHE_CREATION: 'gen_ai.usage.cache_creation_input_tokens',
  USAGE_REASONING: 'gen_ai.usage.reasoning_tokens',
  TOP_K: 'llm.top_k',
  FREQUENCY_PENALTY: 'llm.frequency_penalty',
  PRESENCE_PENALTY: 'llm.presence_penalty',
  STOP_SEQUENCES: 'llm.chat.stop_sequences',
  SPAN_KIND: 'traceloop.span.kind',
  ENTITY_NAME: 'traceloop.entity.name',
  ENTITY_INPUT: 'traceloop.entity.input',
  ENTITY_OUTPUT: 'traceloop.entity.output',
  WORKFLOW_NAME: 'traceloop.workflow.name',
} as const;

const NUMBERED = /^gen_ai\.(prompt|completion)\.\d+\./;

export function detectOpenLLMetry(span: SpanRecord): boolean {
  return someKey(
    span.attributes,
    (k) =>
      k.startsWith('traceloop.') ||
      k === OPENLLMETRY.REQUEST_TYPE ||
      // The regex only on its candidates (this runs on every key of every span).
      ((k.startsWith('gen_ai.prompt.') || k.startsWith('gen_ai.completion.')) && NUMBERED.test(k)),
  );
}

const REQUEST_TYPE_TO_OP: Record<string, string> = {
  chat: OP.CHAT,
  completion: OP.TEXT_COMPLETION,
  embedding: OP.EMBEDDINGS,
  embeddings: OP.EMBEDDINGS,
  rerank: 'rerank',
};

function jsonString(v: AttrValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') {
    const parsed = parseJsonValue(v);
    return parsed === undefined ? JSON.stringify(v) : canonicalJson(parsed);
  }
  return canonicalJson(v);
}

export function applyOpenLLMetry(span: SpanRecord, b: AttrBuilder): void {
  const a = b.out;
  const reqType = strAttr(a[OPENLLMETRY.REQUEST_TYPE]);
  if (reqType) b.set(ATTR_GEN_AI_OPERATION_NAME, REQUEST_TYPE_TO_OP[reqType] ?? reqType);

  b.set(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, int(a[OPENLLMETRY.USAGE_CACHE_READ]));
  b.set(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, int(a[OPENLLMETRY.USAGE_CACHE_CREATION]));
  b.set(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, int(a[OPENLLMETRY.USAGE_REASONING]));
  b.set(ATTR_GEN_AI_REQUEST_TOP_K, int(a[OPENLLMETRY.TOP_K]));
  b.set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, num(a[OPENLLMETRY.FREQUENCY_PENALTY]));
  b.set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, num(a[OPENLLMETRY.PRESENCE_PENALTY]));
  const stops = a[OPENLLMETRY.STOP_SEQUENCES];
  const stopList = typeof stops === 'string' ? parseJsonValue(stops) : stops;
  if (Array.isArray(stopList)) b.set(ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stopList.map(String));

  const prompts = unflatten(a, OPENLLMETRY.PROMPT_PREFIX, b.srcKeys);
  if (prompts) {
    const msgs = prompts.map((m) => toInputMessage(m)).filter((m) => m !== undefined);
    if (msgs.length) b.set(ATTR_GEN_AI_INPUT_MESSAGES, canonicalJson(msgs));
  }
  const completions = unflatten(a, OPENLLMETRY.COMPLETION_PREFIX, b.srcKeys);
  if (completions) {
    const msgs = completions
      .map((m) => toOutputMessage(isObj(m) ? { role: 'assistant', ...m } : m))
      .filter((m) => m !== undefined);
    if (msgs.length) {
      b.set(ATTR_GEN_AI_OUTPUT_MESSAGES, canonicalJson(msgs));
      const reasons = completions.map((m) => (isObj(m) ? m.finish_reason : undefined));
      if (reasons.every((r) => typeof r === 'string')) {
        b.set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, reasons as string[]);
      }
    }
  }
  const functions = unflatten(a, OPENLLMETRY.REQUEST_FUNCTIONS_PREFIX, b.srcKeys);
  if (functions) {
    const defs = functions.map((f) => toToolDefinition(f)).filter((d) => d !== undefined);
    if (defs.length) b.set(ATTR_GEN_AI_TOOL_DEFINITIONS, canonicalJson(defs));
  }

  const kind = strAttr(a[OPENLLMETRY.SPAN_KIND]);
  const entity = strAttr(a[OPENLLMETRY.ENTITY_NAME]);
  if (kind === 'workflow') {
    b.set(ATTR_GEN_AI_OPERATION_NAME, OP.INVOKE_WORKFLOW);
    b.set(ATTR_GEN_AI_WORKFLOW_NAME, strAttr(a[OPENLLMETRY.WORKFLOW_NAME]) ?? entity);
  } else if (kind === 'agent') {
    b.set(ATTR_GEN_AI_OPERATION_NAME, OP.INVOKE_AGENT);
    b.set(ATTR_GEN_AI_AGENT_NAME, entity);
  } else if (kind === 'tool') {
    b.set(ATTR_GEN_AI_OPERATION_NAME, OP.EXECUTE_TOOL);
    b.set(ATTR_GEN_AI_TOOL_NAME, entity);
    b.set(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, jsonString(a[OPENLLMETRY.ENTITY_INPUT]));
    b.set(ATTR_GEN_AI_TOOL_CALL_RESULT, jsonString(a[OPENLLMETRY.ENTITY_OUTPUT]));
  }

  // OpenLLMetry names model spans `{vendor}.{api}` (openai.chat, anthropic.chat); the conventions want
  // `{operation} {model}`.
  const op = strAttr(b.get(ATTR_GEN_AI_OPERATION_NAME));
  const model = strAttr(b.get(ATTR_GEN_AI_REQUEST_MODEL)) ?? strAttr(b.get(ATTR_GEN_AI_RESPONSE_MODEL));
  if (reqType && op && /^[a-z0-9_-]+\.[a-z_]+$/i.test(span.name)) b.name = model ? `${op} ${model}` : op;
}
