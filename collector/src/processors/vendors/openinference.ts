/**
 * OpenInference (Arize) spans (GUIDE.md §12): `openinference.span.kind`, `llm.*`, flattened
 * `llm.input_messages.{i}.message.*`, `input.value`/`output.value`, `tool.*`, `session.id`, ...
 */
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROMPT_VERSION,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
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
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  attrGenAiPromptVariable,
  type MessagePart,
  GEN_AI_OPERATION_NAME_VALUES as OP,
} from '@genai-ops/core';
import type { AttrValue, SpanRecord } from '../../model.js';
import { type AttrBuilder, int, num, strAttr } from '../normalize-builder.js';
import {
  canonicalJson,
  contentToParts,
  isObj,
  parseJsonValue,
  someKey,
  toInputMessage,
  toOutputMessage,
  toolCallsToParts,
  toToolDefinition,
  unflatten,
} from '../normalize-messages.js';
import { mapProviderName } from './providers.js';

/** OpenInference keys (`@arizeai/openinference-semantic-conventions`). */
export const OI = {
  SPAN_KIND: 'openinference.span.kind',
  MODEL_NAME: 'llm.model_name',
  REQUEST_MODEL_NAME: 'llm.request.model_name',
  RESPONSE_MODEL_NAME: 'llm.response.model_name',
  PROVIDER: 'llm.provider',
  SYSTEM: 'llm.system',
  PROMPTS: 'llm.prompts',
  TOKEN_PROMPT: 'llm.token_count.prompt',
  TOKEN_COMPLETION: 'llm.token_count.completion',
  TOKEN_CACHE_READ: 'llm.token_count.prompt_details.cache_read',
  TOKEN_CACHE_WRITE: 'llm.token_count.prompt_details.cache_write',
  TOKEN_REASONING: 'llm.token_count.completion_details.reasoning',
  INPUT_MESSAGES: 'llm.input_messages',
  OUTPUT_MESSAGES: 'llm.output_messages',
  FINISH_REASON: 'llm.finish_reason',
  INVOCATION_PARAMETERS: 'llm.invocation_parameters',
  TOOLS: 'llm.tools',
  TOOL_NAME: 'tool.name',
  TOOL_DESCRIPTION: 'tool.description',
  TOOL_ID: 'tool.id',
  TOOL_CALL_ID: 'tool_call.id',
  INPUT_VALUE: 'input.value',
  OUTPUT_VALUE: 'output.value',
  SESSION_ID: 'session.id',
  AGENT_NAME: 'agent.name',
  PROMPT_TEMPLATE_VERSION: 'llm.prompt_template.version',
  PROMPT_TEMPLATE_VARIABLES: 'llm.prompt_template.variables',
  RETRIEVAL_DOCUMENTS: 'retrieval.documents',
  EMBEDDING_MODEL_NAME: 'embedding.model_name',
  EVALUATION_NAME: 'evaluation.name',
  EVALUATION_SCORE: 'evaluation.score',
  EVALUATION_LABEL: 'evaluation.label',
  EVALUATION_EXPLANATION: 'evaluation.explanation',
} as const;

export function detectOpenInference(span: SpanRecord): boolean {
  return OI.SPAN_KIND in span.attributes;
}

function opFromKind(kind: string, span: SpanRecord, a: Record<string, AttrValue>): string | undefined {
  switch (kind.toUpperCase()) {
    case 'LLM':
      return someKey(a, (k) => k.startsWith(`${OI.PROMPTS}.`) || k === OI.PROMPTS)
        ? OP.TEXT_COMPLETION
        : OP.CHAT;
    case 'EMBEDDING':
      return OP.EMBEDDINGS;
    case 'RETRIEVER':
      return OP.RETRIEVAL;
    case 'TOOL':
      return OP.EXECUTE_TOOL;
    case 'AGENT':
      return OP.INVOKE_AGENT;
    case 'CHAIN':
      // Only a top-level chain is a workflow; nested chains are plumbing.
      return span.parentSpanId === '' ? OP.INVOKE_WORKFLOW : undefined;
    case 'RERANKER':
      return 'rerank';
    default:
      return undefined;
  }
}

function providerOf(a: Record<string, AttrValue>): string | undefined {
  const provider = strAttr(a[OI.PROVIDER])?.toLowerCase();
  const system = strAttr(a[OI.SYSTEM])?.toLowerCase();
  // `llm.provider` is the host (azure, aws, google) and `llm.system` the model family (openai, vertexai).
  if (provider === 'google') return mapProviderName(system === 'vertexai' ? 'vertex_ai' : 'google');
  if (provider && provider !== system && ['azure', 'aws'].includes(provider))
    return mapProviderName(provider);
  const raw = system ?? provider;
  return raw ? mapProviderName(raw) : undefined;
}

