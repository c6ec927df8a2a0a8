import type { GenAIInstrumentationConfig } from '@genai-ops/core';

/**
 * Configuration of {@link AnthropicInstrumentation}. Every field is optional.
 *
 * - `enabled`: patch the SDK when it loads. Default `true`.
 * - `captureMessageContent`: record system instructions, input and output messages and tool
 *   definitions. `true` = `SPAN_ONLY`. Default: from `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`,
 *   else `NO_CONTENT` (nothing recorded).
 * - `maxContentLength`: max characters of one recorded content attribute. Default:
 *   `GENAI_OPS_CAPTURE_MAX_LENGTH`, else 32768.
 * - `captureMedia`: record inline base64 images and documents instead of eliding them. Default:
 *   `GENAI_OPS_CAPTURE_MEDIA`, else `false`.
 * - `redact`: redaction applied to every recorded string. Default: the global hook, if any.
 */
export interface AnthropicInstrumentationConfig extends GenAIInstrumentationConfig {}
