/**
 * OpenAI wire format: Chat Completions, Responses, Embeddings, Models, and the Azure OpenAI paths.
 * Shapes follow https://platform.openai.com/docs/api-reference (chat streaming chunks, the typed Responses
 * streaming events, `stream_options.include_usage`).
 */
import {
  type Conversation,
  embeddingVector,
  float32Base64,
  isRecord,
  planReply,
  type ToolDef,
  textOf,
} from './content';
import { ChunkWriter, type RequestContext, type Route, SSE_HEADERS, sendJson, sseEvent } from './context';

/** Snapshot dates the real API appends to model aliases; other models get {@link DEFAULT_DATE}. */
const MODEL_DATES: Record<string, string> = {
  'gpt-4o': '2024-08-06',
  'gpt-4o-mini': '2024-07-18',
  'gpt-4.1': '2025-04-14',
  'gpt-4.1-mini': '2025-04-14',
  'gpt-4.1-nano': '2025-04-14',
  'gpt-4-turbo': '2024-04-09',
  o1: '2024-12-17',
  'o3-mini': '2025-01-31',
  o3: '2025-04-16',
  'o4-mini': '2025-04-16',
  'gpt-5': '2025-08-07',
  'gpt-5-mini': '2025-08-07',
};
const DEFAULT_DATE = '2024-07-18';
const SYSTEM_FINGERPRINT = 'fp_fake0001';

/** `gpt-4o-mini` -> `gpt-4o-mini-2024-07-18`; a model that already ends with a date is returned as is. */
export function datedModel(model: string): string {
  if (/-\d{4}-\d{2}-\d{2}$/.test(model) || /-\d{4}$/.test(model)) return model;
  return `${model}-${MODEL_DATES[model] ?? DEFAULT_DATE}`;
}

export const now = (): number => Math.floor(Date.now() / 1000);

export function bodyOf(ctx: RequestContext): Record<string, unknown> {
  return isRecord(ctx.body) ? ctx.body : {};
}

/** Azure puts the deployment in the path; the body may omit `model`. */
export function requestModel(ctx: RequestContext, body: Record<string, unknown>): string {
  if (typeof body.model === 'string') return body.model;
  return ctx.params.deployment ?? 'gpt-4o-mini';
}

export function chatTools(tools: unknown): ToolDef[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isRecord).flatMap((t) => {
    const fn = isRecord(t.function) ? t.function : t;
    return typeof fn.name === 'string' ? [{ name: fn.name, schema: fn.parameters }] : [];
  });
}

export function jsonSchemaOf(format: unknown): unknown {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return true;
  if (format.type === 'json_schema') {
    const inner = isRecord(format.json_schema) ? format.json_schema : format;
    return inner.schema ?? true;
  }
  return undefined;
}

function chatConversation(body: Record<string, unknown>): Conversation {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const inputTexts = messages.map((m) => textOf(m.content));
  const last = messages[messages.length - 1];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const max = body.max_completion_tokens ?? body.max_tokens;
  return {
    inputTexts,
    lastUserText: lastUser ? textOf(lastUser.content) : '',
    lastIsToolResult: last?.role === 'tool' || last?.role === 'function',
    toolResultText: last ? textOf(last.content) : undefined,
    tools: chatTools(body.tools),
    maxTokens: typeof max === 'number' ? max : undefined,
    jsonSchema: jsonSchemaOf(body.response_format),
  };
}

function chatUsage(u: ReturnType<typeof planReply>['usage']) {
  const prompt = u.inputTokens + u.cachedTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.outputTokens,
    total_tokens: prompt + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

async function chatCompletions(ctx: RequestContext): Promise<void> {
  const body = bodyOf(ctx);
  const model = datedModel(requestModel(ctx, body));
  const plan = planReply(chatConversation(body), ctx.shaping);
  const id = ctx.nextId('chatcmpl-');
  const created = now();
  const serviceTier =
    typeof body.service_tier === 'string' && body.service_tier !== 'auto' ? body.service_tier : 'default';
  const callId = plan.kind === 'tool' ? ctx.nextId('call_') : '';
  const finish = plan.kind === 'tool' ? 'tool_calls' : plan.finish;
  const headers = { 'x-request-id': ctx.nextId('req_'), 'openai-processing-ms': '1' };

  if (body.stream !== true) {
    const message =
      plan.kind === 'tool'
        ? {
            role: 'assistant',
            content: null,
            refusal: null,
            annotations: [],
            tool_calls: [
              { id: callId, type: 'function', function: { name: plan.toolName, arguments: plan.args } },
            ],
          }
        : { role: 'assistant', content: plan.text, refusal: null, annotations: [] };
    sendJson(
      ctx.res,
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage: chatUsage(plan.usage),
        service_tier: serviceTier,
        system_fingerprint: SYSTEM_FINGERPRINT,
      },
      headers,
    );
    return;
  }

  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const w = new ChunkWriter(ctx.res, ctx.chunkDelayMs, ctx.dropAfterChunks, 200, {
    ...SSE_HEADERS,
    ...headers,
  });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: serviceTier,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const deltas: Record<string, unknown>[] = [];
  if (plan.kind === 'tool') {
    deltas.push({
      role: 'assistant',
      content: null,
      tool_calls: [
        { index: 0, id: callId, type: 'function', function: { name: plan.toolName, arguments: '' } },
      ],
    });
    for (const p of plan.pieces) deltas.push({ tool_calls: [{ index: 0, function: { arguments: p } }] });
  } else {
    deltas.push({ role: 'assistant', content: '', refusal: null });
    for (const p of plan.pieces) deltas.push({ content: p });
  }
  for (const d of deltas) if (!(await w.send(sseEvent(chunk(d, null))))) return;
  if (!(await w.send(sseEvent(chunk({}, finish))))) return;
  if (includeUsage) {
    const usageChunk = { ...chunk({}, null), choices: [], usage: chatUsage(plan.usage) };
    if (!(await w.send(sseEvent(usageChunk)))) return;
  }
  if (!(await w.send(sseEvent('[DONE]')))) return;
  w.end();
}

