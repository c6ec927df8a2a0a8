/**
 * Patch factories for `Models.generateContent` and `Models.generateContentStream`. `Chat.sendMessage`
 * and `Chat.sendMessageStream` call these once per message, so a chat turn is one span too.
 */
import {
  type AbortSignalLike,
  type CallGuard,
  endCallWhenCollected,
  GEN_AI_OPERATION_NAME_VALUES,
  GenAICall,
  type GuardCallInfo,
  getCallGuard,
  guardOutputStream,
  isGuardError,
  type MessagePart,
  mapFinishReason,
  type OutputGuard,
  type OutputMessage,
  observeStream,
  type ReasoningPart,
  type StreamOutcome,
  type StreamReducer,
  type TextPart,
} from '@genai-ops/core';
import { context, diag } from '@opentelemetry/api';
import {
  backendOf,
  blockedFinishReason,
  generateRequestAttributes,
  inputTextSlots,
  outputTextParts,
  requestContent,
  responseInfoOf,
  toMessagePart,
  toOutputMessages,
  usageOf,
} from './attributes.js';
import type {
  AsyncFunction,
  GeminiGenerateContentParams,
  GeminiGenerateContentResponse,
  GeminiModelsLike,
  GeminiPart,
  GeminiUsageMetadata,
} from './internal-types.js';
import type { WrapperContext } from './wrapper-context.js';

interface Started {
  call: GenAICall;
  args: unknown[];
  outputGuard?: OutputGuard;
}

/**
 * Starts the call and runs the input guard. Returns undefined when our own code failed (the caller then
 * calls the original untouched); throws only the guard's blocking error.
 */
function start(
  ctx: WrapperContext,
  owner: GeminiModelsLike | undefined,
  args: unknown[],
  stream: boolean,
): Started | undefined {
  let call: GenAICall;
  let params: GeminiGenerateContentParams;
  let guard: CallGuard | undefined;
  try {
    params = (args[0] ?? {}) as GeminiGenerateContentParams;
    const backend = backendOf(owner, params.config);
    call = new GenAICall(ctx.telemetry(), {
      operation: GEN_AI_OPERATION_NAME_VALUES.GENERATE_CONTENT,
      provider: backend.provider,
      requestModel: typeof params.model === 'string' ? params.model : undefined,
      serverAddress: backend.serverAddress,
      serverPort: backend.serverPort,
      attributes: generateRequestAttributes(params, stream),
    });
    guard = getCallGuard();
  } catch (err) {
    diag.warn('genai-ops google-genai: could not start the span', err);
    return undefined;
  }
  let callArgs = args;
  let outputGuard: OutputGuard | undefined;
  if (guard) {
    const info: GuardCallInfo = {
      operation: GEN_AI_OPERATION_NAME_VALUES.GENERATE_CONTENT,
      provider: backendOf(owner).provider,
      requestModel: params.model,
      span: call.span,
    };
    try {
      const slots = inputTextSlots(params);
      const verdict = guard.checkInput(info, slots.segments);
      if (verdict?.texts) {
        params = slots.apply(verdict.texts);
        callArgs = [params, ...args.slice(1)];
      }
    } catch (err) {
      if (isGuardError(err)) {
        // The guard blocked the call: the provider is not called and the caller gets the guard's error.
        call.end(err);
        throw err;
      }
      diag.warn('genai-ops google-genai: input guard failed; request sent unchanged', err);
    }
    try {
      outputGuard = guard.startOutput(info);
    } catch (err) {
      diag.warn('genai-ops google-genai: output guard failed to start', err);
    }
  }
  if (call.capturesContent) {
    const recorded = params;
    call.recordInput(() => requestContent(recorded));
  }
  return { call, args: callArgs, outputGuard };
}

/** Sets response attributes, usage and output on the call; applies the output guard's replacements. */
function finishResponse(
  call: GenAICall,
  response: GeminiGenerateContentResponse,
  outputGuard: OutputGuard | undefined,
): void {
  if (outputGuard) {
    const parts = outputTextParts(response);
    let replaced: string[] | undefined;
    try {
      replaced = outputGuard.finish(parts.map((p) => p.text ?? ''));
    } catch (err) {
      if (isGuardError(err)) throw err;
      diag.warn('genai-ops google-genai: output guard failed', err);
    }
    // Replacements go on the SDK's fresh response object (never the caller's request).
    if (replaced) {
      for (const [i, p] of parts.entries()) p.text = replaced[i] ?? p.text;
    }
  }
  try {
    call.setResponse(responseInfoOf(response));
    const usage = usageOf(response.usageMetadata);
    if (usage) call.setUsage(usage);
    call.recordOutput(() => toOutputMessages(response.candidates, response.promptFeedback));
  } catch (err) {
    diag.debug('genai-ops google-genai: could not read the response', err);
  }
}

