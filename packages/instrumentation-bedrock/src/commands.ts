/**
 * Per-command plans: what a command's input says (operation, attributes, content, guard slots) and how
 * its output is observed. `send.ts` runs them; everything here is synchronous and never throws for
 * odd input (unparseable bodies simply record less).
 */
import {
  type AbortSignalLike,
  ATTR_AWS_BEDROCK_GUARDRAIL_ID,
  ATTR_GEN_AI_REQUEST_STREAM,
  type CallContent,
  GEN_AI_OPERATION_NAME_VALUES,
  type GenAICall,
  type GuardTextSegment,
  isGuardError,
  mapFinishReason as mapStop,
  type OutputGuard,
  type StreamReducer,
} from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import {
  type AttributeMap,
  converseContent,
  converseOutputMessage,
  converseRequestAttributes,
  converseTextSlots,
  converseUsage,
  isRecord,
} from './attributes.js';
import type {
  ConverseInput,
  ConverseOutput,
  InvokeModelInput,
  InvokeModelOutput,
  Json,
} from './internal-types.js';
import {
  converseEventDelta,
  invocationMetrics,
  type ModelFamily,
  modelFamily,
  nativeChunkDelta,
  parseNativeRequest,
  parseNativeResponse,
} from './native-models.js';
import { StreamAccumulator, type StreamDelta } from './stream-accumulator.js';

/** How a streaming output is observed: where the stream is, and how its events read. */
export interface StreamPlan {
  property: 'stream' | 'body';
  /** `signal`: the caller's `abortSignal` (an abort ends the SDK's event stream quietly). */
  reducer: (captureContent: boolean, signal?: AbortSignalLike) => StreamReducer<unknown>;
  deltas: (event: unknown) => string[];
}

export interface CommandPlan {
  operation: string;
  requestModel?: string;
  attributes: AttributeMap;
  content: (input: unknown) => CallContent;
  /**
   * The request's texts for the input guard, and `apply`, which builds a new input with the guard's
   * replacement texts (the caller's input is untouched). Built on demand: only a guard reads them.
   */
  slots: () => { segments: GuardTextSegment[]; apply: (texts: string[]) => unknown };
  /** Non-streaming: records the output; applies and throws the output guard's verdict. */
  finish?: (call: GenAICall, output: unknown, guard: OutputGuard | undefined) => void;
  stream?: StreamPlan;
}

function guardFinish(guard: OutputGuard | undefined, texts: string[]): string[] | undefined {
  if (!guard) return undefined;
  try {
    return guard.finish(texts);
  } catch (err) {
    if (isGuardError(err)) throw err;
    diag.warn('genai-ops bedrock: output guard failed', err);
    return undefined;
  }
}

function planConverse(input: ConverseInput, stream: boolean): CommandPlan {
  return {
    operation: GEN_AI_OPERATION_NAME_VALUES.CHAT,
    requestModel: input.modelId,
    attributes: converseRequestAttributes(input, stream),
    content: (sent) => converseContent(sent as ConverseInput),
    slots: () => converseTextSlots(input),
    finish: stream
      ? undefined
      : (call, raw, guard) => {
          const output = raw as ConverseOutput;
          // The text blocks are collected only for an output guard (the common path reads no content).
          if (guard) {
            const blocks = output.output?.message?.content ?? [];
            const textBlocks = blocks.filter((b) => typeof b?.text === 'string');
            const replaced = guardFinish(
              guard,
              textBlocks.map((b) => b.text as string),
            );
            if (replaced)
              textBlocks.forEach((b, i) => {
                b.text = replaced[i] ?? b.text;
              });
          }
          call.setResponse({ finishReasons: output.stopReason ? [mapStop(output.stopReason)] : undefined });
          const usage = converseUsage(output.usage);
          if (usage) call.setUsage(usage);
          call.recordOutput(() => [converseOutputMessage(output.output?.message, output.stopReason)]);
        },
    stream: stream
      ? {
          property: 'stream',
          // Without content capture only the stop reason (messageStop) and usage (metadata) are folded:
          // the content events (most of a stream) are not read at all.
          reducer: (capture, signal) =>
            new StreamAccumulator<unknown>(
              capture
                ? (e) => (isRecord(e) ? converseEventDelta(e) : undefined)
                : (e) => (isRecord(e) && (e.messageStop || e.metadata) ? converseEventDelta(e) : undefined),
              capture,
              signal,
            ),
          deltas: (e) => {
            const d = isRecord(e) ? converseEventDelta(e) : undefined;
            return d?.text ? [d.text] : [];
          },
        }
      : undefined,
  };
}

