'use strict';
/*
 * Where the examples send their requests, for every SDK:
 *   FAKE_PROVIDER_URL set        -> that fake provider (e.g. `npx genai-ops-fake-provider`)
 *   the provider's credentials   -> the real API (OPENAI_API_KEY; ANTHROPIC_API_KEY; GEMINI_API_KEY or
 *                                   GOOGLE_API_KEY; AWS_REGION, with credentials from the AWS SDK's default chain)
 *   neither                      -> a fake provider started in this process on a random local port
 * Each helper resolves to `{ options, close, target }`: the client constructor's options, `close()` to stop an
 * in-process fake provider, and `target` ('fake' or 'real').
 */

const noop = async () => {};

/**
 * Picks the target: FAKE_PROVIDER_URL first, then the real API when `useReal`, else an in-process fake.
 * `realOptions()` and `fakeOptions(url)` (url without trailing slash) build the client options.
 */
async function connect(useReal, realOptions, fakeOptions) {
  const fakeUrl = process.env.FAKE_PROVIDER_URL;
  if (fakeUrl) return { options: fakeOptions(fakeUrl.replace(/\/$/, '')), close: noop, target: 'fake' };
  if (useReal) return { options: realOptions(), close: noop, target: 'real' };
  const { startFakeProvider } = require('@genai-ops/fake-provider');
  const fake = await startFakeProvider();
  return { options: fakeOptions(fake.url), close: () => fake.close(), target: 'fake' };
}

/** Options for `new OpenAI(...)`, plus `close()` to stop an in-process fake provider. */
function openAIConnection() {
  const key = process.env.OPENAI_API_KEY;
  return connect(
    Boolean(key),
    () => ({ apiKey: key }),
    (url) => ({ baseURL: `${url}/v1`, apiKey: 'fake', maxRetries: 0 }),
  );
}

/** Options for `new Anthropic(...)`: ANTHROPIC_API_KEY for the real API. */
function anthropicConnection() {
  const key = process.env.ANTHROPIC_API_KEY;
  return connect(
    Boolean(key),
    () => ({ apiKey: key }),
    (url) => ({ baseURL: url, apiKey: 'fake', maxRetries: 0 }),
  );
}

/** Options for `new GoogleGenAI(...)` (Gemini API): GEMINI_API_KEY, else GOOGLE_API_KEY, for the real API. */
function googleGenAIConnection() {
  const key = process.env.GEMINI_API_KEY || process.env.GOOGLE_API_KEY;
  return connect(
    Boolean(key),
    () => ({ apiKey: key }),
    (url) => ({ apiKey: 'fake', httpOptions: { baseUrl: url } }),
  );
}

/**
 * Options for `new BedrockRuntimeClient(...)`: with AWS_REGION set, the real service in that region, with
 * credentials from the SDK's default chain (env, shared files, SSO, instance role...).
 */
function bedrockConnection() {
  const region = process.env.AWS_REGION;
  return connect(
    Boolean(region),
    () => ({ region }),
    (url) => ({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
      maxAttempts: 1,
    }),
  );
}

/** The OpenAI model to ask: OPENAI_MODEL, default gpt-4o-mini. */
function model() {
  return process.env.OPENAI_MODEL || 'gpt-4o-mini';
}

/** Model ids of the other examples, each overridable by its env var. */
const models = {
  /** ANTHROPIC_MODEL, default claude-haiku-4-5. */
  anthropic: () => process.env.ANTHROPIC_MODEL || 'claude-haiku-4-5',
  /** GEMINI_MODEL, default gemini-2.5-flash. */
  gemini: () => process.env.GEMINI_MODEL || 'gemini-2.5-flash',
  /** GEMINI_EMBEDDING_MODEL, default gemini-embedding-001. */
  geminiEmbedding: () => process.env.GEMINI_EMBEDDING_MODEL || 'gemini-embedding-001',
  /** BEDROCK_MODEL, default the US cross-region inference profile of Claude Haiku 4.5. */
  bedrock: () => process.env.BEDROCK_MODEL || 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
};

module.exports = {
  openAIConnection,
  anthropicConnection,
  googleGenAIConnection,
  bedrockConnection,
  model,
  models,
};
