/**
 * Pure functions from @google/genai requests and responses to the GenAI conventions' attributes and
 * message JSON (../shared/semconv/GUIDE.md §2.1, §4). Nothing here mutates its input.
 */
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  type CallContent,
  GEN_AI_OUTPUT_TYPE_VALUES,
  GEN_AI_PROVIDER_NAME_VALUES,
  type GuardTextSegment,
  type InputMessage,
  type MessagePart,
  mapFinishReason,
  type OutputMessage,
  type SystemInstructions,
  serverFromUrl,
  type TextSlots,
  type ToolDefinition,
  type Usage,
} from '@genai-ops/core';
import type { AttributeValue } from '@opentelemetry/api';
import type {
  GeminiCandidate,
  GeminiContent,
  GeminiContentInput,
  GeminiEmbedContentParams,
  GeminiEmbedContentResponse,
  GeminiGenerateContentConfig,
  GeminiGenerateContentParams,
  GeminiGenerateContentResponse,
  GeminiModelsLike,
  GeminiPart,
  GeminiUsageMetadata,
} from './internal-types.js';

type AttributeMap = Record<string, AttributeValue | undefined>;

/**
 * Provider and server of a `Models` instance: Vertex AI or the Gemini API, from the SDK's own client.
 * `config` is the call's config: its `httpOptions.baseUrl`, when set, is where the SDK sends this request
 * (it patches the client's HTTP options per request), so it wins over the client's base URL.
 */
export function backendOf(
  models: GeminiModelsLike | undefined,
  config?: unknown,
): {
  provider: string;
  serverAddress?: string;
  serverPort?: number;
} {
  const client = models?.apiClient;
  let provider: string = GEN_AI_PROVIDER_NAME_VALUES.GCP_GEN_AI;
  let baseUrl: string | undefined;
  try {
    if (typeof client?.isVertexAI === 'function') {
      provider = client.isVertexAI()
        ? GEN_AI_PROVIDER_NAME_VALUES.GCP_VERTEX_AI
        : GEN_AI_PROVIDER_NAME_VALUES.GCP_GEMINI;
    }
    const requestBaseUrl =
      isRecord(config) && isRecord(config.httpOptions) ? config.httpOptions.baseUrl : undefined;
    if (typeof requestBaseUrl === 'string' && requestBaseUrl !== '') baseUrl = requestBaseUrl;
    else if (typeof client?.getBaseUrl === 'function') baseUrl = client.getBaseUrl();
  } catch {
    // An SDK whose client changed shape: keep the generic provider.
  }
  const { address, port } = serverOf(baseUrl);
  return { provider, serverAddress: address, serverPort: port };
}

/** Parsed base URLs: a client keeps its base URL, so parsing it on every call is wasted work. */
const servers = new Map<string, { address?: string; port?: number }>();

