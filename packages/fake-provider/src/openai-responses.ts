/**
 * OpenAI Responses API (https://platform.openai.com/docs/api-reference/responses): the response object and the
 * typed streaming events (response.created ... response.completed), message and function_call output items.
 */
import { type Conversation, isRecord, planReply, textOf } from './content';
import { ChunkWriter, type RequestContext, type Route, SSE_HEADERS, sendJson, sseEvent } from './context';
import { AZURE, bodyOf, chatTools, datedModel, jsonSchemaOf, now, requestModel } from './openai';

function responsesConversation(body: Record<string, unknown>): Conversation {
  const inputTexts: string[] = [];
  if (typeof body.instructions === 'string') inputTexts.push(body.instructions);
  let lastUserText = '';
  let lastIsToolResult = false;
  let toolResultText: string | undefined;
  if (typeof body.input === 'string') {
    inputTexts.push(body.input);
    lastUserText = body.input;
  } else if (Array.isArray(body.input)) {
    for (const item of body.input.filter(isRecord)) {
      if (item.type === 'function_call_output') {
        const out = typeof item.output === 'string' ? item.output : textOf(item.output);
        inputTexts.push(out);
        lastIsToolResult = true;
        toolResultText = out;
        continue;
      }
      if (item.type === 'function_call') {
        inputTexts.push(typeof item.arguments === 'string' ? item.arguments : '');
        continue;
      }
      const text = textOf(item.content);
      inputTexts.push(text);
      lastIsToolResult = false;
      if (item.role === 'user') lastUserText = text;
    }
  }
  const format = isRecord(body.text) ? body.text.format : undefined;
  return {
    inputTexts,
    lastUserText,
    lastIsToolResult,
    toolResultText,
    tools: chatTools(body.tools),
    maxTokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : undefined,
    jsonSchema: jsonSchemaOf(format),
  };
}

async function responses(ctx: RequestContext): Promise<void> {
  const body = bodyOf(ctx);
  const model = datedModel(requestModel(ctx, body));
  const plan = planReply(responsesConversation(body), ctx.shaping);
  const respId = ctx.nextId('resp_');
  const itemId = ctx.nextId(plan.kind === 'tool' ? 'fc_' : 'msg_');
  const callId = plan.kind === 'tool' ? ctx.nextId('call_') : '';
  const incomplete = plan.kind === 'text' && plan.finish === 'length';
  const u = plan.usage;
  const usage = {
    input_tokens: u.inputTokens + u.cachedTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.cachedTokens + u.outputTokens,
  };
  const item = (done: boolean): Record<string, unknown> =>
    plan.kind === 'tool'
      ? {
          type: 'function_call',
          id: itemId,
          call_id: callId,
          name: plan.toolName,
          arguments: done ? plan.args : '',
          status: done ? 'completed' : 'in_progress',
        }
      : {
          type: 'message',
          id: itemId,
          status: done ? (incomplete ? 'incomplete' : 'completed') : 'in_progress',
          role: 'assistant',
          content: done ? [{ type: 'output_text', text: plan.text, annotations: [], logprobs: [] }] : [],
        };
  const response = (state: 'in_progress' | 'final'): Record<string, unknown> => ({
    id: respId,
    object: 'response',
    created_at: now(),
    status: state === 'in_progress' ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    background: false,
    error: null,
    incomplete_details: state === 'final' && incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    model,
    output: state === 'final' ? [item(true)] : [],
    parallel_tool_calls: true,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    text: isRecord(body.text) ? body.text : { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === 'number' ? body.top_p : 1,
    truncation: 'disabled',
    usage: state === 'final' ? usage : null,
    user: null,
    metadata: {},
  });
  const headers = { 'x-request-id': ctx.nextId('req_') };
  if (body.stream !== true) {
    sendJson(ctx.res, 200, response('final'), headers);
    return;
  }

  const w = new ChunkWriter(ctx.res, ctx.chunkDelayMs, ctx.dropAfterChunks, 200, {
    ...SSE_HEADERS,
    ...headers,
  });
  let seq = 0;
  const emit = (type: string, fields: Record<string, unknown>) =>
    w.send(sseEvent({ type, sequence_number: seq++, ...fields }, type));
  const at = { item_id: itemId, output_index: 0 };
  if (!(await emit('response.created', { response: response('in_progress') }))) return;
  if (!(await emit('response.in_progress', { response: response('in_progress') }))) return;
  if (!(await emit('response.output_item.added', { output_index: 0, item: item(false) }))) return;
  if (plan.kind === 'tool') {
    for (const p of plan.pieces)
      if (!(await emit('response.function_call_arguments.delta', { ...at, delta: p }))) return;
    if (!(await emit('response.function_call_arguments.done', { ...at, arguments: plan.args }))) return;
  } else {
    const part = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });
    const c = { ...at, content_index: 0 };
    if (!(await emit('response.content_part.added', { ...c, part: part('') }))) return;
    for (const p of plan.pieces)
      if (!(await emit('response.output_text.delta', { ...c, delta: p, logprobs: [] }))) return;
    if (!(await emit('response.output_text.done', { ...c, text: plan.text, logprobs: [] }))) return;
    if (!(await emit('response.content_part.done', { ...c, part: part(plan.text) }))) return;
  }
  if (!(await emit('response.output_item.done', { output_index: 0, item: item(true) }))) return;
  const final = incomplete ? 'response.incomplete' : 'response.completed';
  if (!(await emit(final, { response: response('final') }))) return;
  w.end();
}

export const OPENAI_RESPONSES_ROUTES: Route[] = [
  { method: 'POST', pattern: /^(?:\/v1|\/openai\/v1)?\/responses$/, provider: 'openai', handle: responses },
  { method: 'POST', pattern: new RegExp(`^${AZURE}/responses$`), provider: 'openai', handle: responses },
];