const decoder = new TextDecoder();

/** The JSON of a request body we may read: a string or bytes. A Blob or stream is never touched. */
function readBody(body: unknown): Json | undefined {
  try {
    if (typeof body === 'string') return asJson(JSON.parse(body));
    if (ArrayBuffer.isView(body)) return asJson(JSON.parse(decoder.decode(body as Uint8Array)));
  } catch {
    return undefined;
  }
  return undefined;
}

function asJson(v: unknown): Json | undefined {
  return isRecord(v) ? v : undefined;
}

function setAt(root: Json, path: Array<string | number>, value: string): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) node = (node as Record<string | number, unknown>)[path[i]!];
  (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}

/** Re-encodes a JSON body in the caller's own representation (string stays string, bytes stay bytes). */
function encodeLike(original: unknown, json: Json): unknown {
  const text = JSON.stringify(json);
  return typeof original === 'string' ? text : new TextEncoder().encode(text);
}

function decodeChunk(event: unknown): Json | undefined {
  const bytes = isRecord(event) && isRecord(event.chunk) ? event.chunk.bytes : undefined;
  if (!ArrayBuffer.isView(bytes)) return undefined;
  try {
    return asJson(JSON.parse(decoder.decode(bytes as Uint8Array)));
  } catch {
    return undefined;
  }
}

/**
 * How the Anthropic chunks that carry no id, usage or stop reason start (the Messages API's own
 * serialization): content block start, delta and stop (text, thinking, tool use and its input JSON),
 * and ping.
 */
const ANTHROPIC_CONTENT_BLOCK = new TextEncoder().encode('{"type":"content_block_');
const ANTHROPIC_PING = new TextEncoder().encode('{"type":"ping"');
const INVOCATION_METRICS = Buffer.from('amazon-bedrock-invocationMetrics');

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Whether a native stream event is an Anthropic content-block event or a ping and nothing else: such a
 * chunk carries no id, usage or stop reason, so without captured content there is nothing to read in it
 * and its bytes need not be decoded and parsed (most of a stream: one delta per piece of text). Checked
 * on the bytes: the prefix, and no Bedrock invocation metrics appended. Anything else (message start,
 * delta and stop, another layout, other spacing) is parsed.
 */
function isAnthropicContentOnly(event: unknown): boolean {
  const bytes = isRecord(event) && isRecord(event.chunk) ? event.chunk.bytes : undefined;
  if (!(bytes instanceof Uint8Array)) return false;
  if (!startsWith(bytes, ANTHROPIC_CONTENT_BLOCK) && !startsWith(bytes, ANTHROPIC_PING)) return false;
  // Buffer's indexOf on the SDK's own Uint8Array: no Buffer view allocated per event.
  return Buffer.prototype.indexOf.call(bytes as Buffer, INVOCATION_METRICS) === -1;
}

/** Whether a native stream event's bytes carry Bedrock's invocation metrics (checked without parsing). */
function hasInvocationMetrics(event: unknown): boolean {
  const bytes = isRecord(event) && isRecord(event.chunk) ? event.chunk.bytes : undefined;
  if (!(bytes instanceof Uint8Array)) return false;
  return Buffer.prototype.indexOf.call(bytes as Buffer, INVOCATION_METRICS) !== -1;
}