/** Wraps `generateContent`. `owner` is the Models instance when the method is an instance property. */
export function wrapGenerateContent(
  ctx: WrapperContext,
  original: AsyncFunction,
  owner?: GeminiModelsLike,
): AsyncFunction {
  return function generateContent(this: unknown, ...args: unknown[]): Promise<unknown> {
    if (!ctx.active()) return original.apply(this, args);
    let started: Started | undefined;
    try {
      started = start(ctx, owner ?? (this as GeminiModelsLike), args, false);
    } catch (guardError) {
      return Promise.reject(guardError);
    }
    if (!started) return original.apply(this, args);
    const { call, outputGuard } = started;
    let promise: Promise<unknown>;
    try {
      promise = context.with(call.context, () => original.apply(this, started.args));
    } catch (err) {
      call.end(err);
      throw err;
    }
    if (!outputGuard) {
      // No output guard: the caller gets the SDK's own promise; telemetry rides on a side chain whose
      // handlers never throw, so it never rejects unhandled.
      promise.then(
        (response) => {
          finishResponse(call, response as GeminiGenerateContentResponse, undefined);
          call.end();
        },
        (err: unknown) => call.end(err),
      );
      return promise;
    }
    return promise.then(
      (response) => {
        try {
          finishResponse(call, response as GeminiGenerateContentResponse, outputGuard);
        } catch (guardError) {
          call.end(guardError);
          throw guardError;
        }
        call.end();
        return response;
      },
      (err: unknown) => {
        call.end(err);
        throw err;
      },
    );
  };
}

interface CandidateState {
  index: number;
  parts: MessagePart[];
  finishReason?: string;
}

/**
 * Folds stream chunks (each a partial GenerateContentResponse) into the call's response telemetry. Runs
 * per chunk, so it allocates nothing per chunk with content capture off (the first candidate's state is a
 * field, not a map entry) and, with capture on, appends text to the part it is building instead of
 * copying that part per piece.
 */
export class GenerateContentStreamReducer implements StreamReducer<GeminiGenerateContentResponse> {
  private _id: string | undefined;
  private _model: string | undefined;
  private _usage: GeminiUsageMetadata | undefined;
  private _blocked: string | undefined;
  /** The first candidate seen: almost always the only one. */
  private _first: CandidateState | undefined;
  private _others: Map<number, CandidateState> | undefined;

  constructor(private readonly _captureContent: boolean) {}

  fold(chunk: GeminiGenerateContentResponse): void {
    this._id ??= chunk.responseId;
    if (chunk.modelVersion) this._model = chunk.modelVersion;
    if (chunk.usageMetadata) this._usage = chunk.usageMetadata;
    if (chunk.promptFeedback) this._blocked ??= blockedFinishReason(chunk.promptFeedback);
    const candidates = chunk.candidates;
    if (!candidates) return;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      const state = this._state(c.index ?? i);
      if (c.finishReason) state.finishReason = c.finishReason;
      if (!this._captureContent) continue;
      const parts = c.content?.parts;
      if (parts) for (let j = 0; j < parts.length; j++) appendPart(state.parts, parts[j]!);
    }
  }

  private _state(index: number): CandidateState {
    const first = this._first;
    if (first !== undefined && first.index === index) return first;
    if (first === undefined) {
      this._first = { index, parts: [] };
      return this._first;
    }
    this._others ??= new Map();
    let state = this._others.get(index);
    if (state === undefined) {
      state = { index, parts: [] };
      this._others.set(index, state);
    }
    return state;
  }

  /** The candidates in index order. */
  private _ordered(): CandidateState[] {
    if (this._first === undefined) return [];
    if (this._others === undefined) return [this._first];
    return [this._first, ...this._others.values()].sort((a, b) => a.index - b.index);
  }

  finish(call: GenAICall, outcome: StreamOutcome): void {
    const ordered = this._ordered();
    const finishReasons: string[] = [];
    for (const s of ordered) if (s.finishReason) finishReasons.push(mapFinishReason(s.finishReason));
    // A blocked prompt streams no candidates, only its promptFeedback.
    const blocked = ordered.length === 0 ? this._blocked : undefined;
    if (blocked) finishReasons.push(blocked);
    call.setResponse({ id: this._id, model: this._model, finishReasons });
    const usage = usageOf(this._usage);
    if (usage) call.setUsage(usage);
    if (blocked) {
      call.recordOutput(() => [{ role: 'assistant', parts: [], finish_reason: blocked }]);
      return;
    }
    call.recordOutput(() =>
      ordered.map(
        (s): OutputMessage => ({
          role: 'assistant',
          parts: s.parts,
          finish_reason: finishOf(s.finishReason, outcome),
        }),
      ),
    );
  }
}

