/**
 * Folds the server-sent events of a streamed Messages response (message_start, content_block_*,
 * message_delta, message_stop; https://docs.anthropic.com/en/api/messages-streaming) back into a message,
 * for the span: usage comes from message_start (input and cache counts) and message_delta (output; the
 * output count of message_start is a placeholder).
 */

import type { AbortSignalLike, OutputGuard } from '@genai-ops/core';
import { type GenAICall, parseToolArguments, type StreamOutcome, type StreamReducer } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import { finishReasons, outputMessages, responseTexts, usageFromAnthropic } from './attributes.js';
import type { AnthropicMessage, AnthropicUsage, ContentBlock, StreamEvent } from './internal-types.js';

/** `error.type` of a call the caller aborted: the SDK's own class for it, as the OpenAI instrumentation uses. */
export const ABORT_ERROR_TYPE = 'APIUserAbortError';

/**
 * Runs once per event: with content capture off and no output guard, a content delta (most of a stream)
 * costs one switch and one field read, and no event allocates.
 */
export class MessageStreamReducer implements StreamReducer<StreamEvent> {
  private _message: AnthropicMessage = {};
  private readonly _blocks: ContentBlock[] = [];
  private readonly _json: string[] = [];
  private _usage: AnthropicUsage = {};
  private readonly _outputGuard: OutputGuard | undefined;
  /** Whether the streamed text is needed: for captured content or the output guard's final check. */
  private readonly _keepContent: boolean;

  /** The signal of the stream's request: aborted by the caller, the stream still ends quietly. */
  private readonly _signal: AbortSignalLike | undefined;

  constructor(outputGuard?: OutputGuard, captureContent = true, signal?: AbortSignalLike) {
    this._outputGuard = outputGuard;
    this._keepContent = captureContent || outputGuard !== undefined;
    this._signal = signal;
  }

  fold(event: StreamEvent): void {
    switch (event.type) {
      case 'message_start':
        if (event.message) {
          const { content: _content, usage, ...rest } = event.message;
          this._message = { ...rest };
          if (usage) {
            // Its output count is a placeholder (1): the real one comes with message_delta, so a stream
            // cut short before that has no output count rather than a wrong one.
            const { output_tokens: _output, output_tokens_details: _details, ...input } = usage;
            this._usage = input;
          }
        }
        break;
      case 'content_block_start':
        if (typeof event.index === 'number' && event.content_block) {
          this._blocks[event.index] = { ...event.content_block };
          this._json[event.index] = '';
        }
        break;
      case 'content_block_delta': {
        // Without content capture or a guard the deltas are not recorded anywhere: not joined either.
        if (!this._keepContent) break;
        const block = typeof event.index === 'number' ? this._blocks[event.index] : undefined;
        const delta = event.delta;
        if (!block || !delta) break;
        if (delta.type === 'text_delta') block.text = (block.text ?? '') + (delta.text ?? '');
        else if (delta.type === 'thinking_delta')
          block.thinking = (block.thinking ?? '') + (delta.thinking ?? '');
        else if (delta.type === 'input_json_delta')
          this._json[event.index as number] += delta.partial_json ?? '';
        break;
      }
      case 'message_delta':
        if (event.delta && 'stop_reason' in event.delta)
          this._message.stop_reason = event.delta.stop_reason ?? null;
        // message_delta usage is cumulative; it may repeat the input counts of message_start.
        if (event.usage) {
          const usage = event.usage as Record<string, unknown>;
          for (const k in usage) {
            const v = usage[k];
            if (typeof v === 'number') (this._usage as Record<string, number>)[k] = v;
          }
          const details = event.usage.output_tokens_details;
          if (details) this._usage.output_tokens_details = details;
        }
        break;
      default:
        break;
    }
  }

  /** The message as received so far (tool inputs parsed from their JSON deltas). */
  message(): AnthropicMessage {
    // By block index: a block whose start event was missed leaves a hole, and the JSON deltas are
    // indexed like the blocks.
    const content: ContentBlock[] = [];
    for (let i = 0; i < this._blocks.length; i++) {
      const b = this._blocks[i];
      if (b === undefined) continue;
      const json = this._json[i];
      if ((b.type === 'tool_use' || b.type === 'server_tool_use') && json)
        content.push({ ...b, input: parseToolArguments(json) });
      else content.push(b);
    }
    return { ...this._message, content, usage: this._usage };
  }

  finish(call: GenAICall, outcome: StreamOutcome): void {
    // The SDK's stream swallows the abort of its request (the caller's AbortController or
    // `stream.controller.abort()`) and ends as if complete; an early `break` also aborts it, but does
    // not complete the stream. As in the OpenAI instrumentation, the call then ends as an abort.
    const aborted = outcome.completed && outcome.error === undefined && this._signal?.aborted === true;
    const message = this.message();
    call.setResponse({
      id: message.id,
      model: message.model,
      finishReasons: finishReasons(message.stop_reason),
    });
    const usage = usageFromAnthropic(this._usage);
    if (usage) call.setUsage(usage);
    call.recordOutput(() => {
      const out = outputMessages(message);
      if (outcome.error !== undefined || aborted) for (const m of out) m.finish_reason = 'error';
      return out;
    });
    if (aborted) {
      call.end(undefined, { errorType: ABORT_ERROR_TYPE });
      return;
    }
    if (this._outputGuard && outcome.completed) {
      try {
        this._outputGuard.finish(responseTexts(message));
      } catch (err) {
        // The stream was already delivered; a verdict at its end can only be recorded by the guard.
        diag.debug('genai-ops: anthropic output guard finish failed after stream end', err);
      }
    }
  }
}

/**
 * Runs each text delta through the output guard before the caller sees it; a guard that throws stops
 * the stream with its error (the SDK's iterator is closed by the `for await`).
 */
export async function* guardStream(
  source: AsyncIterator<StreamEvent>,
  guard: OutputGuard,
): AsyncGenerator<StreamEvent, void, undefined> {
  const iterable = { [Symbol.asyncIterator]: () => source };
  for await (const event of iterable) {
    if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta' && event.delta.text) {
      guard.push(event.delta.text);
    }
    yield event;
  }
}
