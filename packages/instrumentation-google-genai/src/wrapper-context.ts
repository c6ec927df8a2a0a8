import type { GenAITelemetry } from '@genai-ops/core';

/** What the patch factories need from the instrumentation, looked up at call time. */
export interface WrapperContext {
  /** False once the instrumentation is disabled: wrappers then call the original only. */
  active(): boolean;
  telemetry(): GenAITelemetry;
}
