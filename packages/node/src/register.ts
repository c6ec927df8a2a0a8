/*
 * The CommonJS register entry: `node --require @genai-ops/node/register app.js` or
 * `require('@genai-ops/node/register')` first thing in the app. Sets up the SDK from the environment.
 * ESM apps use `node --import @genai-ops/node/register` (register.mts), which also installs the ESM hook.
 */
import { start } from './start.js';

start();
