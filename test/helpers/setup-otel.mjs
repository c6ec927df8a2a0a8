/*
 * ESM test preload: registers the import-in-the-middle loader hook so ESM `import` of an SDK is patched,
 * then loads the CommonJS setup.
 *   node --import ./test/helpers/setup-otel.mjs app.mjs
 */
import { createRequire, register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
createRequire(import.meta.url)('./setup-otel.cjs');
