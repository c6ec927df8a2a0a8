// perf_hooks' own object: the global `performance` is reached through an accessor on globalThis, which
// costs ≈ 25 ns more per read on Node 20, and a stream reads the clock once per chunk.
import { performance } from 'node:perf_hooks';
import {
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  diag,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { unregisterAbandonedCall } from './abandoned-call.js';
import { type ContentPolicy, sanitizeContent, serializeWithCap } from './content-capture.js';
import { errorType } from './errors.js';
import type { InputMessage, OutputMessage, SystemInstructions, ToolDefinition } from './messages.js';
import type { GenAIClientMetrics } from './metrics.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
} from './semconv.js';

/** Our own attribute: set to true when captured content was cut to fit the size cap. */
export const ATTR_GENAI_OPS_CONTENT_TRUNCATED = 'genai_ops.content.truncated' as const;

/** What every instrumentation hands to a call: its tracer, metrics, logger and content policy. */
export interface GenAITelemetry {
  readonly tracer: Tracer;
  readonly metrics: GenAIClientMetrics;
  /** For content events (EVENT_ONLY / SPAN_AND_EVENT). */
  readonly logger?: Logger;
  readonly content: ContentPolicy;
  /**
   * Record `gen_ai.client.operation.time_per_output_chunk` (one histogram observation per streamed chunk
   * after the first). Default true. Nearly free through a bound GenAIMetricsAggregator; through the SDK's
   * own instruments each observation costs a few µs (the SDK hashes the attribute set on every record).
   */
  readonly timePerOutputChunk?: boolean;
}

/** What is known when a call starts. These attributes are set at span creation (sampling-relevant). */
export interface CallStart {
  operation: string;
  provider: string;
  requestModel?: string;
  serverAddress?: string;
  serverPort?: number;
  /** Request attributes (parameters, stream flag, provider-specific keys). */
  attributes?: Attributes;
  /** Default: `{operation} {requestModel}`. */
  spanName?: string;
  /** Default: CLIENT. */
  kind?: SpanKind;
  /** Parent context; default: the active one. */
  parentContext?: Context;
  /**
   * Keys that are metric attributes too when set later (provider refinements such as
   * `openai.response.service_tier`, or a server address resolved after the start); a shared constant
   * array, not copied.
   */
  metricKeys?: readonly string[];
}

/** Token counts in the conventions' sense (input includes cached tokens; output includes reasoning). */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  reasoningOutputTokens?: number;
}

/** Content of a call, built lazily: the builder runs only when capture is on. */
export interface CallContent {
  systemInstructions?: SystemInstructions;
  inputMessages?: InputMessage[];
  toolDefinitions?: ToolDefinition[];
}

/** The metric attribute keys the conventions list for the client metrics. */
const METRIC_KEYS = [
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
] as const;

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/**
 * One logical GenAI call: its span, its metrics and its content, ended exactly once. Every method is
 * safe to call in any order and never throws into the caller.
 */
export class GenAICall {
  readonly span: Span;
  /** The context with this call's span active, for work done on its behalf. */
  readonly context: Context;
  private readonly _telemetry: GenAITelemetry;
  private readonly _metricAttributes: Attributes;
  private readonly _startMs: number;
  private _firstChunkMs: number | undefined;
  private _lastChunkMs: number | undefined;
  private _chunkGaps: number[] | undefined;
  /** Whether each chunk is timed (time_per_output_chunk); otherwise only the first one is. */
  private readonly _timesChunks: boolean;
  /** Registration id in the abandoned-stream registry (endCallWhenCollected) until the call ends; 0: none. */
  private _watchId = 0;
  private _usage: Usage | undefined;
  private _ended = false;
  private _content: CallContent | undefined;
  private _output: OutputMessage[] | undefined;
  private _eventAttributes: Attributes | undefined;
  private _extraMetricKeys: readonly string[] | undefined;

