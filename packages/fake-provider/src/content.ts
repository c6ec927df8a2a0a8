/**
 * Deterministic reply generation shared by every wire format: the provider modules turn their request into a
 * {@link Conversation}, ask {@link planReply} what to answer, and render the {@link ReplyPlan} in their own shape.
 */

/** A tool the request declares, reduced to what the fake needs. */
export interface ToolDef {
  name: string;
  /** JSON schema of the arguments (any dialect; Gemini's upper-case types are accepted). */
  schema?: unknown;
}

/** A provider request reduced to what decides the reply. */
export interface Conversation {
  /** Every input text (system, messages, tool results, instructions), used for the input token count. */
  inputTexts: string[];
  /** Text of the last user turn (empty when there is none). */
  lastUserText: string;
  /** True when the last turn is a tool result: the reply is then text, never another tool call. */
  lastIsToolResult: boolean;
  /** Text of that tool result. */
  toolResultText?: string;
  tools: ToolDef[];
  /** Output token limit of the request, when given. */
  maxTokens?: number;
  /** Structured output requested: a JSON schema, or `true` for "any JSON object". */
  jsonSchema?: unknown;
}

/** Per-request shaping, from the `x-fake-*` headers. */
export interface Shaping {
  /** Number of text chunks a stream emits (`x-fake-chunks`, default 5). */
  chunks: number;
  /** `x-fake-cached-tokens`, default 0. */
  cachedTokens: number;
  /** `x-fake-cache-write-tokens`, default 0. */
  cacheWriteTokens: number;
  /** `x-fake-reasoning-tokens`, default 0. */
  reasoningTokens: number;
}

export interface Usage {
  /** ceil(total input chars / 4), excluding the virtual cached prefix. */
  inputTokens: number;
  /** Reply tokens plus reasoning tokens. */
  outputTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
}

export type ReplyPlan =
  | {
      kind: 'text';
      text: string;
      /** The text split into stream pieces; `pieces.join('') === text`. */
      pieces: string[];
      /** `length` when the reply was cut at `maxTokens`. */
      finish: 'stop' | 'length';
      usage: Usage;
    }
  | {
      kind: 'tool';
      toolName: string;
      /** Arguments as a JSON string. */
      args: string;
      /** The arguments split into stream pieces. */
      pieces: string[];
      usage: Usage;
    };

/** How many words of the user text the echo keeps. */
export const ECHO_WORDS = 8;
const FILLER = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit'];

export const DEFAULT_SHAPING: Shaping = {
  chunks: 5,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};

/** ceil(chars / 4): the token estimate used for all input counts. */
export function estimateTokens(texts: readonly string[]): number {
  let chars = 0;
  for (const t of texts) chars += t.length;
  return Math.ceil(chars / 4);
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** Split `items` into `n` contiguous groups of near-equal size (never an empty group). */
function splitEven<T>(items: readonly T[], n: number): T[][] {
  const count = Math.max(1, Math.min(n, items.length));
  const groups: T[][] = [];
  const base = Math.floor(items.length / count);
  const extra = items.length % count;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = base + (i < extra ? 1 : 0);
    groups.push(items.slice(at, at + size));
    at += size;
  }
  return groups;
}

/** Split a string into at most `n` pieces of near-equal length. */
export function splitChars(text: string, n: number): string[] {
  if (text.length === 0) return [''];
  return splitEven([...text], n).map((g) => g.join(''));
}

function findTool(conv: Conversation): ToolDef | undefined {
  if (conv.tools.length === 0 || conv.lastIsToolResult) return undefined;
  const text = conv.lastUserText;
  const named = conv.tools.find((t) => t.name.length > 0 && text.includes(t.name));
  if (named) return named;
  return /\btools?\b/i.test(text) ? conv.tools[0] : undefined;
}

