import { GEN_AI_PROVIDER_NAME_VALUES as P } from '@genai-ops/core';

/**
 * Foreign provider identifiers to `gen_ai.provider.name` values (GUIDE.md §12): OTel ≤1.36
 * `gen_ai.system`, OpenLLMetry's capitalized names, OpenInference `llm.provider`/`llm.system`, and the
 * Vercel AI SDK's `{provider}.{api}` ids (the same prefixes as `@ai-sdk/otel`'s `mapProviderName`).
 */
const EXACT: Record<string, string> = {
  openai: P.OPENAI,
  anthropic: P.ANTHROPIC,
  'az.ai.inference': P.AZURE_AI_INFERENCE,
  'azure.ai.inference': P.AZURE_AI_INFERENCE,
  'az.ai.openai': P.AZURE_AI_OPENAI,
  'azure.ai.openai': P.AZURE_AI_OPENAI,
  azure: P.AZURE_AI_OPENAI,
  'azure-openai': P.AZURE_AI_OPENAI,
  vertex_ai: P.GCP_VERTEX_AI,
  vertexai: P.GCP_VERTEX_AI,
  'gcp.vertex_ai': P.GCP_VERTEX_AI,
  gemini: P.GCP_GEMINI,
  'gcp.gemini': P.GCP_GEMINI,
  'gcp.gen_ai': P.GCP_GEN_AI,
  google: P.GCP_GEN_AI,
  'google.generative-ai': P.GCP_GEMINI,
  xai: P.X_AI,
  x_ai: P.X_AI,
  aws: P.AWS_BEDROCK,
  'aws.bedrock': P.AWS_BEDROCK,
  bedrock: P.AWS_BEDROCK,
  'amazon-bedrock': P.AWS_BEDROCK,
  cohere: P.COHERE,
  mistral: P.MISTRAL_AI,
  mistralai: P.MISTRAL_AI,
  mistral_ai: P.MISTRAL_AI,
  groq: P.GROQ,
  deepseek: P.DEEPSEEK,
  perplexity: P.PERPLEXITY,
  moonshot_ai: P.MOONSHOT_AI,
  moonshotai: P.MOONSHOT_AI,
  'ibm.watsonx.ai': P.IBM_WATSONX_AI,
  watsonx: P.IBM_WATSONX_AI,
};

/** Vercel ids are `{provider}.{api}` (openai.chat, anthropic.messages, google.vertex.chat, ...). */
const PREFIXES: Array<[string, string]> = [
  ['google.vertex', P.GCP_VERTEX_AI],
  ['google.generative-ai', P.GCP_GEMINI],
  ['amazon-bedrock', P.AWS_BEDROCK],
  ['azure-openai', P.AZURE_AI_OPENAI],
  ['azure', P.AZURE_AI_OPENAI],
  ['openai', P.OPENAI],
  ['anthropic', P.ANTHROPIC],
  ['mistral', P.MISTRAL_AI],
  ['xai', P.X_AI],
  ['groq', P.GROQ],
  ['deepseek', P.DEEPSEEK],
  ['cohere', P.COHERE],
  ['perplexity', P.PERPLEXITY],
];

/** Maps a foreign provider id; unknown values are lower-cased and kept (the enum is open). */
export function mapProviderName(raw: string): string {
  const v = raw.trim().toLowerCase();
  const exact = EXACT[v];
  if (exact) return exact;
  for (const [prefix, name] of PREFIXES) {
    if (v === prefix || v.startsWith(`${prefix}.`) || v.startsWith(`${prefix}-`)) return name;
  }
  return v;
}
