'use strict';
/*
 * Where the examples send their requests:
 *   FAKE_PROVIDER_URL set  -> that fake provider (e.g. `npx genai-ops-fake-provider`)
 *   OPENAI_API_KEY set     -> the real OpenAI API
 *   neither                -> a fake provider started in this process on a random local port
 */

/** Options for `new OpenAI(...)`, plus `close()` to stop an in-process fake provider. */
async function openAIConnection() {
  const fakeUrl = process.env.FAKE_PROVIDER_URL;
  if (fakeUrl) {
    return {
      options: { baseURL: `${fakeUrl.replace(/\/$/, '')}/v1`, apiKey: 'fake', maxRetries: 0 },
      close: async () => {},
    };
  }
  if (process.env.OPENAI_API_KEY) {
    return { options: { apiKey: process.env.OPENAI_API_KEY }, close: async () => {} };
  }
  const { startFakeProvider } = require('@genai-ops/fake-provider');
  const fake = await startFakeProvider();
  return { options: { baseURL: `${fake.url}/v1`, apiKey: 'fake', maxRetries: 0 }, close: () => fake.close() };
}

/** The model to ask: OPENAI_MODEL, default gpt-4o-mini. */
function model() {
  return process.env.OPENAI_MODEL || 'gpt-4o-mini';
}

module.exports = { openAIConnection, model };