  constructor(telemetry: GenAITelemetry, start: CallStart) {
    this._telemetry = telemetry;
    this._timesChunks = telemetry.timePerOutputChunk !== false;
    this._startMs = performance.now();
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: start.operation,
      [ATTR_GEN_AI_PROVIDER_NAME]: start.provider,
    };
    if (start.requestModel) attributes[ATTR_GEN_AI_REQUEST_MODEL] = start.requestModel;
    if (start.serverAddress) attributes[ATTR_SERVER_ADDRESS] = start.serverAddress;
    if (start.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = start.serverPort;
    if (start.attributes) {
      for (const key in start.attributes) {
        const v = start.attributes[key];
        if (v !== undefined && v !== null) attributes[key] = v;
      }
    }
    this._extraMetricKeys = start.metricKeys;
    this._metricAttributes = {};
    for (const key of METRIC_KEYS)
      if (attributes[key] !== undefined) this._metricAttributes[key] = attributes[key];
    const parent = start.parentContext ?? context.active();
    const name =
      start.spanName ?? (start.requestModel ? `${start.operation} ${start.requestModel}` : start.operation);
    this.span = telemetry.tracer.startSpan(name, { kind: start.kind ?? SpanKind.CLIENT, attributes }, parent);
    this.context = trace.setSpan(parent, this.span);
    if (telemetry.content.onEvent) this._eventAttributes = { ...attributes };
  }

  /** Whether content (messages) is captured for this call. Check it before building content. */
  get capturesContent(): boolean {
    return this._telemetry.content.onSpan || this._telemetry.content.onEvent;
  }

  /** Whether the call already ended. */
  get ended(): boolean {
    return this._ended;
  }

  /** Sets attributes; null and undefined values are skipped. */
  setAttributes(attributes: Record<string, AttributeValue | null | undefined>): void {
    if (this._ended) return;
    for (const key in attributes) this._set(key, attributes[key]);
  }

  /** One attribute on the span (and the event and metric attributes it belongs to); skips null/undefined. */
  private _set(key: string, v: AttributeValue | null | undefined): void {
    if (v === undefined || v === null) return;
    this.span.setAttribute(key, v);
    if (this._eventAttributes) this._eventAttributes[key] = v;
    if (key === ATTR_GEN_AI_RESPONSE_MODEL) this._metricAttributes[key] = v;
    else if (this._extraMetricKeys?.includes(key)) this._metricAttributes[key] = v;
  }

  /** Response identity and finish reasons. */
  setResponse(response: { id?: string | null; model?: string | null; finishReasons?: string[] }): void {
    if (this._ended) return;
    this._set(ATTR_GEN_AI_RESPONSE_ID, response.id);
    this._set(ATTR_GEN_AI_RESPONSE_MODEL, response.model);
    const reasons = response.finishReasons;
    if (reasons && reasons.length > 0) this._set(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, reasons);
  }

