export { ATTR_ANTHROPIC_REQUEST_THINKING_BUDGET_TOKENS } from './attributes.js';
export { AnthropicInstrumentation, instrumentAnthropic, SUPPORTED_VERSIONS } from './instrumentation.js';
export type { AnthropicInstrumentationConfig } from './types.js';
