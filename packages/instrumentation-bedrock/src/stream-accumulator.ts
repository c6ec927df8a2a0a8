import {
  type AbortSignalLike,
  type GenAICall,
  type MessagePart,
  mapFinishReason,
  type OutputMessage,
  parseToolArguments,
  type StreamOutcome,
  type StreamReducer,
  type Usage,
} from '@genai-ops/core';

/** `error.type` of a stream the caller aborted: the name of the SDK's abort error. */
export const ABORT_ERROR_TYPE = 'AbortError';

/** What one stream event adds, whatever its wire shape (Converse event or a model family's chunk). */
export interface StreamDelta {
  id?: string;
  text?: string;
  reasoning?: string;
  toolStart?: { id?: string | null; name?: string };
  toolInput?: string;
  /** The provider's own stop reason (mapped by core when recorded). */
  finish?: string;
  /** Counts seen in this event; later events fill what earlier ones left unset, or overwrite. */
  usage?: Usage;
  /** Counts only used when no event reported usage (Bedrock's invocation metrics). */
  fallbackUsage?: Usage;
}

interface PendingTool {
  part: { type: 'tool_call'; id: string | null; name: string; arguments?: unknown };
  raw: string;
}

/**
 * Folds stream events into one output message: text and reasoning pieces joined, tool calls with their
 * streamed JSON arguments, the stop reason and usage. Shared by ConverseStream and the native streams.
 */
export class StreamAccumulator<TEvent> implements StreamReducer<TEvent> {
  private readonly _parts: MessagePart[] = [];
  private readonly _tools: PendingTool[] = [];
  private _id: string | undefined;
  private _finish: string | undefined;
  private _usage: Usage = {};
  private _fallback: Usage | undefined;
  private _sawUsage = false;

  constructor(
    private readonly _toDelta: (event: TEvent) => StreamDelta | undefined,
    private readonly _captureContent: boolean,
    /** The caller's `abortSignal`, if it passed one to `send`. */
    private readonly _signal?: AbortSignalLike,
  ) {}

  fold(event: TEvent): void {
    const d = this._toDelta(event);
    if (!d) return;
    if (d.id) this._id ??= d.id;
    if (d.finish) this._finish = d.finish;
    if (d.usage) {
      this._sawUsage = true;
      for (const [k, v] of Object.entries(d.usage))
        if (v !== undefined) (this._usage as Record<string, number>)[k] = v;
    }
    if (d.fallbackUsage) this._fallback = d.fallbackUsage;
    if (!this._captureContent) return;
    if (d.text) this._append('text', d.text);
    if (d.reasoning) this._append('reasoning', d.reasoning);
    if (d.toolStart) {
      const part = { type: 'tool_call' as const, id: d.toolStart.id ?? null, name: d.toolStart.name ?? '' };
      this._tools.push({ part, raw: '' });
      this._parts.push(part);
    }
    if (d.toolInput !== undefined) {
      const current = this._tools[this._tools.length - 1];
      if (current) current.raw += d.toolInput;
    }
  }

  finish(call: GenAICall, outcome: StreamOutcome): void {
    // When the caller aborts through its `abortSignal`, the SDK closes the HTTP/2 stream and its event
    // stream then ends quietly, as if complete: an aborted signal at the end is an abort, not a completion.
    const aborted = outcome.completed && outcome.error === undefined && this._signal?.aborted === true;
    if (aborted) outcome = { completed: false };
    call.setResponse({
      id: this._id,
      finishReasons: this._finish ? [mapFinishReason(this._finish)] : undefined,
    });
    const usage = this._sawUsage ? this._usage : this._fallback;
    if (usage) call.setUsage(usage);
    call.recordOutput(() => {
      for (const t of this._tools) t.part.arguments = parseToolArguments(t.raw);
      let finish: string;
      if (this._finish || outcome.completed) finish = mapFinishReason(this._finish);
      else finish = outcome.error !== undefined ? 'error' : 'cancelled';
      const message: OutputMessage = { role: 'assistant', parts: this._parts, finish_reason: finish };
      return [message];
    });
    // The SDK's own error for an abort (@smithy/node-http-handler buildAbortError) is named AbortError.
    if (aborted) call.end(undefined, { errorType: ABORT_ERROR_TYPE });
  }

  private _append(type: 'text' | 'reasoning', piece: string): void {
    const last = this._parts[this._parts.length - 1];
    if (last && last.type === type) {
      this._parts[this._parts.length - 1] = {
        type,
        content: `${(last as { content: string }).content}${piece}`,
      };
    } else {
      this._parts.push({ type, content: piece });
    }
  }
}