  /** Token usage; recorded on the span now and on the token metric when the call ends. */
  setUsage(usage: Usage): void {
    if (this._ended) return;
    this._usage = usage;
    if (isCount(usage.inputTokens)) this._set(ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
    if (isCount(usage.outputTokens)) this._set(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
    if (isCount(usage.cacheReadInputTokens))
      this._set(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens);
    if (isCount(usage.cacheCreationInputTokens))
      this._set(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInputTokens);
    if (isCount(usage.reasoningOutputTokens))
      this._set(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens);
  }

  /** Records the request content, when capture is on. The builder is not called otherwise. */
  recordInput(build: () => CallContent): void {
    if (this._ended || !this.capturesContent) return;
    try {
      const content = build();
      this._content = content;
      if (this._telemetry.content.onSpan) {
        this._setContentAttribute(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, content.systemInstructions);
        this._setContentAttribute(ATTR_GEN_AI_INPUT_MESSAGES, content.inputMessages);
        this._setContentAttribute(ATTR_GEN_AI_TOOL_DEFINITIONS, content.toolDefinitions);
      }
    } catch (err) {
      diag.debug('genai-ops: failed to record input content', err);
    }
  }

  /** Records the response content, when capture is on. The builder is not called otherwise. */
  recordOutput(build: () => OutputMessage[]): void {
    if (this._ended || !this.capturesContent) return;
    try {
      this._output = build();
      if (this._telemetry.content.onSpan)
        this._setContentAttribute(ATTR_GEN_AI_OUTPUT_MESSAGES, this._output);
    } catch (err) {
      diag.debug('genai-ops: failed to record output content', err);
    }
  }

  /**
   * Marks the arrival of a streamed chunk (time to first chunk, time per output chunk). The conventions
   * define time_per_output_chunk as one observation per chunk after the first, from the end of the
   * previous chunk to the end of this one, so each chunk is timed; with that histogram off
   * (`timePerOutputChunk: false`) only the first chunk is.
   */
  chunk(): void {
    if (this._firstChunkMs === undefined) {
      const now = performance.now();
      this._firstChunkMs = now;
      this._lastChunkMs = now;
      return;
    }
    if (!this._timesChunks) return;
    const now = performance.now();
    if (this._chunkGaps === undefined) this._chunkGaps = [];
    this._chunkGaps.push(now - (this._lastChunkMs as number));
    this._lastChunkMs = now;
  }

  /** @internal The abandoned-stream safety net holds this call until it ends (see endCallWhenCollected). */
  _watchedUntilEnd(id: number): void {
    this._watchId = id;
  }

  /**
   * Ends the call once: sets error status and `error.type` when `error` is given, records metrics,
   * emits the content event, ends the span. Later calls do nothing.
   */
  end(error?: unknown, options?: { errorType?: string }): void {
    if (this._ended) return;
    this._ended = true;
    if (this._watchId !== 0) {
      unregisterAbandonedCall(this._watchId, this);
      this._watchId = 0;
    }
    try {
      const endMs = performance.now();
      const forcedType = options?.errorType;
      if (error !== undefined || forcedType !== undefined) {
        const type = forcedType ?? errorType(error);
        this.span.setAttribute(ATTR_ERROR_TYPE, type);
        this._metricAttributes[ATTR_ERROR_TYPE] = type;
        const message = error instanceof Error ? error.message : undefined;
        this.span.setStatus({ code: SpanStatusCode.ERROR, message });
        if (error instanceof Error) this.span.recordException(error);
      }
      let ttfc: number | undefined;
      if (this._firstChunkMs !== undefined) {
        ttfc = (this._firstChunkMs - this._startMs) / 1000;
        this.span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ttfc);
      }
      const usage = this._usage;
      this._telemetry.metrics.recordCall(this._metricAttributes, {
        duration: (endMs - this._startMs) / 1000,
        inputTokens: usage?.inputTokens,
        outputTokens: usage?.outputTokens,
        timeToFirstChunk: ttfc,
        chunkGapsMs: ttfc === undefined ? undefined : this._chunkGaps,
      });
      this._emitDetailsEvent();
    } catch (err) {
      diag.debug('genai-ops: failed to finish call telemetry', err);
    }
    this.span.end();
  }

  private _setContentAttribute(key: string, value: unknown): void {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return;
    const policy = this._telemetry.content;
    const clean = sanitizeContent(value, policy, key);
    const { json, truncated } = serializeWithCap(clean, policy.maxLength);
    this.span.setAttribute(key, json);
    if (truncated) this.span.setAttribute(ATTR_GENAI_OPS_CONTENT_TRUNCATED, true);
  }

  private _emitDetailsEvent(): void {
    const logger = this._telemetry.logger;
    if (!this._eventAttributes || !logger) return;
    const policy = this._telemetry.content;
    const attributes: Record<string, unknown> = { ...this._eventAttributes };
    let truncated = false;
    const add = (key: string, value: unknown) => {
      if (value === undefined) return;
      const capped = serializeWithCap(sanitizeContent(value, policy, key), policy.maxLength);
      attributes[key] = JSON.parse(capped.json);
      if (capped.truncated) truncated = true;
    };
    add(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, this._content?.systemInstructions);
    add(ATTR_GEN_AI_INPUT_MESSAGES, this._content?.inputMessages);
    add(ATTR_GEN_AI_TOOL_DEFINITIONS, this._content?.toolDefinitions);
    add(ATTR_GEN_AI_OUTPUT_MESSAGES, this._output);
    // As on the span: a reader of the event can tell content cut to fit the cap from content as sent.
    if (truncated) attributes[ATTR_GENAI_OPS_CONTENT_TRUNCATED] = true;
    logger.emit({
      eventName: EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
      context: this.context,
      attributes: attributes as never,
    });
  }
}
