/**
 * Pure functions from Bedrock Converse requests and responses to the GenAI conventions' attributes and
 * message JSON (../shared/semconv/GUIDE.md §2.1, §4, §9). Nothing here mutates its input.
 */
import {
  ATTR_AWS_BEDROCK_GUARDRAIL_ID,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  type CallContent,
  type GuardTextSegment,
  type InputMessage,
  type MessagePart,
  mapFinishReason,
  type OutputMessage,
  type SystemInstructions,
  type TextSlots,
  type ToolDefinition,
  type Usage,
} from '@genai-ops/core';
import type { AttributeValue } from '@opentelemetry/api';
import type {
  ConverseContentBlock,
  ConverseInput,
  ConverseMessage,
  ConverseTokenUsage,
  Json,
} from './internal-types.js';

export type AttributeMap = Record<string, AttributeValue | undefined>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** `top_k` is an int in the conventions; providers sometimes send a float. */
export function topK(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.round(n);
}

export function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = v.filter((s): s is string => typeof s === 'string');
  return out.length > 0 ? out : undefined;
}

/**
 * The model id with what does not name the model stripped, for family detection only: an ARN's
 * resource path (`arn:aws:bedrock:...:inference-profile/us.anthropic...`) and the cross-region
 * inference prefix (`us.`, `eu.`, `apac.`, `global.`, ...). The span reports the id as sent.
 */
export function baseModelId(modelId: string): string {
  const afterSlash = modelId.slice(modelId.lastIndexOf('/') + 1);
  return afterSlash.replace(/^(?:us|eu|apac|us-gov|global|jp|au|ca)\./, '');
}

/**
 * Bedrock Converse reports `inputTokens` without the cache reads and writes (AWS prompt-caching docs:
 * totalTokens = inputTokens + outputTokens + cacheRead + cacheWrite), so, like Anthropic, the
 * conventions' input_tokens is their sum.
 */
export function converseUsage(u: ConverseTokenUsage | undefined): Usage | undefined {
  if (!isRecord(u)) return undefined;
  const input = int(u.inputTokens);
  const read = int(u.cacheReadInputTokens);
  const write = int(u.cacheWriteInputTokens);
  return {
    inputTokens: input === undefined ? undefined : input + (read ?? 0) + (write ?? 0),
    outputTokens: int(u.outputTokens),
    cacheReadInputTokens: read,
    cacheCreationInputTokens: write,
  };
}

/**
 * Request attributes of Converse / ConverseStream (set at span start). Only the keys the request sets:
 * the map is walked once more by core when the span starts, so absent keys would only cost lookups.
 */
