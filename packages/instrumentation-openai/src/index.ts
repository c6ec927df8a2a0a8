export { instrumentOpenAI, OpenAIInstrumentation } from './instrumentation.js';
export type { OpenAIInstrumentationConfig } from './types.js';