/** Default vector sizes of the real embedding models; others get 1536. */
const EMBEDDING_DIMS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

function embeddings(ctx: RequestContext): void {
  const body = bodyOf(ctx);
  const model = requestModel(ctx, body);
  const raw = body.input;
  let inputs: string[];
  if (typeof raw === 'string') inputs = [raw];
  else if (Array.isArray(raw) && raw.every((x) => typeof x === 'number')) inputs = [raw.join(' ')];
  else if (Array.isArray(raw))
    inputs = raw.map((x) => (typeof x === 'string' ? x : Array.isArray(x) ? x.join(' ') : ''));
  else inputs = [];
  if (inputs.length === 0) {
    sendOpenAIError(ctx, 400, "'input' is required and must be a string or an array");
    return;
  }
  const dims =
    typeof body.dimensions === 'number' && body.dimensions > 0
      ? body.dimensions
      : (EMBEDDING_DIMS[model] ?? 1536);
  const base64 = body.encoding_format === 'base64';
  const tokens = Math.ceil(inputs.reduce((n, s) => n + s.length, 0) / 4);
  sendJson(
    ctx.res,
    200,
    {
      object: 'list',
      data: inputs.map((text, index) => {
        const v = embeddingVector(text, dims);
        return { object: 'embedding', index, embedding: base64 ? float32Base64(v) : v };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    { 'x-request-id': ctx.nextId('req_') },
  );
}

/** Models listed by `GET /v1/models`. */
export const OPENAI_MODELS = [
  'gpt-4o-mini',
  'gpt-4o',
  'gpt-4.1',
  'o3-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
];

function modelObject(id: string) {
  return { id, object: 'model', created: 1_700_000_000, owned_by: 'system' };
}

function listModels(ctx: RequestContext): void {
  sendJson(ctx.res, 200, { object: 'list', data: OPENAI_MODELS.map(modelObject) });
}

function getModel(ctx: RequestContext): void {
  sendJson(ctx.res, 200, modelObject(decodeURIComponent(ctx.params.model ?? '')));
}

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['permission_error', null],
  404: ['invalid_request_error', 'model_not_found'],
  409: ['conflict_error', null],
  422: ['invalid_request_error', null],
  429: ['requests', 'rate_limit_exceeded'],
};

/** `{error:{message,type,param,code}}` as the OpenAI API returns it. */
export function openAIErrorBody(status: number, message: string) {
  const [type, code] =
    ERROR_TYPES[status] ?? (status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
  return { error: { message, type, param: null, code } };
}

function sendOpenAIError(ctx: RequestContext, status: number, message: string): void {
  sendJson(ctx.res, status, openAIErrorBody(status, message), { 'x-request-id': ctx.nextId('req_') });
}

/** Azure OpenAI deployment path prefix; the deployment stands in for the model. */
export const AZURE = '/openai/deployments/(?<deployment>[^/]+)';

export const OPENAI_ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^(?:\/v1|\/openai\/v1)?\/chat\/completions$/,
    provider: 'openai',
    handle: chatCompletions,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${AZURE}/chat/completions$`),
    provider: 'openai',
    handle: chatCompletions,
  },
  { method: 'POST', pattern: /^(?:\/v1|\/openai\/v1)?\/embeddings$/, provider: 'openai', handle: embeddings },
  { method: 'POST', pattern: new RegExp(`^${AZURE}/embeddings$`), provider: 'openai', handle: embeddings },
  { method: 'GET', pattern: /^(?:\/v1|\/openai\/v1)?\/models$/, provider: 'openai', handle: listModels },
  {
    method: 'GET',
    pattern: /^(?:\/v1|\/openai\/v1)?\/models\/(?<model>[^/]+)$/,
    provider: 'openai',
    handle: getModel,
  },
];