export function converseRequestAttributes(input: ConverseInput, stream: boolean): AttributeMap {
  const attributes: AttributeMap = {};
  const c = input.inferenceConfig;
  if (c) {
    const maxTokens = int(c.maxTokens);
    if (maxTokens !== undefined) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
    const temperature = num(c.temperature);
    if (temperature !== undefined) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
    const topP = num(c.topP);
    if (topP !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = topP;
    const stop = strings(c.stopSequences);
    if (stop !== undefined) attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop;
  }
  // top_k is model-specific, so Converse takes it in additionalModelRequestFields (`top_k`, Nova `topK`,
  // or Nova's `inferenceConfig.topK`).
  const extra = input.additionalModelRequestFields;
  if (isRecord(extra)) {
    const novaConfig = isRecord(extra.inferenceConfig) ? extra.inferenceConfig : undefined;
    const k = topK(extra.top_k ?? extra.topK ?? novaConfig?.topK);
    if (k !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_K] = k;
  }
  const guardrail = input.guardrailConfig?.guardrailIdentifier;
  if (typeof guardrail === 'string') attributes[ATTR_AWS_BEDROCK_GUARDRAIL_ID] = guardrail;
  if (stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  return attributes;
}

const MEDIA: Record<string, string> = { image: 'image', document: 'document', video: 'video' };

function base64Of(bytes: Uint8Array | string | undefined): string {
  if (bytes === undefined) return '';
  if (typeof bytes === 'string') return bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * MIME types of the Converse document and video formats that are not `text/<format>` or `video/<format>`
 * (DocumentFormat, VideoFormat in the Bedrock Runtime API reference).
 */
const MIME_TYPES: Record<string, Record<string, string>> = {
  document: {
    pdf: 'application/pdf',
    doc: 'application/msword',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xls: 'application/vnd.ms-excel',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    txt: 'text/plain',
    md: 'text/markdown',
  },
  video: {
    mkv: 'video/x-matroska',
    mov: 'video/quicktime',
    flv: 'video/x-flv',
    mpg: 'video/mpeg',
    wmv: 'video/x-ms-wmv',
    three_gp: 'video/3gpp',
  },
};

function mimeOf(kind: string, format: string | undefined): string | null {
  if (!format) return null;
  const known = MIME_TYPES[kind];
  if (known && Object.hasOwn(known, format)) return known[format]!;
  return kind === 'document' ? `text/${format}` : `${kind}/${format}`;
}

/** One Converse content block as a conventions part; undefined for blocks with nothing to record. */
export function converseBlockPart(block: ConverseContentBlock): MessagePart | undefined {
  if (typeof block.text === 'string') return { type: 'text', content: block.text };
  if (block.toolUse) {
    return {
      type: 'tool_call',
      id: block.toolUse.toolUseId ?? null,
      name: block.toolUse.name ?? '',
      arguments: block.toolUse.input ?? {},
    };
  }
  if (block.toolResult) {
    const content = block.toolResult.content ?? [];
    const response =
      content.length === 1 && typeof content[0]?.text === 'string'
        ? content[0].text
        : content.map((c) => c.json ?? c.text);
    return { type: 'tool_call_response', id: block.toolResult.toolUseId ?? null, response };
  }
  if (block.reasoningContent?.reasoningText?.text !== undefined) {
    return { type: 'reasoning', content: block.reasoningContent.reasoningText.text };
  }
  if (typeof block.guardContent?.text?.text === 'string')
    return { type: 'text', content: block.guardContent.text.text };
  for (const kind of Object.keys(MEDIA)) {
    const media = block[kind as 'image' | 'document' | 'video'];
    if (!media) continue;
    const mime = mimeOf(kind, media.format);
    if (media.source?.s3Location?.uri)
      return { type: 'uri', modality: MEDIA[kind]!, mime_type: mime, uri: media.source.s3Location.uri };
    return { type: 'blob', modality: MEDIA[kind]!, mime_type: mime, content: base64Of(media.source?.bytes) };
  }
  return undefined;
}

function blockParts(blocks: ConverseContentBlock[] | undefined): MessagePart[] {
  const out: MessagePart[] = [];
  for (const b of blocks ?? []) {
    const part = isRecord(b) ? converseBlockPart(b) : undefined;
    if (part) out.push(part);
  }
  return out;
}

/** A user turn made only of tool results is the conventions' `tool` role. */
function roleOf(m: ConverseMessage): string {
  const blocks = m.content ?? [];
  if (
    m.role === 'user' &&
    blocks.length > 0 &&
    blocks.every((b) => isRecord(b) && (b.toolResult || b.cachePoint))
  )
    return 'tool';
  return m.role ?? 'user';
}

export function converseInputMessages(messages: ConverseMessage[] | undefined): InputMessage[] {
  return (messages ?? []).map((m) => ({ role: roleOf(m), parts: blockParts(m.content) }));
}

export function converseSystem(system: ConverseInput['system']): SystemInstructions | undefined {
  const out: SystemInstructions = [];
  for (const s of system ?? []) if (typeof s?.text === 'string') out.push({ type: 'text', content: s.text });
  return out.length > 0 ? out : undefined;
}

/** Tool definitions, required fields only (GUIDE.md §4). */
export function converseTools(input: ConverseInput): ToolDefinition[] | undefined {
  const out: ToolDefinition[] = [];
  for (const t of input.toolConfig?.tools ?? []) {
    if (typeof t?.toolSpec?.name === 'string') out.push({ type: 'function', name: t.toolSpec.name });
  }
  return out.length > 0 ? out : undefined;
}

export function converseContent(input: ConverseInput): CallContent {
  return {
    systemInstructions: converseSystem(input.system),
    inputMessages: converseInputMessages(input.messages),
    toolDefinitions: converseTools(input),
  };
}

export function converseOutputMessage(
  message: ConverseMessage | undefined,
  stopReason: string | undefined,
): OutputMessage {
  return {
    role: 'assistant',
    parts: blockParts(message?.content),
    finish_reason: mapFinishReason(stopReason),
  };
}

function sourceOf(role: string): GuardTextSegment['source'] {
  if (role === 'assistant') return 'model';
  if (role === 'tool') return 'tool';
  return 'user';
}

/**
 * Text slots of a Converse request for the input guard: system texts, then message texts in order.
 * `apply` returns a new input; the caller's is untouched.
 */
export function converseTextSlots(input: ConverseInput): TextSlots<ConverseInput> {
  const segments: GuardTextSegment[] = [];
  for (const s of input.system ?? [])
    if (typeof s?.text === 'string') segments.push({ text: s.text, role: 'system', source: 'system' });
  for (const m of input.messages ?? []) {
    const role = roleOf(m);
    for (const b of m.content ?? [])
      if (typeof b?.text === 'string') segments.push({ text: b.text, role, source: sourceOf(role) });
  }
  return {
    segments,
    apply(texts: string[]): ConverseInput {
      let i = 0;
      const next = () => texts[i++];
      const out: ConverseInput = { ...input };
      if (input.system)
        out.system = input.system.map((s) =>
          typeof s?.text === 'string' ? { ...s, text: next() ?? s.text } : s,
        );
      if (input.messages) {
        out.messages = input.messages.map((m) => ({
          ...m,
          content: m.content?.map((b) =>
            typeof b?.text === 'string' ? { ...b, text: next() ?? b.text } : b,
          ),
        }));
      }
      return out;
    },
  };
}
