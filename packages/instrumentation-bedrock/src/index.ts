export {
  BedrockRuntimeInstrumentation,
  instrumentBedrockRuntime,
  SUPPORTED_VERSIONS,
} from './instrumentation.js';
export type { BedrockRuntimeInstrumentationConfig } from './types.js';
