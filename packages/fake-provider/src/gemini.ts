/**
 * Gemini API / Vertex AI wire format (https://ai.google.dev/api/generate-content): generateContent,
 * streamGenerateContent (`alt=sse`), embedContent, batchEmbedContents, countTokens, on both the Gemini API
 * paths (`/v1beta/models/{model}:method`) and the Vertex paths
 * (`/v1beta1|v1/projects/{p}/locations/{l}/publishers/google/models/{model}:method`).
 */
import {
  type Conversation,
  embeddingVector,
  isRecord,
  planReply,
  type ToolDef,
  textOf,
  thinkingText,
} from './content';
import { ChunkWriter, type RequestContext, type Route, SSE_HEADERS, sendJson, sseEvent } from './context';

type Part = Record<string, unknown>;

function partsOf(content: unknown): Part[] {
  if (typeof content === 'string') return [{ text: content }];
  if (isRecord(content) && Array.isArray(content.parts)) return content.parts.filter(isRecord);
  return [];
}

function partText(p: Part): string {
  if (typeof p.text === 'string') return p.text;
  if (isRecord(p.functionResponse)) return JSON.stringify(p.functionResponse.response ?? {});
  if (isRecord(p.functionCall)) return JSON.stringify(p.functionCall.args ?? {});
  return '';
}

function geminiConversation(body: Record<string, unknown>): Conversation {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isRecord) : [];
  const inputTexts = [...partsOf(body.systemInstruction).map(partText)];
  for (const c of contents) inputTexts.push(...partsOf(c).map(partText));
  const last = contents[contents.length - 1];
  const lastParts = last ? partsOf(last) : [];
  const fnResponse = lastParts.find((p) => isRecord(p.functionResponse));
  const lastUser = [...contents]
    .reverse()
    .find((c) => c.role !== 'model' && partsOf(c).some((p) => typeof p.text === 'string'));
  const tools: ToolDef[] = [];
  for (const t of Array.isArray(body.tools) ? body.tools.filter(isRecord) : []) {
    for (const d of Array.isArray(t.functionDeclarations) ? t.functionDeclarations.filter(isRecord) : []) {
      if (typeof d.name === 'string')
        tools.push({ name: d.name, schema: d.parametersJsonSchema ?? d.parameters });
    }
  }
  const gen = isRecord(body.generationConfig) ? body.generationConfig : {};
  let jsonSchema: unknown;
  if (gen.responseMimeType === 'application/json')
    jsonSchema = gen.responseJsonSchema ?? gen.responseSchema ?? true;
  return {
    inputTexts,
    lastUserText: lastUser
      ? partsOf(lastUser)
          .map((p) => (typeof p.text === 'string' ? p.text : ''))
          .join(' ')
      : '',
    lastIsToolResult: fnResponse !== undefined,
    toolResultText: fnResponse ? partText(fnResponse) : undefined,
    tools,
    maxTokens: typeof gen.maxOutputTokens === 'number' ? gen.maxOutputTokens : undefined,
    jsonSchema,
  };
}