/**
 * Appends one streamed part to a candidate's parts. Text arrives in pieces: consecutive pieces of the same
 * kind (text, or reasoning for `thought` parts) are joined into the part being built, which is ours.
 */
function appendPart(parts: MessagePart[], p: GeminiPart): void {
  if (p === null || typeof p !== 'object') return;
  if (typeof p.text === 'string') {
    const type = p.thought ? 'reasoning' : 'text';
    const last = parts.length > 0 ? parts[parts.length - 1] : undefined;
    if (last !== undefined && last.type === type) (last as TextPart | ReasoningPart).content += p.text;
    else parts.push({ type, content: p.text });
    return;
  }
  const part = toMessagePart(p);
  if (part) parts.push(part);
}

/**
 * The finish reason of a streamed candidate: the provider's, else `error` when the stream failed, else
 * `cancelled` when the caller stopped reading before the end (our choice; the conventions allow any string).
 */
function finishOf(reason: string | undefined, outcome: StreamOutcome): string {
  if (reason || outcome.completed) return mapFinishReason(reason);
  return outcome.error !== undefined ? 'error' : 'cancelled';
}

/** `error.type` of a caller abort: the name of the error the SDK's fetch rejects with (a DOMException). */
const ABORT_ERROR_TYPE = 'AbortError';

/** The visible text deltas of a stream chunk, for the output guard. */
function chunkTextDeltas(chunk: GeminiGenerateContentResponse): string[] {
  return outputTextParts(chunk).map((p) => p.text ?? '');
}

/** Wraps `generateContentStream` (a Promise of an AsyncGenerator): the generator is observed, not consumed. */
export function wrapGenerateContentStream(
  ctx: WrapperContext,
  original: AsyncFunction,
  owner?: GeminiModelsLike,
): AsyncFunction {
  return function generateContentStream(this: unknown, ...args: unknown[]): Promise<unknown> {
    if (!ctx.active()) return original.apply(this, args);
    let started: Started | undefined;
    try {
      started = start(ctx, owner ?? (this as GeminiModelsLike), args, true);
    } catch (guardError) {
      return Promise.reject(guardError);
    }
    if (!started) return original.apply(this, args);
    const { call, outputGuard } = started;
    let promise: Promise<unknown>;
    try {
      promise = context.with(call.context, () => original.apply(this, started.args));
    } catch (err) {
      call.end(err);
      throw err;
    }
    // The generator itself must be replaced, so this one returns a derived promise (the SDK's is a plain
    // Promise with no helper methods to lose).
    return promise.then(
      (generator) => {
        try {
          let source = generator as AsyncIterable<GeminiGenerateContentResponse>;
          const config = (started.args[0] as GeminiGenerateContentParams | undefined)?.config;
          // Aborted before it is read, the stream's call ends at the abort: nothing reads the SDK's
          // generator to see it, and a caller that keeps the stream object would keep the span open.
          const signal = config?.abortSignal as AbortSignalLike | undefined;
          if (outputGuard) source = guardOutputStream(source, outputGuard, chunkTextDeltas);
          const observed = observeStream(
            source,
            call,
            new GenerateContentStreamReducer(call.capturesContent),
            { signal, errorType: ABORT_ERROR_TYPE },
          );
          endCallWhenCollected(observed, call);
          return observed;
        } catch (err) {
          diag.warn('genai-ops google-genai: could not observe the stream', err);
          call.end();
          return generator;
        }
      },
      (err: unknown) => {
        call.end(err);
        throw err;
      },
    );
  };
}
