/**
 * InvokeModel bodies: each model family speaks its own JSON
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters.html). Request and response
 * bodies are parsed into the conventions' attributes, messages, usage and the text slots the guards use.
 */
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  type CallContent,
  GEN_AI_OPERATION_NAME_VALUES,
  type GuardTextSegment,
  type InputMessage,
  type MessagePart,
  mapFinishReason,
  type OutputMessage,
  type SystemInstructions,
  type ToolDefinition,
  type Usage,
} from '@genai-ops/core';
import {
  type AttributeMap,
  baseModelId,
  converseBlockPart,
  converseInputMessages,
  converseSystem,
  converseTools,
  converseUsage,
  int,
  isRecord,
  num,
  strings,
  topK,
} from './attributes.js';
import type { ConverseInput, ConverseMessage, Json } from './internal-types.js';
import type { StreamDelta } from './stream-accumulator.js';

export type ModelFamily =
  | 'anthropic'
  | 'nova'
  | 'titan-text'
  | 'titan-embed'
  | 'llama'
  | 'mistral'
  | 'cohere'
  | 'cohere-embed';

/** The family of a model id, inference profile or ARN; undefined for families we do not parse. */
export function modelFamily(modelId: string | undefined): ModelFamily | undefined {
  if (!modelId) return undefined;
  const family = familyOf(baseModelId(modelId));
  if (family !== undefined) return family;
  // A custom (fine-tuned) model's ARN names its base model before its own id:
  // `arn:aws:bedrock:<region>:<account>:custom-model/<base model id>/<id>`.
  const parts = modelId.split('/');
  return parts.length > 2 ? familyOf(baseModelId(parts[parts.length - 2]!)) : undefined;
}

function familyOf(id: string): ModelFamily | undefined {
  if (id.startsWith('anthropic.')) return 'anthropic';
  if (id.startsWith('amazon.nova')) return 'nova';
  if (id.startsWith('amazon.titan-embed')) return 'titan-embed';
  if (id.startsWith('amazon.titan-text') || id.startsWith('amazon.titan-tg')) return 'titan-text';
  if (id.startsWith('meta.')) return 'llama';
  if (id.startsWith('mistral.')) return 'mistral';
  if (id.startsWith('cohere.embed')) return 'cohere-embed';
  if (id.startsWith('cohere.')) return 'cohere';
  return undefined;
}

/** A string in the request body a guard may read and replace, by its JSON path. */
export interface BodySlot extends GuardTextSegment {
  path: Array<string | number>;
}

export interface NativeRequest {
  operation: string;
  attributes: AttributeMap;
  content: () => CallContent;
  /** Built on demand: only a guard reads them. */
  slots: () => BodySlot[];
}

function text(content: string): MessagePart {
  return { type: 'text', content };
}

function user(prompt: unknown): InputMessage[] {
  return typeof prompt === 'string' ? [{ role: 'user', parts: [text(prompt)] }] : [];
}

function slot(path: Array<string | number>, value: unknown, role: string): BodySlot[] {
  if (typeof value !== 'string') return [];
  const source =
    role === 'system' ? 'system' : role === 'assistant' ? 'model' : role === 'tool' ? 'tool' : 'user';
  return [{ path, text: value, role, source }];
}