function serverOf(baseUrl: string | undefined): { address?: string; port?: number } {
  if (baseUrl === undefined) return {};
  let server = servers.get(baseUrl);
  if (server === undefined) {
    server = serverFromUrl(baseUrl);
    // Bounded: an app with ever-changing base URLs keeps parsing, it does not grow this map.
    if (servers.size >= 64) servers.clear();
    servers.set(baseUrl, server);
  }
  return server;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isContent(v: unknown): v is GeminiContent {
  return isRecord(v) && (Array.isArray(v.parts) || typeof v.role === 'string');
}

function toPart(v: string | GeminiPart): GeminiPart {
  return typeof v === 'string' ? { text: v } : v;
}

/**
 * The SDK's `tContents`: a string, a part, a content, or a list of them, as a list of contents. A run of
 * bare parts becomes one user content, as the SDK sends it.
 */
export function normalizeContents(input: GeminiContentInput | undefined): GeminiContent[] {
  if (input === undefined || input === null) return [];
  const list = Array.isArray(input) ? input : [input];
  const out: GeminiContent[] = [];
  let pending: GeminiPart[] | undefined;
  for (const item of list) {
    if (isContent(item)) {
      if (pending) out.push({ role: 'user', parts: pending });
      pending = undefined;
      out.push(item);
    } else if (typeof item === 'string' || isRecord(item)) {
      pending ??= [];
      pending.push(toPart(item as string | GeminiPart));
    }
  }
  if (pending) out.push({ role: 'user', parts: pending });
  return out;
}

function modalityOf(mimeType: string | undefined): string {
  const major = mimeType?.split('/')[0];
  return major === 'image' || major === 'video' || major === 'audio' ? major : 'document';
}

const FILES_API = /^https:\/\/generativelanguage\.googleapis\.com\/[^/]+\/(files\/[^/?#]+)/;

/** One SDK part as a conventions part; undefined for parts with nothing to record. */
export function toMessagePart(part: GeminiPart): MessagePart | undefined {
  if (typeof part.text === 'string') {
    return part.thought ? { type: 'reasoning', content: part.text } : { type: 'text', content: part.text };
  }
  if (part.functionCall) {
    return {
      type: 'tool_call',
      id: part.functionCall.id ?? null,
      name: part.functionCall.name ?? '',
      arguments: part.functionCall.args ?? {},
    };
  }
  if (part.functionResponse) {
    return {
      type: 'tool_call_response',
      id: part.functionResponse.id ?? null,
      response: part.functionResponse.response ?? null,
    };
  }
  if (part.inlineData) {
    const mime = part.inlineData.mimeType;
    return {
      type: 'blob',
      modality: modalityOf(mime),
      mime_type: mime ?? null,
      content: part.inlineData.data ?? '',
    };
  }
  if (part.fileData?.fileUri) {
    const mime = part.fileData.mimeType;
    const file = FILES_API.exec(part.fileData.fileUri);
    // Files uploaded through the Files API are provider file ids; anything else (gs://, https) is a URI.
    if (file) return { type: 'file', modality: modalityOf(mime), mime_type: mime ?? null, file_id: file[1]! };
    return { type: 'uri', modality: modalityOf(mime), mime_type: mime ?? null, uri: part.fileData.fileUri };
  }
  if (part.executableCode) return { type: 'executable_code', ...part.executableCode };
  if (part.codeExecutionResult) return { type: 'code_execution_result', ...part.codeExecutionResult };
  return undefined;
}

function partsOf(content: GeminiContent | undefined): MessagePart[] {
  const out: MessagePart[] = [];
  for (const p of content?.parts ?? []) {
    const part = isRecord(p) ? toMessagePart(p) : undefined;
    if (part) out.push(part);
  }
  return out;
}

/**
 * The conventions' role of a content: `model` is `assistant`; a user turn made only of function
 * responses is `tool` (the Gemini API sends tool results as user turns).
 */
export function roleOf(content: GeminiContent): string {
  if (content.role === 'model') return 'assistant';
  const parts = content.parts ?? [];
  if (parts.length > 0 && parts.every((p) => isRecord(p) && p.functionResponse !== undefined)) return 'tool';
  return content.role ?? 'user';
}

export function toInputMessages(contents: GeminiContent[]): InputMessage[] {
  return contents.map((c) => ({ role: roleOf(c), parts: partsOf(c) }));
}

export function toSystemInstructions(
  config: GeminiGenerateContentConfig | undefined,
): SystemInstructions | undefined {
  if (config?.systemInstruction === undefined) return undefined;
  const out: SystemInstructions = [];
  for (const c of normalizeContents(config.systemInstruction)) {
    for (const p of c.parts ?? [])
      if (typeof p.text === 'string') out.push({ type: 'text', content: p.text });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Tool definitions, required fields only (GUIDE.md §4): function declarations as `function` tools, the
 * built-in tools (googleSearch, codeExecution, ...) as generic `{type, name}`. Callable tools (MCP) are
 * skipped: listing them is asynchronous.
 */
export function toToolDefinitions(
  config: GeminiGenerateContentConfig | undefined,
): ToolDefinition[] | undefined {
  const out: ToolDefinition[] = [];
  for (const tool of config?.tools ?? []) {
    if (!isRecord(tool) || typeof tool.tool === 'function') continue;
    for (const [key, value] of Object.entries(tool)) {
      if (key === 'functionDeclarations' && Array.isArray(value)) {
        for (const d of value)
          if (isRecord(d) && typeof d.name === 'string') out.push({ type: 'function', name: d.name });
      } else if (value !== undefined) {
        out.push({ type: key, name: key });
      }
    }
  }
  return out.length > 0 ? out : undefined;
}

/** Request content for `generateContent`: system instructions, messages in order, tool definitions. */
export function requestContent(params: GeminiGenerateContentParams): CallContent {
  return {
    systemInstructions: toSystemInstructions(params.config),
    inputMessages: toInputMessages(normalizeContents(params.contents)),
    toolDefinitions: toToolDefinitions(params.config),
  };
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** `gen_ai.output.type`: the modality the request asks for, only when it asks. */
export function outputTypeOf(config: GeminiGenerateContentConfig | undefined): string | undefined {
  if (!config) return undefined;
  const mime = config.responseMimeType;
  // A schema with a text mime type asks for text: `text/x.enum` answers with one of the schema's values.
  const textMime = typeof mime === 'string' && mime.startsWith('text/');
  if (
    mime === 'application/json' ||
    (!textMime && (config.responseSchema !== undefined || config.responseJsonSchema !== undefined))
  ) {
    return GEN_AI_OUTPUT_TYPE_VALUES.JSON;
  }
  const modalities = (config.responseModalities ?? []).map((m) => String(m).toUpperCase());
  if (modalities.includes('IMAGE')) return GEN_AI_OUTPUT_TYPE_VALUES.IMAGE;
  if (modalities.includes('AUDIO')) return GEN_AI_OUTPUT_TYPE_VALUES.SPEECH;
  if (textMime) return GEN_AI_OUTPUT_TYPE_VALUES.TEXT;
  return undefined;
}

/**
 * `gen_ai.request.reasoning.level`: the value sent, `thinkingLevel` as is, else `thinkingBudget` as a
 * string (`0` disables thinking, `-1` is dynamic).
 */
export function reasoningLevelOf(config: GeminiGenerateContentConfig | undefined): string | undefined {
  const t = config?.thinkingConfig;
  if (!isRecord(t)) return undefined;
  if (typeof t.thinkingLevel === 'string') return t.thinkingLevel;
  if (typeof t.thinkingBudget === 'number') return String(t.thinkingBudget);
  return undefined;
}

/** Request attributes of `generateContent` / `generateContentStream` (set at span start); only the set ones. */
export function generateRequestAttributes(
  params: GeminiGenerateContentParams,
  stream: boolean,
): AttributeMap {
  const out: AttributeMap = {};
  if (stream) out[ATTR_GEN_AI_REQUEST_STREAM] = true;
  const c = params.config;
  if (!isRecord(c)) return out;
  const set = (key: string, value: AttributeValue | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set(ATTR_GEN_AI_REQUEST_TEMPERATURE, num(c.temperature));
  set(ATTR_GEN_AI_REQUEST_TOP_P, num(c.topP));
  set(ATTR_GEN_AI_REQUEST_TOP_K, num(c.topK) !== undefined ? Math.round(c.topK!) : undefined);
  set(ATTR_GEN_AI_REQUEST_MAX_TOKENS, int(c.maxOutputTokens));
  if (Array.isArray(c.stopSequences)) {
    const stops = c.stopSequences.filter((s) => typeof s === 'string');
    if (stops.length > 0) out[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stops;
  }
  set(ATTR_GEN_AI_REQUEST_SEED, int(c.seed));
  const candidateCount = int(c.candidateCount);
  if (candidateCount !== undefined && candidateCount !== 1)
    out[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = candidateCount;
  set(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, num(c.presencePenalty));
  set(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, num(c.frequencyPenalty));
  set(ATTR_GEN_AI_OUTPUT_TYPE, outputTypeOf(c));
  set(ATTR_GEN_AI_REQUEST_REASONING_LEVEL, reasoningLevelOf(c));
  return out;
}

/**
 * Usage in the conventions' sense: `promptTokenCount` already includes cached tokens; tool-use prompt
 * tokens are input too; output is candidates plus thoughts (reasoning is part of output).
 */
export function usageOf(u: GeminiUsageMetadata | undefined): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const prompt = int(u.promptTokenCount);
  const toolPrompt = int(u.toolUsePromptTokenCount);
  const candidates = int(u.candidatesTokenCount);
  const thoughts = int(u.thoughtsTokenCount);
  const input =
    prompt === undefined && toolPrompt === undefined ? undefined : (prompt ?? 0) + (toolPrompt ?? 0);
  const output =
    candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0);
  return {
    inputTokens: input,
    outputTokens: output,
    cacheReadInputTokens: int(u.cachedContentTokenCount),
    reasoningOutputTokens: thoughts,
  };
}

/**
 * The finish reason of a prompt the API blocked (`promptFeedback.blockReason`: SAFETY, BLOCKLIST,
 * PROHIBITED_CONTENT, ...): `content_filter`, as the candidates' safety reasons map. Undefined when
 * nothing was blocked.
 */
export function blockedFinishReason(
  feedback: GeminiGenerateContentResponse['promptFeedback'],
): string | undefined {
  const reason = isRecord(feedback) ? feedback.blockReason : undefined;
  if (typeof reason !== 'string' || reason === '' || reason === 'BLOCKED_REASON_UNSPECIFIED')
    return undefined;
  return mapFinishReason('content_filter');
}

/**
 * Finish reasons, one per candidate in order, mapped by core's policy. A blocked prompt has no
 * candidates: its block is the one finish reason.
 */
export function finishReasonsOf(r: GeminiGenerateContentResponse): string[] {
  const candidates = r.candidates ?? [];
  if (candidates.length === 0) {
    const blocked = blockedFinishReason(r.promptFeedback);
    return blocked ? [blocked] : [];
  }
  return candidates.map((c) => mapFinishReason(c.finishReason));
}

/**
 * One output message per candidate (GUIDE.md §4); for a blocked prompt (no candidates) one empty message
 * with the block as its finish reason, matching `gen_ai.response.finish_reasons`.
 */
export function toOutputMessages(
  candidates: GeminiCandidate[] | undefined,
  feedback?: GeminiGenerateContentResponse['promptFeedback'],
): OutputMessage[] {
  if (!candidates || candidates.length === 0) {
    const blocked = blockedFinishReason(feedback);
    return blocked ? [{ role: 'assistant', parts: [], finish_reason: blocked }] : [];
  }
  return candidates.map((c) => ({
    role: 'assistant',
    parts: partsOf(c.content),
    finish_reason: mapFinishReason(c.finishReason),
  }));
}

/** Response identity of a (non-streaming) response. */
export function responseInfoOf(r: GeminiGenerateContentResponse): {
  id?: string;
  model?: string;
  finishReasons: string[];
} {
  return { id: r.responseId, model: r.modelVersion, finishReasons: finishReasonsOf(r) };
}

/** The visible (non-thought) text parts of a response, in candidate then part order. */
export function outputTextParts(r: GeminiGenerateContentResponse): GeminiPart[] {
  const out: GeminiPart[] = [];
  for (const c of r.candidates ?? []) {
    for (const p of c.content?.parts ?? []) if (typeof p.text === 'string' && !p.thought) out.push(p);
  }
  return out;
}

function sourceOf(role: string): GuardTextSegment['source'] {
  if (role === 'assistant') return 'model';
  if (role === 'tool') return 'tool';
  return 'user';
}

/**
 * The text slots of a `generateContent` request for the input guard: system instruction texts, then
 * every text part of every content in order. `apply` builds a new params object (contents normalized
 * to the SDK's list-of-contents form) and never touches the caller's.
 */
export function inputTextSlots(params: GeminiGenerateContentParams): TextSlots<GeminiGenerateContentParams> {
  const system = normalizeContents(params.config?.systemInstruction);
  const contents = normalizeContents(params.contents);
  const segments: GuardTextSegment[] = [];
  for (const c of system) {
    for (const p of c.parts ?? [])
      if (typeof p.text === 'string') segments.push({ text: p.text, role: 'system', source: 'system' });
  }
  for (const c of contents) {
    const role = roleOf(c);
    for (const p of c.parts ?? []) {
      if (typeof p.text === 'string' && !p.thought)
        segments.push({ text: p.text, role, source: sourceOf(role) });
    }
  }
  return {
    segments,
    apply(texts: string[]): GeminiGenerateContentParams {
      let i = 0;
      const replace = (list: GeminiContent[]): GeminiContent[] =>
        list.map((c) => ({
          ...c,
          parts: (c.parts ?? []).map((p) =>
            typeof p.text === 'string' && !(list === contents && p.thought)
              ? { ...p, text: texts[i++] ?? p.text }
              : p,
          ),
        }));
      const newSystem = replace(system);
      const newContents = replace(contents);
      const out: GeminiGenerateContentParams = { ...params, contents: newContents };
      if (params.config?.systemInstruction !== undefined) {
        out.config = {
          ...params.config,
          systemInstruction: newSystem.length === 1 ? newSystem[0] : newSystem,
        };
      }
      return out;
    },
  };
}

/** Request attributes of `embedContent`. */
export function embedRequestAttributes(params: GeminiEmbedContentParams): AttributeMap {
  return { [ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: int(params.config?.outputDimensionality) };
}

/**
 * Response attributes of `embedContent`: the dimension count actually returned, and the input tokens
 * when Vertex reports them per embedding (the Gemini API reports none).
 */
export function embedResponse(r: GeminiEmbedContentResponse): { attributes: AttributeMap; usage?: Usage } {
  const first = r.embeddings?.[0];
  let tokens: number | undefined;
  for (const e of r.embeddings ?? []) {
    const t = int(e.statistics?.tokenCount);
    if (t !== undefined) tokens = (tokens ?? 0) + t;
  }
  return {
    attributes: {
      [ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT]: Array.isArray(first?.values)
        ? first.values.length
        : undefined,
    },
    usage: tokens !== undefined ? { inputTokens: tokens } : undefined,
  };
}