async function generate(ctx: RequestContext, stream: boolean): Promise<void> {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const conv = geminiConversation(body);
  const plan = planReply(conv, ctx.shaping);
  const model = decodeURIComponent(ctx.params.model ?? 'gemini-2.0-flash');
  const responseId = ctx.nextId('resp-');
  const gen = isRecord(body.generationConfig) ? body.generationConfig : {};
  const thought =
    isRecord(gen.thinkingConfig) && gen.thinkingConfig.includeThoughts === true
      ? thinkingText(conv)
      : undefined;
  const u = plan.usage;
  const promptTokens = u.inputTokens + u.cachedTokens;
  const fullUsage = {
    promptTokenCount: promptTokens,
    candidatesTokenCount: u.outputTokens - u.reasoningTokens,
    totalTokenCount: promptTokens + u.outputTokens,
    ...(u.cachedTokens > 0 ? { cachedContentTokenCount: u.cachedTokens } : {}),
    ...(u.reasoningTokens > 0 ? { thoughtsTokenCount: u.reasoningTokens } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  };
  const finishReason = plan.kind === 'text' && plan.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
  const response = (parts: Part[], last: boolean) => ({
    candidates: [
      {
        content: { parts, role: 'model' },
        ...(last ? { finishReason } : {}),
        index: 0,
      },
    ],
    usageMetadata: last ? fullUsage : { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
    modelVersion: model,
    responseId,
  });
  const thoughtParts: Part[] = thought ? [{ text: thought, thought: true }] : [];
  const functionCall =
    plan.kind === 'tool' ? { name: plan.toolName, args: JSON.parse(plan.args) } : undefined;

  if (!stream) {
    const parts =
      plan.kind === 'tool' ? [...thoughtParts, { functionCall }] : [...thoughtParts, { text: plan.text }];
    sendJson(ctx.res, 200, response(parts, true));
    return;
  }
  // Gemini streams whole function calls in one chunk; text arrives in pieces.
  const chunks: Part[][] = thoughtParts.map((p) => [p]);
  if (functionCall) chunks.push([{ functionCall }]);
  else if (plan.kind === 'text') chunks.push(...plan.pieces.map((t) => [{ text: t }]));
  if (ctx.url.searchParams.get('alt') !== 'sse') {
    // Without alt=sse the API answers with one JSON array of the chunks.
    sendJson(
      ctx.res,
      200,
      chunks.map((parts, i) => response(parts, i === chunks.length - 1)),
    );
    return;
  }
  const w = new ChunkWriter(ctx.res, ctx.chunkDelayMs, ctx.dropAfterChunks, 200, SSE_HEADERS);
  for (let i = 0; i < chunks.length; i++) {
    if (!(await w.send(sseEvent(response(chunks[i]!, i === chunks.length - 1))))) return;
  }
  w.end();
}

const DEFAULT_DIMS = 768;

function embedOne(req: Record<string, unknown>): { values: number[] } {
  const text = partsOf(req.content).map(partText).join(' ');
  const dims =
    typeof req.outputDimensionality === 'number' && req.outputDimensionality > 0
      ? req.outputDimensionality
      : DEFAULT_DIMS;
  return { values: embeddingVector(text, dims) };
}

function embedContent(ctx: RequestContext): void {
  const body = isRecord(ctx.body) ? ctx.body : {};
  // Vertex "embedContent" for gemini-embedding models also nests the config; accept both.
  const config = isRecord(body.config) ? body.config : {};
  sendJson(ctx.res, 200, { embedding: embedOne({ ...config, ...body }) });
}

function batchEmbedContents(ctx: RequestContext): void {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const requests = Array.isArray(body.requests) ? body.requests.filter(isRecord) : [];
  sendJson(ctx.res, 200, { embeddings: requests.map(embedOne) });
}

function countTokens(ctx: RequestContext): void {
  const body = isRecord(ctx.body) ? ctx.body : {};
  // The Gemini API nests the request under generateContentRequest; Vertex sends contents at the top.
  const inner = isRecord(body.generateContentRequest) ? body.generateContentRequest : body;
  const conv = geminiConversation(inner);
  const chars = conv.inputTexts.reduce((n, t) => n + t.length, 0);
  sendJson(ctx.res, 200, { totalTokens: Math.ceil(chars / 4) });
}

/** Vertex `:predict` for text-embedding models: `{instances:[{content}]}` -> `{predictions:[{embeddings:{values}}]}`. */
function predict(ctx: RequestContext): void {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const instances = Array.isArray(body.instances) ? body.instances.filter(isRecord) : [];
  const params = isRecord(body.parameters) ? body.parameters : {};
  const dims = typeof params.outputDimensionality === 'number' ? params.outputDimensionality : DEFAULT_DIMS;
  sendJson(ctx.res, 200, {
    predictions: instances.map((i) => {
      const text = textOf(i.content);
      return {
        embeddings: {
          values: embeddingVector(text, dims),
          statistics: { token_count: Math.ceil(text.length / 4), truncated: false },
        },
      };
    }),
  });
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** `{error:{code,message,status}}` as Google APIs return it. */
export function geminiErrorBody(status: number, message: string) {
  const name = STATUS_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  return { error: { code: status, message, status: name } };
}

const MODEL_PATH =
  '^/(?:v1beta|v1|v1beta1|v1alpha)/(?:projects/[^/]+/locations/[^/]+/)?(?:publishers/google/)?models/(?<model>[^/:]+)';

function route(method: string, handle: Route['handle']): Route {
  return { method: 'POST', pattern: new RegExp(`${MODEL_PATH}:${method}$`), provider: 'gemini', handle };
}

export const GEMINI_ROUTES: Route[] = [
  route('generateContent', (ctx) => generate(ctx, false)),
  route('streamGenerateContent', (ctx) => generate(ctx, true)),
  route('embedContent', embedContent),
  route('batchEmbedContents', batchEmbedContents),
  route('countTokens', countTokens),
  route('predict', predict),
];
