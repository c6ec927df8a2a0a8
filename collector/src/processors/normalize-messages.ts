/**
 * Message conversion shared by every source shape: foreign chat messages (OpenAI-style, Anthropic blocks,
 * Vercel AI SDK parts, flattened indexed keys) into the conventions' message JSON
 * (GUIDE.md §4, `gen-ai-{input,output}-messages.json`).
 */
import {
  dataUrlToBlobPart,
  type InputMessage,
  type MessagePart,
  mapFinishReason,
  type OutputMessage,
  parseToolArguments,
  type ToolDefinition,
} from '@genai-ops/core';
import type { Attributes, AttrValue } from '../model.js';

type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a JSON string; returns `undefined` when it is not JSON. Non-strings are returned as is. */
export function parseJsonValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (t === '' || !'[{"'.includes(t[0] as string)) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A text-or-blocks content value to parts. Strings that hold a JSON array of blocks are unpacked. */
export function contentToParts(content: unknown): MessagePart[] {
  if (content == null) return [];
  if (typeof content === 'string') {
    const parsed = content.startsWith('[') ? parseJsonValue(content) : undefined;
    if (Array.isArray(parsed) && parsed.every((b) => isObj(b) && typeof b.type === 'string')) {
      return contentToParts(parsed);
    }
    return content === '' ? [] : [{ type: 'text', content }];
  }
  if (Array.isArray(content)) return content.flatMap((b) => blockToParts(b));
  if (isObj(content)) return blockToParts(content);
  return [{ type: 'text', content: String(content) }];
}

function mediaPart(url: string, modality: string, mime?: unknown): MessagePart {
  if (url.startsWith('data:')) return dataUrlToBlobPart(url, modality);
  return { type: 'uri', modality, uri: url, ...(typeof mime === 'string' ? { mime_type: mime } : {}) };
}

function modalityOf(mime: unknown, fallback: string): string {
  if (typeof mime !== 'string') return fallback;
  const top = mime.split('/')[0];
  return top === 'image' || top === 'audio' || top === 'video' ? top : fallback;
}

/** One foreign content block to canonical parts. Unknown blocks are kept as generic parts. */
function blockToParts(b: unknown): MessagePart[] {
  if (typeof b === 'string') return [{ type: 'text', content: b }];
  if (!isObj(b)) return [];
  const type = typeof b.type === 'string' ? b.type : undefined;
  // Already canonical (conventions part shapes).
  if (type === 'text' && typeof b.content === 'string') return [{ type: 'text', content: b.content }];
  if (type === 'reasoning' && typeof b.content === 'string')
    return [{ type: 'reasoning', content: b.content }];
  if (type === 'tool_call' && typeof b.name === 'string') return [b as unknown as MessagePart];
  if (type === 'tool_call_response' && 'response' in b) return [b as unknown as MessagePart];
  if ((type === 'blob' || type === 'uri' || type === 'file') && typeof b.modality === 'string') {
    return [b as unknown as MessagePart];
  }
  switch (type) {
    case undefined:
      if (typeof b.text === 'string') return [{ type: 'text', content: b.text }];
      return [];
    case 'text':
    case 'input_text':
    case 'output_text':
      return [{ type: 'text', content: str(b.text) ?? '' }];
    case 'reasoning':
    case 'thinking':
      return [{ type: 'reasoning', content: str(b.text) ?? str(b.thinking) ?? '' }];
    case 'image_url': {
      const iu = b.image_url;
      const url = isObj(iu) ? str(iu.url) : str(iu);
      return url ? [mediaPart(url, 'image')] : [];
    }
    case 'image':
    case 'file': {
      // Vercel: {type:'image', image: url|base64, mediaType}; {type:'file', data, mediaType}.
      // Anthropic: {type:'image', source:{type:'base64'|'url', media_type, data|url}}.
      const mime = b.mediaType ?? b.mimeType ?? (isObj(b.source) ? b.source.media_type : undefined);
      const modality = modalityOf(mime, type === 'image' ? 'image' : 'document');
      const data = b.image ?? b.data ?? (isObj(b.source) ? (b.source.data ?? b.source.url) : undefined);
      // Nothing we can turn into a blob or uri: keep the block as a generic part (never drop data).
      if (typeof data !== 'string') return [{ ...b, type } as MessagePart];
      if (/^(https?|data|gs|s3):/.test(data)) return [mediaPart(data, modality, mime)];
      return [
        { type: 'blob', modality, content: data, ...(typeof mime === 'string' ? { mime_type: mime } : {}) },
      ];
    }
    case 'tool-call':
      return [
        {
          type: 'tool_call',
          id: str(b.toolCallId) ?? null,
          name: str(b.toolName) ?? '',
          arguments: parseToolArguments(b.input ?? b.args),
        },
      ];
    case 'tool_use':
      return [{ type: 'tool_call', id: str(b.id) ?? null, name: str(b.name) ?? '', arguments: b.input }];
    case 'tool-result': {
      const out = b.output ?? b.result;
      // AI SDK v5+ wraps results as {type:'text'|'json', value}.
      const response = isObj(out) && 'value' in out && typeof out.type === 'string' ? out.value : out;
      return [{ type: 'tool_call_response', id: str(b.toolCallId) ?? null, response }];
    }
    case 'tool_result':
      return [{ type: 'tool_call_response', id: str(b.tool_use_id) ?? null, response: b.content }];
    default:
      return [{ ...b, type } as MessagePart];
  }
}

/** OpenAI-style `tool_calls` array to tool_call parts. */
export function toolCallsToParts(calls: unknown): MessagePart[] {
  if (!Array.isArray(calls)) return [];
  return calls.filter(isObj).map((c) => {
    const fn = isObj(c.function) ? c.function : c;
    return {
      type: 'tool_call',
      id: str(c.id) ?? str(c.toolCallId) ?? null,
      name: str(fn.name) ?? str(c.toolName) ?? '',
      arguments: parseToolArguments(fn.arguments ?? c.args ?? c.input),
    };
  });
}

