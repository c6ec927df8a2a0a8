/*
 * The ESM register entry: `node --import @genai-ops/node/register app.mjs`. The import-in-the-middle loader
 * hook must be registered before the app's own imports are resolved, so that `import OpenAI from 'openai'`
 * is patched; then the SDK starts exactly as with the CommonJS entry.
 * https://github.com/open-telemetry/opentelemetry-js/blob/main/doc/esm-support.md
 */
import { createRequire, register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const require = createRequire(import.meta.url);
(require('./start.js') as typeof import('./start.js')).start();
