export { GoogleGenAIInstrumentation, instrumentGoogleGenAI, SUPPORTED_VERSIONS } from './instrumentation.js';
export type { GoogleGenAIInstrumentationConfig } from './types.js';
