export { DedupingDiagLogger } from './diag-logger.js';
export { ENV_GUARDRAILS_POLICY } from './guardrails.js';
export {
  ENV_INSTRUMENTATIONS,
  KNOWN_INSTRUMENTATIONS,
  type KnownInstrumentation,
} from './instrumentations.js';
export { DEFAULT_FLUSH_TIMEOUT_MS, isStarted, shutdown, start } from './start.js';
export type { StartConfig } from './types.js';