/** The request attributes of an InvokeModel call: the family's, plus guardrail id and stream flag when set. */
function invokeAttributes(
  fromBody: AttributeMap | undefined,
  guardrail: string | undefined,
  stream: boolean,
): AttributeMap {
  if (guardrail === undefined && !stream && fromBody) return fromBody;
  const attributes: AttributeMap = { ...fromBody };
  if (guardrail !== undefined) attributes[ATTR_AWS_BEDROCK_GUARDRAIL_ID] = guardrail;
  if (stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  return attributes;
}

function planInvoke(input: InvokeModelInput, stream: boolean): CommandPlan {
  const family: ModelFamily | undefined = modelFamily(input.modelId);
  const body = family ? readBody(input.body) : undefined;
  const native = family && body ? parseNativeRequest(family, body) : undefined;
  const guardrail = typeof input.guardrailIdentifier === 'string' ? input.guardrailIdentifier : undefined;
  const toDelta = (event: unknown): StreamDelta | undefined => {
    const chunk = decodeChunk(event);
    return chunk && family ? nativeChunkDelta(family, chunk) : undefined;
  };
  // A model id that names no family (a provisioned-throughput or application-inference-profile ARN): only
  // Bedrock's own invocation metrics, the same for every model, are read, from the chunk that has them.
  const metricsOnly = (event: unknown): StreamDelta | undefined => {
    if (!hasInvocationMetrics(event)) return undefined;
    const chunk = decodeChunk(event);
    return chunk ? { fallbackUsage: invocationMetrics(chunk) } : undefined;
  };
  return {
    // An unknown family is still a model call; `chat` is the conventions' default for it.
    operation: native?.operation ?? GEN_AI_OPERATION_NAME_VALUES.CHAT,
    requestModel: input.modelId,
    attributes: invokeAttributes(native?.attributes, guardrail, stream),
    content: (sent) => {
      const sentBody = family ? readBody((sent as InvokeModelInput).body) : undefined;
      return family && sentBody ? parseNativeRequest(family, sentBody).content() : {};
    },
    slots: () => {
      const slots = native?.slots() ?? [];
      return {
        segments: slots.map(({ text, role, source }) => ({ text, role, source })),
        apply: (texts: string[]) => {
          if (!body) return input;
          const copy = structuredClone(body);
          for (const [i, s] of slots.entries()) setAt(copy, s.path, texts[i] ?? s.text);
          return { ...input, body: encodeLike(input.body, copy) };
        },
      };
    },
    finish: stream
      ? undefined
      : (call, raw, guard) => {
          const output = raw as InvokeModelOutput;
          const json = family ? readBody(output.body) : undefined;
          if (!family || !json) return;
          const parsed = parseNativeResponse(family, json);
          const replaced = guardFinish(
            guard,
            parsed.texts.map((t) => t.text),
          );
          if (replaced && output.body) {
            const copy = structuredClone(json);
            for (const [i, t] of parsed.texts.entries()) setAt(copy, t.path, replaced[i] ?? t.text);
            // A new body with the SDK's own prototype (Uint8ArrayBlobAdapter), so transformToString() works.
            const next = new TextEncoder().encode(JSON.stringify(copy));
            Object.setPrototypeOf(next, Object.getPrototypeOf(output.body));
            output.body = next as InvokeModelOutput['body'];
          }
          call.setResponse({ id: parsed.id, finishReasons: parsed.finishReasons });
          if (parsed.attributes) call.setAttributes(parsed.attributes);
          if (parsed.usage) call.setUsage(parsed.usage);
          if (native?.operation !== GEN_AI_OPERATION_NAME_VALUES.EMBEDDINGS) call.recordOutput(parsed.output);
        },
    stream: stream
      ? {
          property: 'body',
          // Without content capture only ids, usage and stop reasons are folded (the output guard reads
          // the text through `deltas`, not through the reducer); Anthropic's content-block and ping
          // chunks are not even decoded.
          reducer: (capture, signal) =>
            new StreamAccumulator<unknown>(
              !family
                ? metricsOnly
                : capture || family !== 'anthropic'
                  ? toDelta
                  : (e) => (isAnthropicContentOnly(e) ? undefined : toDelta(e)),
              capture,
              signal,
            ),
          deltas: (e) => {
            const d = toDelta(e);
            return d?.text ? [d.text] : [];
          },
        }
      : undefined,
  };
}

/** The commands we observe, by class name; everything else is passed through untouched. */
export const COMMAND_PLANS: Record<string, (input: unknown) => CommandPlan> = {
  ConverseCommand: (input) => planConverse((input ?? {}) as ConverseInput, false),
  ConverseStreamCommand: (input) => planConverse((input ?? {}) as ConverseInput, true),
  InvokeModelCommand: (input) => planInvoke((input ?? {}) as InvokeModelInput, false),
  InvokeModelWithResponseStreamCommand: (input) => planInvoke((input ?? {}) as InvokeModelInput, true),
};
