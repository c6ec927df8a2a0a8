export {
  ATTR_GENAI_OPS_CONTENT_TRUNCATED,
  type CallContent,
  type CallStart,
  GenAICall,
  type GenAITelemetry,
  type Usage,
} from './call.js';
export {
  type CaptureMode,
  type ContentCaptureConfig,
  type ContentPolicy,
  DEFAULT_MAX_CONTENT_LENGTH,
  ENV_CAPTURE_MAX_LENGTH,
  ENV_CAPTURE_MEDIA,
  ENV_CAPTURE_MESSAGE_CONTENT,
  getGlobalRedactHook,
  REDACTION_FAILED,
  type RedactContext,
  type RedactHook,
  resolveContentPolicy,
  type SerializedContent,
  sanitizeContent,
  serializeWithCap,
  setGlobalRedactHook,
} from './content-capture.js';
export { getEnv, getEnvBoolean, getEnvInt, getEnvList } from './env.js';
export { errorType, isAbortError } from './errors.js';
export {
  type CallGuard,
  type GuardCallInfo,
  type GuardTextSegment,
  getCallGuard,
  type InputGuardResult,
  isGuardError,
  type OutputGuard,
  setCallGuard,
  type TextSlots,
  type TextSource,
} from './guard.js';
export {
  ENV_TIME_PER_OUTPUT_CHUNK,
  GenAIInstrumentationBase,
  type GenAIInstrumentationConfig,
} from './instrumentation-base.js';
export type {
  BlobPart,
  FilePart,
  FunctionToolDefinition,
  GenericPart,
  InputMessage,
  MessagePart,
  OutputMessage,
  ReasoningPart,
  Role,
  SystemInstructions,
  TextPart,
  ToolCallPart,
  ToolCallResponsePart,
  ToolDefinition,
  UriPart,
} from './messages.js';
export { mapFinishReason, parseToolArguments } from './messages.js';
export {
  bindGenAIMetricsAggregator,
  boundGenAIMetricsAggregator,
  type CallObservations,
  DEFAULT_CARDINALITY_LIMIT,
  GENAI_CLIENT_HISTOGRAMS,
  type GenAIMetricProducer,
  GenAIMetricsAggregator,
  type GenAIMetricsCollection,
  GenAIMetricsRecorder,
  GenAIMetricTemporality,
} from './metric-aggregator.js';
export { GenAIClientMetrics } from './metrics.js';
export { guardOutputStream } from './output-guard-stream.js';
export * from './semconv.js';
export {
  type AbortSignalLike,
  type AbortWatch,
  endCallWhenCollected,
  observeIteratorFactory,
  observeStream,
  type StreamOutcome,
  type StreamReducer,
} from './stream.js';
export { dataUrlToBlobPart, serverFromUrl } from './url.js';
