/*
 * The ESM register entry: `node --import @genai-ops/node/register app.mjs`. The import-in-the-middle loader
 * hook must be registered before the app's own imports are resolved, so that `import OpenAI from 'openai'`
 * is patched; then the SDK starts exactly as with the CommonJS entry.
 * https://github.com/open-telemetry/opentelemetry-js/blob/main/doc/esm-support.md
 *
 * The hook wraps only the SDKs we instrument (import-in-the-middle's `include` option): wrapping every ES
 * module costs start-up time and breaks some packages' side-effect imports (openai v4's shims,
 * nodejs/import-in-the-middle#113). GENAI_OPS_ESM_HOOK=all wraps every module, for apps that add other
 * OpenTelemetry instrumentations to this SDK.
 */
import { createRequire, register } from 'node:module';

/** Bare specifiers, plus the Anthropic SDK's Messages modules that its Bedrock and Vertex clients import by sub-path. */
const INSTRUMENTED_MODULES: Array<string | RegExp> = [
  'openai',
  '@anthropic-ai/sdk',
  /\/node_modules\/@anthropic-ai\/sdk\/resources\/(beta\/)?messages\/messages\.mjs$/,
  '@google/genai',
  '@aws-sdk/client-bedrock-runtime',
];

// OTEL_SDK_DISABLED=true is the kill switch: it leaves the app's modules alone too, not only the exporters
// (start() below is a no-op then).
if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  const wrapAll = process.env.GENAI_OPS_ESM_HOOK?.trim().toLowerCase() === 'all';
  register(
    '@opentelemetry/instrumentation/hook.mjs',
    import.meta.url,
    wrapAll ? undefined : { data: { include: INSTRUMENTED_MODULES } },
  );
}
const require = createRequire(import.meta.url);
(require('./start.js') as typeof import('./start.js')).start();
