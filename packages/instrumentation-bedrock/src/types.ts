import type { GenAIInstrumentationConfig } from '@genai-ops/core';

/**
 * Configuration of {@link BedrockRuntimeInstrumentation}. Every field is optional.
 *
 * - `enabled` (from InstrumentationConfig): patch on construction. Default `true`.
 * - `captureMessageContent`: record prompts and completions. Default: from
 *   `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, else off (`NO_CONTENT`).
 * - `maxContentLength`: max characters per recorded content attribute. Default: `GENAI_OPS_CAPTURE_MAX_LENGTH`,
 *   else 32768.
 * - `captureMedia`: record inline image/document bytes (base64). Default: `GENAI_OPS_CAPTURE_MEDIA`, else false.
 * - `redact`: a redaction hook run on every recorded string. Default: the global hook, if any.
 */
export interface BedrockRuntimeInstrumentationConfig extends GenAIInstrumentationConfig {}
