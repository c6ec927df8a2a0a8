/**
 * Anthropic Messages wire format (https://docs.anthropic.com/en/api/messages and .../messages-streaming):
 * the message object, the SSE event sequence, count_tokens and the error shape. The Bedrock `anthropic.*`
 * invoke family reuses {@link anthropicReply}.
 */
import {
  type Conversation,
  isRecord,
  planReply,
  type Shaping,
  type ToolDef,
  textOf,
  thinkingText,
} from './content';
import { ChunkWriter, type RequestContext, type Route, SSE_HEADERS, sendJson, sseEvent } from './context';

type Block = Record<string, unknown>;

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isRecord)
    .map((b) =>
      b.type === 'tool_result'
        ? textOf(b.content)
        : b.type === 'tool_use'
          ? JSON.stringify(b.input ?? {})
          : textOf(b),
    )
    .filter((t) => t.length > 0)
    .join(' ');
}

/** Reduce a Messages API request body to a {@link Conversation}. */
export function anthropicConversation(body: Record<string, unknown>): Conversation {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const inputTexts = [contentText(body.system), ...messages.map((m) => contentText(m.content))];
  const last = messages[messages.length - 1];
  const lastBlocks = last && Array.isArray(last.content) ? last.content.filter(isRecord) : [];
  const toolResult = lastBlocks.find((b) => b.type === 'tool_result');
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const tools: ToolDef[] = Array.isArray(body.tools)
    ? body.tools
        .filter(isRecord)
        .flatMap((t) => (typeof t.name === 'string' ? [{ name: t.name, schema: t.input_schema }] : []))
    : [];
  return {
    inputTexts,
    lastUserText: lastUser ? contentText(lastUser.content) : '',
    lastIsToolResult: last?.role === 'user' && toolResult !== undefined,
    toolResultText: toolResult ? textOf(toolResult.content) : undefined,
    tools,
    maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
  };
}

export interface AnthropicReply {
  /** The non-streaming message object. */
  message: Record<string, unknown>;
  /** The streaming events, in order, each with its `type`. */
  events: Record<string, unknown>[];
  inputTokens: number;
  outputTokens: number;
}

/** Build the message and the equivalent stream events for a Messages request. */
export function anthropicReply(
  body: Record<string, unknown>,
  shaping: Shaping,
  nextId: (prefix: string) => string,
): AnthropicReply {
  const conv = anthropicConversation(body);
  const thinking =
    isRecord(body.thinking) && body.thinking.type === 'enabled' ? thinkingText(conv) : undefined;
  const thinkingTokens = thinking && shaping.reasoningTokens === 0 ? thinking.split(' ').length : 0;
  const plan = planReply(conv, { ...shaping, reasoningTokens: shaping.reasoningTokens + thinkingTokens });
  const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
  const id = nextId('msg_');
  const u = plan.usage;
  const usage = (outputTokens: number) => ({
    input_tokens: u.inputTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    cache_read_input_tokens: u.cachedTokens,
    output_tokens: outputTokens,
    service_tier: 'standard',
  });
  const stopReason = plan.kind === 'tool' ? 'tool_use' : plan.finish === 'length' ? 'max_tokens' : 'end_turn';
  const signature = thinking ? Buffer.from(`sig:${thinking}`).toString('base64') : '';
  const toolId = plan.kind === 'tool' ? nextId('toolu_') : '';

  const content: Block[] = [];
  const events: Record<string, unknown>[] = [];
  const base = { id, type: 'message', role: 'assistant', model };
  events.push({
    type: 'message_start',
    message: { ...base, content: [], stop_reason: null, stop_sequence: null, usage: usage(1) },
  });
  let index = 0;
  if (thinking) {
    content.push({ type: 'thinking', thinking, signature });
    events.push({
      type: 'content_block_start',
      index,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } });
    events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } });
    events.push({ type: 'content_block_stop', index });
    index++;
  }
  if (plan.kind === 'tool') {
    content.push({ type: 'tool_use', id: toolId, name: plan.toolName, input: JSON.parse(plan.args) });
    events.push({
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: toolId, name: plan.toolName, input: {} },
    });
    for (const p of plan.pieces)
      events.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: p },
      });
  } else {
    content.push({ type: 'text', text: plan.text });
    events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    events.push({ type: 'ping' });
    for (const p of plan.pieces)
      events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } });
  }
  events.push({ type: 'content_block_stop', index });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: u.outputTokens },
  });
  events.push({ type: 'message_stop' });
  return {
    message: { ...base, content, stop_reason: stopReason, stop_sequence: null, usage: usage(u.outputTokens) },
    events,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
  };
}

async function messages(ctx: RequestContext): Promise<void> {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const reply = anthropicReply(body, ctx.shaping, ctx.nextId);
  const headers = { 'request-id': ctx.nextId('req_') };
  if (body.stream !== true) {
    sendJson(ctx.res, 200, reply.message, headers);
    return;
  }
  const w = new ChunkWriter(ctx.res, ctx.chunkDelayMs, ctx.dropAfterChunks, 200, {
    ...SSE_HEADERS,
    ...headers,
  });
  for (const e of reply.events) if (!(await w.send(sseEvent(e, String(e.type))))) return;
  w.end();
}

function countTokens(ctx: RequestContext): void {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const conv = anthropicConversation(body);
  const chars = conv.inputTexts.reduce((n, t) => n + t.length, 0);
  sendJson(ctx.res, 200, { input_tokens: Math.ceil(chars / 4) });
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** `{type:'error',error:{type,message}}` as the Anthropic API returns it. */
export function anthropicErrorBody(status: number, message: string) {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message } };
}

/**
 * Claude on Vertex AI (`@anthropic-ai/vertex-sdk`): the Messages body without `model` (it is in the path)
 * and with `anthropic_version` in the body instead of a header, posted to the model's `rawPredict` (or
 * `streamRawPredict`, answered with the same SSE events). A body without `anthropic_version` is refused.
 */
async function vertexRawPredict(ctx: RequestContext): Promise<void> {
  const body = isRecord(ctx.body) ? ctx.body : {};
  if (typeof body.anthropic_version !== 'string') {
    sendJson(ctx.res, 400, anthropicErrorBody(400, 'anthropic_version: Field required'));
    return;
  }
  const stream = ctx.params.specifier === 'streamRawPredict';
  await messages({ ...ctx, body: { ...body, model: ctx.params.model, stream } });
}

export const ANTHROPIC_ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/v1\/messages$/, provider: 'anthropic', handle: messages },
  { method: 'POST', pattern: /^\/v1\/messages\/count_tokens$/, provider: 'anthropic', handle: countTokens },
  {
    method: 'POST',
    pattern:
      /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/(?<model>[^/:]+):(?<specifier>rawPredict|streamRawPredict)$/,
    provider: 'anthropic',
    handle: vertexRawPredict,
  },
];