/** Anthropic Messages content blocks (Bedrock's `anthropic.*` bodies). */
function anthropicParts(content: unknown): MessagePart[] {
  if (typeof content === 'string') return [text(content)];
  const out: MessagePart[] = [];
  for (const b of Array.isArray(content) ? content : []) {
    if (!isRecord(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string') out.push(text(b.text));
    else if (b.type === 'thinking' && typeof b.thinking === 'string')
      out.push({ type: 'reasoning', content: b.thinking });
    else if (b.type === 'tool_use')
      out.push({
        type: 'tool_call',
        id: (b.id as string) ?? null,
        name: String(b.name ?? ''),
        arguments: b.input ?? {},
      });
    else if (b.type === 'tool_result') {
      const inner = anthropicParts(b.content);
      const response =
        inner.length === 1 && inner[0]!.type === 'text' ? (inner[0] as { content: string }).content : inner;
      out.push({ type: 'tool_call_response', id: (b.tool_use_id as string) ?? null, response });
    } else if (b.type === 'image' && isRecord(b.source)) {
      const s = b.source;
      if (s.type === 'base64')
        out.push({
          type: 'blob',
          modality: 'image',
          mime_type: (s.media_type as string) ?? null,
          content: String(s.data ?? ''),
        });
      else if (typeof s.url === 'string')
        out.push({ type: 'uri', modality: 'image', mime_type: null, uri: s.url });
    }
  }
  return out;
}

function anthropicRole(m: Json): string {
  const blocks = Array.isArray(m.content) ? m.content : [];
  if (m.role === 'user' && blocks.length > 0 && blocks.every((b) => isRecord(b) && b.type === 'tool_result'))
    return 'tool';
  return String(m.role ?? 'user');
}

function textSlots(base: Array<string | number>, content: unknown, role: string, key = 'text'): BodySlot[] {
  if (typeof content === 'string') return slot(base, content, role);
  const out: BodySlot[] = [];
  (Array.isArray(content) ? content : []).forEach((b, j) => {
    if (isRecord(b) && typeof b[key] === 'string' && (b.type === undefined || b.type === 'text'))
      out.push(...slot([...base, j, key], b[key], role));
  });
  return out;
}

function messages(body: Json): Json[] {
  return Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
}

function functionTools(tools: unknown, nameOf: (t: Json) => unknown): ToolDefinition[] | undefined {
  const out: ToolDefinition[] = [];
  for (const t of Array.isArray(tools) ? tools : []) {
    const name = isRecord(t) ? nameOf(t) : undefined;
    if (typeof name === 'string') out.push({ type: 'function', name });
  }
  return out.length > 0 ? out : undefined;
}

const CHAT = GEN_AI_OPERATION_NAME_VALUES.CHAT;
const COMPLETION = GEN_AI_OPERATION_NAME_VALUES.TEXT_COMPLETION;
const EMBEDDINGS = GEN_AI_OPERATION_NAME_VALUES.EMBEDDINGS;

/** Parses an InvokeModel request body of `family`. */
export function parseNativeRequest(family: ModelFamily, body: Json): NativeRequest {
  switch (family) {
    case 'anthropic': {
      const system: SystemInstructions | undefined =
        typeof body.system === 'string'
          ? [{ type: 'text', content: body.system }]
          : (anthropicParts(body.system).filter((p) => p.type === 'text') as SystemInstructions);
      return {
        operation: CHAT,
        attributes: {
          [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: int(body.max_tokens),
          [ATTR_GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
          [ATTR_GEN_AI_REQUEST_TOP_P]: num(body.top_p),
          [ATTR_GEN_AI_REQUEST_TOP_K]: topK(body.top_k),
          [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: strings(body.stop_sequences),
        },
        content: () => ({
          systemInstructions: system && system.length > 0 ? system : undefined,
          inputMessages: messages(body).map((m) => ({
            role: anthropicRole(m),
            parts: anthropicParts(m.content),
          })),
          toolDefinitions: functionTools(body.tools, (t) => t.name),
        }),
        slots: () => [
          ...textSlots(['system'], body.system, 'system'),
          ...messages(body).flatMap((m, i) =>
            textSlots(['messages', i, 'content'], m.content, anthropicRole(m)),
          ),
        ],
      };
    }
    case 'nova': {
      const cfg = isRecord(body.inferenceConfig) ? body.inferenceConfig : {};
      const input = body as ConverseInput;
      return {
        operation: CHAT,
        attributes: {
          [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: int(cfg.max_new_tokens ?? cfg.maxTokens),
          [ATTR_GEN_AI_REQUEST_TEMPERATURE]: num(cfg.temperature),
          [ATTR_GEN_AI_REQUEST_TOP_P]: num(cfg.top_p ?? cfg.topP),
          [ATTR_GEN_AI_REQUEST_TOP_K]: topK(cfg.top_k ?? cfg.topK),
          [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: strings(cfg.stopSequences),
        },
        content: () => ({
          systemInstructions: converseSystem(input.system),
          inputMessages: converseInputMessages(input.messages),
          toolDefinitions: converseTools(input),
        }),
        slots: () => [
          ...(Array.isArray(body.system) ? body.system : []).flatMap((s, i) =>
            isRecord(s) ? slot(['system', i, 'text'], s.text, 'system') : [],
          ),
          ...messages(body).flatMap((m, i) =>
            textSlots(['messages', i, 'content'], m.content, String(m.role ?? 'user')),
          ),
        ],
      };
    }
    case 'titan-text': {
      const cfg = isRecord(body.textGenerationConfig) ? body.textGenerationConfig : {};
      return {
        operation: COMPLETION,
        attributes: {
          [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: int(cfg.maxTokenCount),
          [ATTR_GEN_AI_REQUEST_TEMPERATURE]: num(cfg.temperature),
          [ATTR_GEN_AI_REQUEST_TOP_P]: num(cfg.topP),
          [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: strings(cfg.stopSequences),
        },
        content: () => ({ inputMessages: user(body.inputText) }),
        slots: () => slot(['inputText'], body.inputText, 'user'),
      };
    }
    case 'llama':
      return {
        operation: COMPLETION,
        attributes: {
          [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: int(body.max_gen_len),
          [ATTR_GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
          [ATTR_GEN_AI_REQUEST_TOP_P]: num(body.top_p),
        },
        content: () => ({ inputMessages: user(body.prompt) }),
        slots: () => slot(['prompt'], body.prompt, 'user'),
      };
    case 'mistral': {
      const chat = Array.isArray(body.messages);
      return {
        operation: chat ? CHAT : COMPLETION,
        attributes: {
          [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: int(body.max_tokens),
          [ATTR_GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
          [ATTR_GEN_AI_REQUEST_TOP_P]: num(body.top_p),
          [ATTR_GEN_AI_REQUEST_TOP_K]: topK(body.top_k),
          [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: strings(body.stop),
        },
        content: () => ({
          inputMessages: chat
            ? messages(body).map((m) => ({
                role: String(m.role ?? 'user'),
                parts: typeof m.content === 'string' ? [text(m.content)] : [],
              }))
            : user(body.prompt),
          toolDefinitions: functionTools(body.tools, (t) =>
            isRecord(t.function) ? t.function.name : undefined,
          ),
        }),
        slots: () =>
          chat
            ? messages(body).flatMap((m, i) =>
                slot(['messages', i, 'content'], m.content, String(m.role ?? 'user')),
              )
            : slot(['prompt'], body.prompt, 'user'),
      };
    }
    case 'cohere': {
      const chat = typeof body.message === 'string';
      const history = Array.isArray(body.chat_history) ? body.chat_history.filter(isRecord) : [];
      const roleOf = (r: unknown) => (r === 'CHATBOT' ? 'assistant' : r === 'SYSTEM' ? 'system' : 'user');
      return {
        operation: chat ? CHAT : COMPLETION,
        attributes: {
          [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: int(body.max_tokens),
          [ATTR_GEN_AI_REQUEST_TEMPERATURE]: num(body.temperature),
          [ATTR_GEN_AI_REQUEST_TOP_P]: num(body.p),
          [ATTR_GEN_AI_REQUEST_TOP_K]: topK(body.k),
          [ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: strings(body.stop_sequences),
        },
        content: () =>
          chat
            ? {
                systemInstructions:
                  typeof body.preamble === 'string' ? [{ type: 'text', content: body.preamble }] : undefined,
                inputMessages: [
                  ...history.map((h) => ({
                    role: roleOf(h.role),
                    parts: typeof h.message === 'string' ? [text(h.message)] : [],
                  })),
                  ...user(body.message),
                ],
                toolDefinitions: functionTools(body.tools, (t) => t.name),
              }
            : { inputMessages: user(body.prompt) },
        slots: () =>
          chat
            ? [
                ...slot(['preamble'], body.preamble, 'system'),
                ...history.flatMap((h, i) => slot(['chat_history', i, 'message'], h.message, roleOf(h.role))),
                ...slot(['message'], body.message, 'user'),
              ]
            : slot(['prompt'], body.prompt, 'user'),
      };
    }
    case 'titan-embed':
      return {
        operation: EMBEDDINGS,
        attributes: { [ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: int(body.dimensions) },
        content: () => ({}),
        slots: () => slot(['inputText'], body.inputText, 'user'),
      };
    case 'cohere-embed':
      return {
        operation: EMBEDDINGS,
        attributes: {},
        content: () => ({}),
        slots: () =>
          (Array.isArray(body.texts) ? body.texts : []).flatMap((t, i) => slot(['texts', i], t, 'user')),
      };
  }
}

/** Titan's completion reasons. */
function titanFinish(reason: unknown): string | undefined {
  if (typeof reason !== 'string') return undefined;
  if (reason === 'FINISH' || reason === 'FINISHED') return 'stop';
  if (reason === 'LENGTH') return 'length';
  if (reason === 'CONTENT_FILTERED') return 'content_filter';
  return mapFinishReason(reason);
}

export interface NativeResponse {
  id?: string;
  usage?: Usage;
  finishReasons: string[];
  output: () => OutputMessage[];
  /** Visible output texts, by JSON path, for the output guard. */
  texts: Array<{ path: Array<string | number>; text: string }>;
  attributes?: AttributeMap;
}

function anthropicUsage(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const input = int(u.input_tokens);
  const read = int(u.cache_read_input_tokens);
  const write = int(u.cache_creation_input_tokens);
  return {
    inputTokens: input === undefined ? undefined : input + (read ?? 0) + (write ?? 0),
    outputTokens: int(u.output_tokens),
    cacheReadInputTokens: read,
    cacheCreationInputTokens: write,
  };
}

/** Nova's native usage names the cache counts `...TokenCount`; otherwise it is Converse's usage. */
function novaUsage(u: unknown): Usage | undefined {
  if (!isRecord(u)) return undefined;
  return converseUsage({
    inputTokens: int(u.inputTokens),
    outputTokens: int(u.outputTokens),
    cacheReadInputTokens: int(u.cacheReadInputTokenCount ?? u.cacheReadInputTokens),
    cacheWriteInputTokens: int(u.cacheWriteInputTokenCount ?? u.cacheWriteInputTokens),
  });
}

function single(
  textValue: unknown,
  path: Array<string | number>,
  finish: string | undefined,
): Pick<NativeResponse, 'texts' | 'output'> {
  const t = typeof textValue === 'string' ? textValue : undefined;
  return {
    texts: t === undefined ? [] : [{ path, text: t }],
    output: () => [
      { role: 'assistant', parts: t === undefined ? [] : [text(t)], finish_reason: finish ?? 'stop' },
    ],
  };
}

function embeddingDims(v: unknown): number | undefined {
  if (Array.isArray(v)) return Array.isArray(v[0]) ? (v[0] as unknown[]).length : v.length;
  if (isRecord(v)) return embeddingDims(Object.values(v)[0]);
  return undefined;
}

/** Parses an InvokeModel response body of `family`. */
export function parseNativeResponse(family: ModelFamily, body: Json): NativeResponse {
  switch (family) {
    case 'anthropic': {
      const finish = typeof body.stop_reason === 'string' ? mapFinishReason(body.stop_reason) : undefined;
      const blocks = Array.isArray(body.content) ? body.content : [];
      return {
        id: typeof body.id === 'string' ? body.id : undefined,
        usage: anthropicUsage(body.usage),
        finishReasons: finish ? [finish] : [],
        output: () => [
          { role: 'assistant', parts: anthropicParts(body.content), finish_reason: finish ?? 'stop' },
        ],
        texts: blocks.flatMap((b, j) =>
          isRecord(b) && b.type === 'text' && typeof b.text === 'string'
            ? [{ path: ['content', j, 'text'], text: b.text }]
            : [],
        ),
      };
    }
    case 'nova': {
      const message = (isRecord(body.output) ? body.output.message : undefined) as
        | ConverseMessage
        | undefined;
      const finish = typeof body.stopReason === 'string' ? mapFinishReason(body.stopReason) : undefined;
      const blocks = Array.isArray(message?.content) ? message.content : [];
      return {
        usage: novaUsage(body.usage),
        finishReasons: finish ? [finish] : [],
        output: () => [
          {
            role: 'assistant',
            parts: blocks
              .map((b) => (isRecord(b) ? converseBlockPart(b) : undefined))
              .filter((p): p is MessagePart => p !== undefined),
            finish_reason: finish ?? 'stop',
          },
        ],
        texts: blocks.flatMap((b, j) =>
          isRecord(b) && typeof b.text === 'string'
            ? [{ path: ['output', 'message', 'content', j, 'text'], text: b.text }]
            : [],
        ),
      };
    }
    case 'titan-text': {
      const results = Array.isArray(body.results) ? body.results.filter(isRecord) : [];
      let out: number | undefined;
      for (const r of results)
        if (int(r.tokenCount) !== undefined) out = (out ?? 0) + (r.tokenCount as number);
      const finishes = results.map((r) => titanFinish(r.completionReason) ?? 'stop');
      return {
        usage: { inputTokens: int(body.inputTextTokenCount), outputTokens: out },
        finishReasons: finishes,
        output: () =>
          results.map((r, i) => ({
            role: 'assistant',
            parts: typeof r.outputText === 'string' ? [text(r.outputText)] : [],
            finish_reason: finishes[i]!,
          })),
        texts: results.flatMap((r, i) =>
          typeof r.outputText === 'string'
            ? [{ path: ['results', i, 'outputText'], text: r.outputText }]
            : [],
        ),
      };
    }
    case 'llama': {
      const finish = typeof body.stop_reason === 'string' ? mapFinishReason(body.stop_reason) : undefined;
      return {
        usage: { inputTokens: int(body.prompt_token_count), outputTokens: int(body.generation_token_count) },
        finishReasons: finish ? [finish] : [],
        ...single(body.generation, ['generation'], finish),
      };
    }
    case 'mistral': {
      if (Array.isArray(body.choices)) {
        const choices = body.choices.filter(isRecord);
        const finishes = choices.map((c) =>
          mapFinishReason((c.finish_reason ?? c.stop_reason) as string | undefined),
        );
        const u = isRecord(body.usage) ? body.usage : {};
        return {
          id: typeof body.id === 'string' ? body.id : undefined,
          usage: { inputTokens: int(u.prompt_tokens), outputTokens: int(u.completion_tokens) },
          finishReasons: finishes,
          output: () =>
            choices.map((c, i) => {
              const m = isRecord(c.message) ? c.message : {};
              return {
                role: 'assistant',
                parts: typeof m.content === 'string' ? [text(m.content)] : [],
                finish_reason: finishes[i]!,
              };
            }),
          texts: choices.flatMap((c, i) =>
            isRecord(c.message) && typeof c.message.content === 'string'
              ? [{ path: ['choices', i, 'message', 'content'], text: c.message.content }]
              : [],
          ),
        };
      }
      const outputs = Array.isArray(body.outputs) ? body.outputs.filter(isRecord) : [];
      const finishes = outputs.map((o) => mapFinishReason(o.stop_reason as string | undefined));
      return {
        finishReasons: finishes,
        output: () =>
          outputs.map((o, i) => ({
            role: 'assistant',
            parts: typeof o.text === 'string' ? [text(o.text)] : [],
            finish_reason: finishes[i]!,
          })),
        texts: outputs.flatMap((o, i) =>
          typeof o.text === 'string' ? [{ path: ['outputs', i, 'text'], text: o.text }] : [],
        ),
      };
    }
    case 'cohere': {
      const billed =
        isRecord(body.meta) && isRecord(body.meta.billed_units) ? body.meta.billed_units : undefined;
      const usage = billed
        ? { inputTokens: int(billed.input_tokens), outputTokens: int(billed.output_tokens) }
        : undefined;
      if (Array.isArray(body.generations)) {
        const gens = body.generations.filter(isRecord);
        const finishes = gens.map((g) => mapFinishReason(g.finish_reason as string | undefined));
        return {
          id: typeof body.id === 'string' ? body.id : undefined,
          usage,
          finishReasons: finishes,
          output: () =>
            gens.map((g, i) => ({
              role: 'assistant',
              parts: typeof g.text === 'string' ? [text(g.text)] : [],
              finish_reason: finishes[i]!,
            })),
          texts: gens.flatMap((g, i) =>
            typeof g.text === 'string' ? [{ path: ['generations', i, 'text'], text: g.text }] : [],
          ),
        };
      }
      const finish = typeof body.finish_reason === 'string' ? mapFinishReason(body.finish_reason) : undefined;
      return {
        id: typeof body.response_id === 'string' ? body.response_id : undefined,
        usage,
        finishReasons: finish ? [finish] : [],
        ...single(body.text, ['text'], finish),
      };
    }
    case 'titan-embed':
      return {
        usage: { inputTokens: int(body.inputTextTokenCount) },
        finishReasons: [],
        output: () => [],
        texts: [],
        attributes: { [ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: embeddingDims(body.embedding) },
      };
    case 'cohere-embed':
      return {
        id: typeof body.id === 'string' ? body.id : undefined,
        finishReasons: [],
        output: () => [],
        texts: [],
        attributes: { [ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: embeddingDims(body.embeddings) },
      };
  }
}

/** Bedrock appends billed counts to the last chunk of every native stream. */
export function invocationMetrics(chunk: Json): Usage | undefined {
  const m = chunk['amazon-bedrock-invocationMetrics'];
  if (!isRecord(m)) return undefined;
  return { inputTokens: int(m.inputTokenCount), outputTokens: int(m.outputTokenCount) };
}

/** What one decoded native stream chunk of `family` adds. */
export function nativeChunkDelta(family: ModelFamily, chunk: Json): StreamDelta {
  const fallbackUsage = invocationMetrics(chunk);
  const first = (v: unknown): Json => (Array.isArray(v) && isRecord(v[0]) ? v[0] : {});
  switch (family) {
    case 'anthropic': {
      const type = chunk.type;
      if (type === 'message_start' && isRecord(chunk.message)) {
        return {
          id: chunk.message.id as string | undefined,
          usage: anthropicUsage(chunk.message.usage),
          fallbackUsage,
        };
      }
      if (
        type === 'content_block_start' &&
        isRecord(chunk.content_block) &&
        chunk.content_block.type === 'tool_use'
      ) {
        return {
          toolStart: {
            id: (chunk.content_block.id as string) ?? null,
            name: chunk.content_block.name as string,
          },
          fallbackUsage,
        };
      }
      if (type === 'content_block_delta' && isRecord(chunk.delta)) {
        const d = chunk.delta;
        if (d.type === 'text_delta') return { text: d.text as string, fallbackUsage };
        if (d.type === 'thinking_delta') return { reasoning: d.thinking as string, fallbackUsage };
        if (d.type === 'input_json_delta') return { toolInput: String(d.partial_json ?? ''), fallbackUsage };
      }
      if (type === 'message_delta') {
        const u = isRecord(chunk.usage) ? { outputTokens: int(chunk.usage.output_tokens) } : undefined;
        return {
          finish: isRecord(chunk.delta) ? (chunk.delta.stop_reason as string) : undefined,
          usage: u,
          fallbackUsage,
        };
      }
      return { fallbackUsage };
    }
    case 'nova':
      return { ...converseEventDelta(chunk), fallbackUsage };
    case 'titan-text':
      return {
        text: typeof chunk.outputText === 'string' ? chunk.outputText : undefined,
        finish: titanFinish(chunk.completionReason),
        fallbackUsage,
      };
    case 'llama':
      return {
        text: typeof chunk.generation === 'string' ? chunk.generation : undefined,
        finish: (chunk.stop_reason as string) ?? undefined,
        fallbackUsage,
      };
    case 'mistral': {
      if (Array.isArray(chunk.choices)) {
        const c = first(chunk.choices);
        const m = isRecord(c.message) ? c.message : isRecord(c.delta) ? c.delta : {};
        return {
          text: typeof m.content === 'string' ? m.content : undefined,
          finish: (c.stop_reason ?? c.finish_reason) as string | undefined,
          fallbackUsage,
        };
      }
      const o = first(chunk.outputs);
      return {
        text: typeof o.text === 'string' ? o.text : undefined,
        finish: (o.stop_reason as string) ?? undefined,
        fallbackUsage,
      };
    }
    case 'cohere':
      if (
        chunk.event_type === 'text-generation' ||
        (chunk.event_type === undefined && typeof chunk.text === 'string')
      ) {
        return {
          text: chunk.text as string,
          finish: chunk.is_finished ? (chunk.finish_reason as string) : undefined,
          fallbackUsage,
        };
      }
      return { finish: chunk.is_finished ? (chunk.finish_reason as string) : undefined, fallbackUsage };
    default:
      return { fallbackUsage };
  }
}

/** What one ConverseStream event (also Nova's native chunks) adds. */
export function converseEventDelta(e: Json): StreamDelta {
  const delta =
    isRecord(e.contentBlockDelta) && isRecord(e.contentBlockDelta.delta)
      ? e.contentBlockDelta.delta
      : undefined;
  const start =
    isRecord(e.contentBlockStart) && isRecord(e.contentBlockStart.start)
      ? e.contentBlockStart.start
      : undefined;
  const out: StreamDelta = {};
  if (delta) {
    if (typeof delta.text === 'string') out.text = delta.text;
    if (isRecord(delta.reasoningContent) && typeof delta.reasoningContent.text === 'string')
      out.reasoning = delta.reasoningContent.text;
    if (isRecord(delta.toolUse)) out.toolInput = String(delta.toolUse.input ?? '');
  }
  if (start && isRecord(start.toolUse))
    out.toolStart = { id: (start.toolUse.toolUseId as string) ?? null, name: start.toolUse.name as string };
  if (isRecord(e.messageStop) && typeof e.messageStop.stopReason === 'string')
    out.finish = e.messageStop.stopReason;
  if (isRecord(e.metadata) && isRecord(e.metadata.usage)) out.usage = novaUsage(e.metadata.usage);
  return out;
}