/**
 * A foreign chat message (OpenAI `{role, content, tool_calls, tool_call_id}`, Vercel `{role, content}`,
 * or already canonical `{role, parts}`) to a canonical input message.
 */
export function toInputMessage(m: unknown): InputMessage | undefined {
  if (!isObj(m)) return undefined;
  const role = str(m.role) ?? 'user';
  const name = str(m.name);
  if (Array.isArray(m.parts)) {
    return { role, parts: m.parts.flatMap((p) => blockToParts(p)), ...(name ? { name } : {}) };
  }
  let parts: MessagePart[];
  if (role === 'tool' && m.tool_call_id !== undefined && !Array.isArray(m.content)) {
    parts = [{ type: 'tool_call_response', id: str(m.tool_call_id) ?? null, response: m.content ?? null }];
  } else {
    parts = [...contentToParts(m.content), ...toolCallsToParts(m.tool_calls)];
    if (isObj(m.function_call)) parts.push(...toolCallsToParts([{ function: m.function_call }]));
  }
  return { role, parts, ...(name ? { name } : {}) };
}

/** A foreign choice/message to a canonical output message (finish reason mapped, default `stop`). */
export function toOutputMessage(m: unknown, finishReason?: unknown): OutputMessage | undefined {
  const base = toInputMessage(m);
  if (!base) return undefined;
  const fr = str(finishReason) ?? (isObj(m) ? str(m.finish_reason) : undefined);
  return {
    ...base,
    role: base.role === 'user' ? 'assistant' : base.role,
    finish_reason: mapFinishReason(fr),
  };
}

/**
 * Rebuilds nested objects from flattened indexed keys: `{prefix}.0.role`, `{prefix}.0.tool_calls.1.name`
 * become `[{role, tool_calls:[, {name}]}]`. Numeric segments become array indexes.
 * Returns undefined when no key has the prefix followed by a numeric segment.
 */
export function unflatten(
  attrs: Attributes,
  prefix: string,
  keys: readonly string[] = Object.keys(attrs),
): unknown[] | undefined {
  const root: unknown[] = [];
  let found = false;
  const p = `${prefix}.`;
  for (const key of keys) {
    if (!key.startsWith(p)) continue;
    const value = attrs[key] as AttrValue;
    const segs = key.slice(p.length).split('.');
    if (!/^\d+$/.test(segs[0] as string)) continue;
    // A `__proto__` segment would walk into Object.prototype and pollute it (the keys are remote input);
    // such a key stays on the span as it was sent.
    if (segs.includes('__proto__')) continue;
    found = true;
    let node: unknown = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i] as string;
      const last = i === segs.length - 1;
      const next = segs[i + 1];
      const container = node as Record<string, unknown> | unknown[];
      const k: string | number = Array.isArray(container) && /^\d+$/.test(seg) ? Number(seg) : seg;
      if (last) {
        (container as Record<string | number, unknown>)[k] = value;
      } else {
        let child = (container as Record<string | number, unknown>)[k];
        if (typeof child !== 'object' || child === null) {
          child = next !== undefined && /^\d+$/.test(next) ? [] : {};
          (container as Record<string | number, unknown>)[k] = child;
        }
        node = child;
      }
    }
  }
  if (!found) return undefined;
  return compact(root) as unknown[];
}

/** Above this length an array is walked by its present indexes, not by its length. */
const SPARSE_LENGTH = 1024;

/** Drops holes left by sparse indexes, recursively. Mutates: the structure is our own fresh copy. */
function compact(v: unknown): unknown {
  if (Array.isArray(v) && v.length > SPARSE_LENGTH) {
    // One key like `gen_ai.prompt.4000000000.content` makes a huge sparse array: visit only what is
    // there (integer keys come first, ascending), never every index up to its length.
    const out: unknown[] = [];
    for (const k of Object.keys(v)) {
      const i = Number(k);
      if (Number.isInteger(i) && i < v.length && v[i] !== undefined) out.push(compact(v[i]));
    }
    return out;
  }
  if (Array.isArray(v)) {
    let holes = false;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) holes = true;
      else v[i] = compact(v[i]);
    }
    return holes ? v.filter((x) => x !== undefined) : v;
  }
  if (isObj(v)) for (const k in v) v[k] = compact(v[k]);
  return v;
}

/** True when some attribute key satisfies `pred` (no array allocation, for detection on every span). */
export function someKey(attrs: Attributes, pred: (key: string) => boolean): boolean {
  for (const k in attrs) if (pred(k)) return true;
  return false;
}

/** OpenAI-style tool / function definitions to canonical tool definitions. */
export function toToolDefinition(t: unknown): ToolDefinition | undefined {
  const raw = parseJsonValue(t) ?? t;
  if (!isObj(raw)) return undefined;
  const d: Obj = raw.type === 'function' && isObj(raw.function) ? raw.function : raw;
  const name = str(d.name);
  if (!name) return undefined;
  const params = parseJsonValue(d.parameters ?? d.inputSchema ?? d.input_schema);
  return {
    type: 'function',
    name,
    ...(str(d.description) !== undefined ? { description: str(d.description) } : {}),
    ...(params !== undefined ? { parameters: params } : {}),
  };
}

/** Serializes canonical JSON. One form everywhere: `JSON.stringify` without spacing. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v);
}

/** Coerces a message-attribute value (JSON string or structured AnyValue) to its parsed form. */
export function parseMessageAttr(v: AttrValue | undefined): unknown {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return parseJsonValue(v);
  return v;
}
