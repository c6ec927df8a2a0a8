import type { GenAIInstrumentationConfig } from '@genai-ops/core';

/**
 * Configuration of {@link OpenAIInstrumentation}. Every field is optional.
 *
 * Content capture (`captureMessageContent`, `maxContentLength`, `captureMedia`, `redact`) comes from
 * `ContentCaptureConfig` in `@genai-ops/core`: off by default, or from
 * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`; explicit config beats the environment.
 */
export interface OpenAIInstrumentationConfig extends GenAIInstrumentationConfig {
  /**
   * Ask for token usage on streamed Chat Completions when the caller did not
   * (`stream_options.include_usage: true` on a copy of the params). The extra usage-only chunk is hidden
   * from the caller. Turn it off for OpenAI-compatible servers that reject `stream_options`.
   * Default: true (env `GENAI_OPS_OPENAI_STREAM_USAGE=false` turns it off).
   */
  injectStreamUsage?: boolean;
}