/** `{message: {role, content, contents[], tool_calls[], tool_call_id, name}}` to a plain chat message. */
function oiMessage(entry: unknown): Record<string, unknown> | undefined {
  const m = isObj(entry) && isObj(entry.message) ? entry.message : undefined;
  if (!m) return undefined;
  const parts: MessagePart[] = [];
  if (Array.isArray(m.contents)) {
    for (const c of m.contents) {
      const mc = isObj(c) && isObj(c.message_content) ? c.message_content : undefined;
      if (!mc) continue;
      // Anthropic `tool_use` blocks: the call is under the content's `tool_call.*` and, again, under the
      // message's `tool_calls` (taken below); a text-less block of its own would be an empty tool call.
      if (mc.type === 'tool_use') {
        if (!Array.isArray(m.tool_calls) && isObj(c.tool_call))
          parts.push(...toolCallsToParts([c.tool_call]));
        continue;
      }
      const image = isObj(mc.image) && isObj(mc.image.image) ? mc.image.image.url : undefined;
      if (mc.type === 'image' && typeof image === 'string') {
        parts.push(...contentToParts([{ type: 'image_url', image_url: { url: image } }]));
      } else {
        parts.push(...contentToParts([{ type: mc.type ?? 'text', text: mc.text }]));
      }
    }
  }
  const calls = Array.isArray(m.tool_calls)
    ? m.tool_calls.map((c) => (isObj(c) && isObj(c.tool_call) ? c.tool_call : c))
    : undefined;
  return {
    role: m.role,
    ...(m.name !== undefined ? { name: m.name } : {}),
    ...(m.tool_call_id !== undefined ? { tool_call_id: m.tool_call_id } : {}),
    content: parts.length ? parts : m.content,
    ...(calls ? { tool_calls: calls } : {}),
  };
}

function invocationParams(b: AttrBuilder, raw: AttrValue | undefined): void {
  const p = typeof raw === 'string' ? parseJsonValue(raw) : raw;
  if (!isObj(p)) return;
  const n = (k: string) => num(p[k] as AttrValue);
  b.set(ATTR_GEN_AI_REQUEST_TEMPERATURE, n('temperature'));
  b.set(
    ATTR_GEN_AI_REQUEST_MAX_TOKENS,
    int((p.max_tokens ?? p.max_completion_tokens ?? p.max_output_tokens) as AttrValue),
  );
  b.set(ATTR_GEN_AI_REQUEST_TOP_P, n('top_p'));
  b.set(ATTR_GEN_AI_REQUEST_TOP_K, int(p.top_k as AttrValue));
  b.set(ATTR_GEN_AI_REQUEST_SEED, int(p.seed as AttrValue));
  b.set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, n('frequency_penalty'));
  b.set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, n('presence_penalty'));
  const choices = int(p.n as AttrValue);
  if (choices !== undefined && choices !== 1) b.set(ATTR_GEN_AI_REQUEST_CHOICE_COUNT, choices);
  const stop = p.stop ?? p.stop_sequences;
  if (typeof stop === 'string') b.set(ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, [stop]);
  else if (Array.isArray(stop)) b.set(ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stop.map(String));
  if (p.stream === true) b.set(ATTR_GEN_AI_REQUEST_STREAM, true);
}

function jsonString(v: AttrValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return canonicalJson(v);
  const parsed = parseJsonValue(v);
  return parsed === undefined ? JSON.stringify(v) : canonicalJson(parsed);
}