/** Decide the reply to a conversation. Pure and deterministic. */
export function planReply(conv: Conversation, shaping: Shaping): ReplyPlan {
  const base = {
    inputTokens: estimateTokens(conv.inputTexts),
    reasoningTokens: shaping.reasoningTokens,
    cachedTokens: shaping.cachedTokens,
    cacheWriteTokens: shaping.cacheWriteTokens,
  };
  const tool = findTool(conv);
  if (tool) {
    const args = JSON.stringify(sampleFromSchema(tool.schema, conv.lastUserText) ?? {});
    return {
      kind: 'tool',
      toolName: tool.name,
      args,
      pieces: splitChars(args, shaping.chunks),
      usage: {
        ...base,
        outputTokens: Math.ceil((tool.name.length + args.length) / 4) + shaping.reasoningTokens,
      },
    };
  }
  if (conv.jsonSchema !== undefined) {
    const schema = conv.jsonSchema === true ? undefined : conv.jsonSchema;
    const value =
      schema === undefined
        ? { echo: echoWords(conv.lastUserText).join(' ') }
        : sampleFromSchema(schema, conv.lastUserText);
    const text = JSON.stringify(value);
    return {
      kind: 'text',
      text,
      pieces: splitChars(text, shaping.chunks),
      finish: 'stop',
      usage: { ...base, outputTokens: Math.ceil(text.length / 4) + shaping.reasoningTokens },
    };
  }
  let replyWords = conv.lastIsToolResult
    ? ['Result:', ...words(conv.toolResultText ?? '').slice(0, ECHO_WORDS)]
    : ['Echo:', ...echoWords(conv.lastUserText)];
  for (let i = 0; replyWords.length < shaping.chunks; i++) replyWords.push(FILLER[i % FILLER.length]!);
  let finish: 'stop' | 'length' = 'stop';
  if (conv.maxTokens !== undefined && conv.maxTokens >= 1 && replyWords.length > conv.maxTokens) {
    replyWords = replyWords.slice(0, conv.maxTokens);
    finish = 'length';
  }
  const pieces = splitEven(replyWords, shaping.chunks).map((g, i) => (i === 0 ? '' : ' ') + g.join(' '));
  return {
    kind: 'text',
    text: pieces.join(''),
    pieces,
    finish,
    usage: { ...base, outputTokens: replyWords.length + shaping.reasoningTokens },
  };
}

function echoWords(text: string): string[] {
  const w = words(text).slice(0, ECHO_WORDS);
  return w.length > 0 ? w : ['(empty)'];
}

/** A short deterministic "thinking" text for providers that stream reasoning content. */
export function thinkingText(conv: Conversation): string {
  return `Thinking about: ${echoWords(conv.lastUserText).join(' ')}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A deterministic value that validates against `schema`: the first enum/const/anyOf branch, `example`
 * strings, `1` for numbers, `true` for booleans, one-element arrays, every declared property.
 * Follows local `$ref`s (`#/$defs/...`, `#/definitions/...`), as produced by zod-to-json-schema.
 */
export function sampleFromSchema(schema: unknown, hint = '', root: unknown = schema, depth = 0): unknown {
  if (!isRecord(schema) || depth > 12) return null;
  if (typeof schema.$ref === 'string')
    return sampleFromSchema(resolveRef(root, schema.$ref), hint, root, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const pick = branches.find((b) => !(isRecord(b) && b.type === 'null')) ?? branches[0];
      return sampleFromSchema(pick, hint, root, depth + 1);
    }
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (typeof type === 'string') type = type.toLowerCase();
  if (type === undefined && isRecord(schema.properties)) type = 'object';
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      if (schema.format === 'date') return '2024-01-01';
      return 'example';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : 1;
      const n = Math.max(0, Math.min(Math.max(min, 1), max));
      return Array.from({ length: n }, () => sampleFromSchema(schema.items, hint, root, depth + 1));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      if (isRecord(schema.properties)) {
        for (const [k, v] of Object.entries(schema.properties))
          out[k] = sampleFromSchema(v, hint, root, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref
    .slice(1)
    .split('/')
    .filter((p) => p.length > 0)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isRecord(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** FNV-1a 32-bit hash: seeds the deterministic embedding vectors. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A deterministic unit-length vector of `dims` floats derived from `text` (xorshift32 seeded by FNV-1a). */
export function embeddingVector(text: string, dims: number): number[] {
  let x = fnv1a(text) || 1;
  const out = new Array<number>(dims);
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const v = x / 0xffffffff - 0.5;
    out[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  // Round through float32 so the float and base64 encodings carry identical values.
  return out.map((v) => Math.fround(v * scale));
}

/** Little-endian float32 bytes, base64-encoded (OpenAI's `encoding_format: "base64"`). */
export function float32Base64(values: readonly number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    buf.writeFloatLE(v, i * 4);
  });
  return buf.toString('base64');
}

/** Collect text from a content value that is a string or an array of parts with `text`-like fields. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map(textOf)
      .filter((t) => t.length > 0)
      .join(' ');
  if (isRecord(content)) {
    for (const key of ['text', 'content', 'output', 'thinking', 'input_text']) {
      const v = content[key];
      if (typeof v === 'string') return v;
      if (Array.isArray(v)) return textOf(v);
    }
    if (isRecord(content.json)) return JSON.stringify(content.json);
  }
  return '';
}

export { isRecord };
