/**
 * Edge cases with the real SDKs (v4 and v6) run in-process, patched with `patchClass`, against a `fetch`
 * stub: Responses streams that fail without the SDK throwing (a `response.failed` event, or the `error`
 * event v5+ yield as an ordinary event), and `asResponse()` on the promise of a `parse` helper.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import OpenAIv6, { AzureOpenAI as AzureOpenAIv6 } from 'openai';
import OpenAIv4, { AzureOpenAI as AzureOpenAIv4 } from 'openai-v4';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/instrumentation';

const ERROR = 2;
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const instrumentation = new OpenAIInstrumentation();
instrumentation.setTracerProvider(tracerProvider);

function sse(events: Array<Record<string, unknown>>): Response {
  const text = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

function response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'resp_1',
    object: 'response',
    model: 'gpt-x',
    status,
    output: [],
    usage: status === 'in_progress' ? null : { input_tokens: 3, output_tokens: 2 },
    ...extra,
  };
}

function spanOf(model: string): ReadableSpan {
  const spans = exporter.getFinishedSpans().filter((s) => s.attributes['gen_ai.request.model'] === model);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

afterAll(() => {
  instrumentation.unpatchClass(OpenAIv6 as never);
  instrumentation.unpatchClass(OpenAIv4 as never);
});

describe.each([
  ['v4', OpenAIv4, AzureOpenAIv4],
  ['v6', OpenAIv6, AzureOpenAIv6],
])('openai %s, in-process edge cases', (version, OpenAI, AzureOpenAI) => {
  instrumentation.patchClass(OpenAI as never);
  let events: Array<Record<string, unknown>> = [];
  let reply: unknown;
  const client = new (OpenAI as typeof OpenAIv6)({
    apiKey: 'test',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: (async () => (reply === undefined ? sse(events) : json(reply))) as never,
  });

  async function drain(model: string): Promise<{ types: string[]; error?: string }> {
    const types: string[] = [];
    try {
      const stream = await client.responses.create({ model, input: 'hi', stream: true });
      for await (const e of stream) types.push(e.type);
      return { types };
    } catch (e) {
      return { types, error: (e as Error).constructor.name };
    }
  }

  it('response.failed ends the span with an error and the response error code', async () => {
    events = [
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      {
        type: 'response.failed',
        sequence_number: 1,
        response: response('failed', { error: { code: 'server_error', message: 'boom' } }),
      },
    ];
    const model = `m-failed-${version}`;
    expect(await drain(model)).toEqual({ types: ['response.created', 'response.failed'] });
    const span = spanOf(model);
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBe('server_error');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(2);
  });

  it('an error event ends the span with an error, whether or not the SDK throws it', async () => {
    events = [
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      { type: 'error', sequence_number: 1, code: 'rate_limit_exceeded', message: 'slow down', param: null },
    ];
    const model = `m-error-${version}`;
    const seen = await drain(model);
    // What the caller sees is the SDK's own behaviour (v4 throws the event, v5+ yield it).
    expect(seen).toEqual(
      version === 'v4'
        ? { types: ['response.created'], error: 'APIError' }
        : { types: ['response.created', 'error'] },
    );
    const span = spanOf(model);
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBe(version === 'v4' ? 'APIError' : 'rate_limit_exceeded');
  });

  it('a completed stream still ends without error', async () => {
    events = [
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      { type: 'response.completed', sequence_number: 1, response: response('completed') },
    ];
    const model = `m-ok-${version}`;
    expect(await drain(model)).toEqual({ types: ['response.created', 'response.completed'] });
    const span = spanOf(model);
    expect(span.status.code).toBe(0);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('a non-streaming failed response ends the span with an error', async () => {
    reply = response('failed', { error: { code: 'server_error', message: 'boom' } });
    try {
      const model = `m-failed-sync-${version}`;
      const r = await client.responses.create({ model, input: 'hi' });
      expect(r.status).toBe('failed');
      const span = spanOf(model);
      expect(span.status.code).toBe(ERROR);
      expect(span.attributes['error.type']).toBe('server_error');
    } finally {
      reply = undefined;
    }
  });

  it('asResponse() on the promise of a parse helper ends the span (raw body, unread by us)', async () => {
    const helpers = (
      typeof client.chat.completions.parse === 'function'
        ? client.chat.completions
        : (client as unknown as { beta: { chat: { completions: typeof client.chat.completions } } }).beta.chat
            .completions
    ) as typeof client.chat.completions;
    reply = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    };
    try {
      const chatModel = `m-parse-raw-${version}`;
      const raw = await helpers
        .parse({ model: chatModel, messages: [{ role: 'user', content: 'x' }] })
        .asResponse();
      expect(((await raw.json()) as { id: string }).id).toBe('chatcmpl-1');
      reply = response('completed');
      const responsesModel = `m-responses-parse-raw-${version}`;
      const raw2 = await client.responses.parse({ model: responsesModel, input: 'x' }).asResponse();
      expect(((await raw2.json()) as { id: string }).id).toBe('resp_1');
      await new Promise((r) => setTimeout(r, 20));
      for (const model of [chatModel, responsesModel]) {
        const span = spanOf(model);
        expect(span.status.code).toBe(0);
        expect(span.attributes['gen_ai.response.id']).toBeUndefined();
      }
    } finally {
      reply = undefined;
    }
  });

  it('does not ask Azure api-versions that reject stream_options for stream usage', async () => {
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-x',
      choices,
      ...extra,
    });
    const sent: Array<Record<string, unknown>> = [];
    const fetch = async (_url: unknown, init: { body: string }) => {
      const body = JSON.parse(init.body) as Record<string, unknown>;
      sent.push(body);
      const chunks = [chunk([{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }])];
      if (isUsageAsked(body))
        chunks.push(chunk([], { usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } }));
      const text = `${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`;
      return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    };
    const isUsageAsked = (body: Record<string, unknown>) =>
      (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    for (const [apiVersion, asked] of [
      ['2024-02-01', false],
      ['2024-06-01', false],
      ['2024-10-21', true],
      ['2025-04-01-preview', true],
    ] as const) {
      const azure = new (AzureOpenAI as typeof AzureOpenAIv6)({
        apiKey: 'test',
        endpoint: 'https://res.openai.azure.com',
        apiVersion,
        maxRetries: 0,
        fetch: fetch as never,
      });
      const model = `m-azure-${apiVersion}-${version}`;
      const stream = await azure.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      let n = 0;
      for await (const _c of stream) n++;
      expect(n, apiVersion).toBe(1);
      expect(isUsageAsked(sent[sent.length - 1]!), apiVersion).toBe(asked);
      const span = spanOf(model);
      expect(span.status.code).toBe(0);
      expect(span.attributes['gen_ai.provider.name']).toBe('azure.ai.openai');
      expect(span.attributes['gen_ai.usage.input_tokens']).toBe(asked ? 2 : undefined);
    }
  });
});