export function applyOpenInference(span: SpanRecord, b: AttrBuilder): void {
  const a = b.out;
  const kind = strAttr(a[OI.SPAN_KIND]) ?? '';
  const op = opFromKind(kind, span, a);
  b.set(ATTR_GEN_AI_OPERATION_NAME, op);
  b.set(ATTR_GEN_AI_PROVIDER_NAME, providerOf(a));

  const params = parseJsonValue(a[OI.INVOCATION_PARAMETERS]);
  const requestModel =
    strAttr(a[OI.REQUEST_MODEL_NAME]) ??
    strAttr(a[OI.EMBEDDING_MODEL_NAME]) ??
    (isObj(params) && typeof params.model === 'string' ? params.model : undefined);
  const model = strAttr(a[OI.MODEL_NAME]);
  b.set(ATTR_GEN_AI_REQUEST_MODEL, requestModel ?? model);
  b.set(ATTR_GEN_AI_RESPONSE_MODEL, strAttr(a[OI.RESPONSE_MODEL_NAME]) ?? model);

  b.set(ATTR_GEN_AI_USAGE_INPUT_TOKENS, int(a[OI.TOKEN_PROMPT]));
  b.set(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, int(a[OI.TOKEN_COMPLETION]));
  b.set(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, int(a[OI.TOKEN_CACHE_READ]));
  b.set(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, int(a[OI.TOKEN_CACHE_WRITE]));
  b.set(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, int(a[OI.TOKEN_REASONING]));

  invocationParams(b, a[OI.INVOCATION_PARAMETERS]);

  const inputs = unflatten(a, OI.INPUT_MESSAGES, b.srcKeys);
  if (inputs) {
    const msgs = inputs
      .map(oiMessage)
      .map((m) => toInputMessage(m))
      .filter((m) => m !== undefined);
    if (msgs.length) b.set(ATTR_GEN_AI_INPUT_MESSAGES, canonicalJson(msgs));
  }
  const outputs = unflatten(a, OI.OUTPUT_MESSAGES, b.srcKeys);
  const finish = strAttr(a[OI.FINISH_REASON]);
  if (outputs) {
    const msgs = outputs
      .map(oiMessage)
      .map((m) => toOutputMessage(m ? { role: 'assistant', ...m } : m, finish))
      .filter((m) => m !== undefined);
    if (msgs.length) b.set(ATTR_GEN_AI_OUTPUT_MESSAGES, canonicalJson(msgs));
  }
  if (finish) b.set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, [finish]);

  const tools = unflatten(a, OI.TOOLS, b.srcKeys);
  if (tools) {
    const defs = tools
      .map((t) => (isObj(t) && isObj(t.tool) ? toToolDefinition(t.tool.json_schema) : undefined))
      .filter((d) => d !== undefined);
    if (defs.length) b.set(ATTR_GEN_AI_TOOL_DEFINITIONS, canonicalJson(defs));
  }

  if (op === OP.EXECUTE_TOOL) {
    b.set(ATTR_GEN_AI_TOOL_NAME, strAttr(a[OI.TOOL_NAME]));
    b.set(ATTR_GEN_AI_TOOL_DESCRIPTION, strAttr(a[OI.TOOL_DESCRIPTION]));
    b.set(ATTR_GEN_AI_TOOL_CALL_ID, strAttr(a[OI.TOOL_CALL_ID]) ?? strAttr(a[OI.TOOL_ID]));
    b.set(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, jsonString(a[OI.INPUT_VALUE]));
    b.set(ATTR_GEN_AI_TOOL_CALL_RESULT, jsonString(a[OI.OUTPUT_VALUE]));
  }
  b.set(ATTR_GEN_AI_CONVERSATION_ID, strAttr(a[OI.SESSION_ID]));
  b.set(ATTR_GEN_AI_AGENT_NAME, strAttr(a[OI.AGENT_NAME]));
  b.set(ATTR_GEN_AI_PROMPT_VERSION, strAttr(a[OI.PROMPT_TEMPLATE_VERSION]));
  const vars = parseJsonValue(a[OI.PROMPT_TEMPLATE_VARIABLES]);
  if (isObj(vars)) {
    for (const [k, v] of Object.entries(vars)) {
      b.set(attrGenAiPromptVariable(k), typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
  b.set(ATTR_GEN_AI_EVALUATION_NAME, strAttr(a[OI.EVALUATION_NAME]));
  b.set(ATTR_GEN_AI_EVALUATION_SCORE_VALUE, num(a[OI.EVALUATION_SCORE]));
  b.set(ATTR_GEN_AI_EVALUATION_SCORE_LABEL, strAttr(a[OI.EVALUATION_LABEL]));
  b.set(ATTR_GEN_AI_EVALUATION_EXPLANATION, strAttr(a[OI.EVALUATION_EXPLANATION]));
  const docs = unflatten(a, OI.RETRIEVAL_DOCUMENTS, b.srcKeys);
  if (docs) {
    const list = docs
      .map((d) => (isObj(d) && isObj(d.document) ? d.document : undefined))
      .filter((d) => d !== undefined)
      .map((d) => ({
        id: d.id === undefined ? null : String(d.id),
        score: typeof d.score === 'number' ? d.score : null,
      }));
    if (list.length) b.set(ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, canonicalJson(list));
  }
}
