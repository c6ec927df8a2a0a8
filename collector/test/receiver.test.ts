import { gzipSync } from 'node:zlib';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
} from '@genai-ops/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import {
  emitChatTrace,
  jsonRequest,
  post,
  randomHex,
  startTestCollector,
  tracerProvider,
} from './helpers.js';

let c: RunningCollector;

beforeAll(async () => {
  c = await startTestCollector({ receiver: { maxBodyBytes: 64 * 1024 } });
});
afterAll(async () => {
  await c?.shutdown();
});

async function spansOf(traceId: string) {
  return (await c.store.sql(`SELECT * FROM spans WHERE trace_id = '${traceId}' ORDER BY start_time`)).rows;
}

describe.each(['json', 'protobuf'] as const)('OTLP/HTTP %s from the real SDK exporter', (protocol) => {
  it('stores every span with its columns once acknowledged', async () => {
    const provider = tracerProvider(c.url, protocol, `svc-${protocol}`);
    const traceId = emitChatTrace(provider, { model: 'gpt-4o', error: true });
    await provider.forceFlush();
    await provider.shutdown();
    const rows = await spansOf(traceId);
    expect(rows).toHaveLength(2);
    const chat = rows.find((r) => r.operation_name === 'chat') as Record<string, unknown>;
    const agent = rows.find((r) => r.operation_name === 'invoke_agent') as Record<string, unknown>;
    expect(chat.parent_span_id).toBe(agent.span_id);
    expect(agent.parent_span_id).toBe('');
    expect({
      name: chat.name,
      kind: chat.kind,
      service_name: chat.service_name,
      provider_name: chat.provider_name,
      request_model: chat.request_model,
      response_model: chat.response_model,
      input_tokens: chat.input_tokens,
      output_tokens: chat.output_tokens,
      conversation_id: chat.conversation_id,
      status_code: chat.status_code,
      error_type: chat.error_type,
      counts_usage: chat.counts_usage,
      scope_name: chat.scope_name,
      scope_version: chat.scope_version,
    }).toEqual({
      name: 'chat gpt-4o',
      kind: 3,
      service_name: `svc-${protocol}`,
      provider_name: 'openai',
      request_model: 'gpt-4o',
      response_model: 'gpt-4o-2024-08-06',
      input_tokens: 1000,
      output_tokens: 200,
      conversation_id: 'conv-1',
      status_code: 2,
      error_type: 'RateLimitError',
      counts_usage: true,
      scope_name: 'test-scope',
      scope_version: '1.2.3',
    });
    expect(agent.counts_usage).not.toBe(true);
    expect(typeof chat.duration_ms).toBe('number');
    expect(String(chat.start_time)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(JSON.parse(String(chat.input_messages))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'hello' }] },
    ]);
    const attrs = JSON.parse(String(chat.attributes));
    expect(attrs[ATTR_GEN_AI_OPERATION_NAME]).toBe('chat');
    expect(attrs[ATTR_GEN_AI_REQUEST_MODEL]).toBe('gpt-4o');
    expect(attrs[ATTR_GEN_AI_USAGE_INPUT_TOKENS]).toBe(1000);
    expect(attrs[ATTR_GEN_AI_CONVERSATION_ID]).toBe('conv-1');
    expect(JSON.parse(String(chat.resource))['service.name']).toBe(`svc-${protocol}`);
    // gpt-4o is in the price table: the cost columns are filled (by the cost processor) and consistent.
    expect(chat.cost_usd).toBeGreaterThan(0);
    expect(chat.cost_usd).toBeCloseTo(Number(chat.cost_input_usd) + Number(chat.cost_output_usd), 10);
    expect(chat.price_version).toBeTruthy();
  });
});

describe('bad input gets a 4xx and never disturbs the next request', () => {
  const good = (): string => jsonRequest(2);
  const json = { 'content-type': 'application/json' };
  const proto = { 'content-type': 'application/x-protobuf' };

  it.each([
    ['malformed JSON', () => post(`${c.url}/v1/traces`, '{"resourceSpans": [', json), 400],
    ['JSON of the wrong shape', () => post(`${c.url}/v1/traces`, '{"resourceSpans": 5}', json), 400],
    [
      'truncated protobuf',
      () => post(`${c.url}/v1/traces`, Buffer.from([0x0a, 0xff, 0x01, 0x0a]), proto),
      400,
    ],
    ['wrong content type', () => post(`${c.url}/v1/traces`, good(), { 'content-type': 'text/plain' }), 415],
    [
      'oversized body',
      () => post(`${c.url}/v1/traces`, jsonRequest(1, { contentBytes: 100 * 1024 }), json),
      413,
    ],
    [
      'oversized after gunzip',
      () =>
        post(`${c.url}/v1/traces`, gzipSync(jsonRequest(1, { contentBytes: 200 * 1024 })), {
          ...json,
          'content-encoding': 'gzip',
        }),
      413,
    ],
    [
      'bad gzip',
      () =>
        post(`${c.url}/v1/traces`, Buffer.from('not gzip at all'), { ...json, 'content-encoding': 'gzip' }),
      400,
    ],
    [
      'unknown encoding',
      () => post(`${c.url}/v1/traces`, good(), { ...json, 'content-encoding': 'br' }),
      415,
    ],
  ] as const)('%s', async (_name, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    if (status === 400 && res.headers['content-type']?.includes('json')) {
      const body = JSON.parse(res.body.toString()) as { code: number; message: string };
      expect(body.code).toBe(3);
      expect(body.message.length).toBeGreaterThan(0);
    }
    const traceId = randomHex(16);
    const ok = await post(`${c.url}/v1/traces`, jsonRequest(3, { traceId }), json);
    expect(ok.status).toBe(200);
    expect(await spansOf(traceId)).toHaveLength(3);
  });

  it('accepts gzip and answers partial success for spans with invalid ids', async () => {
    const traceId = randomHex(16);
    const req = JSON.parse(jsonRequest(2, { traceId }));
    req.resourceSpans[0].scopeSpans[0].spans.push({ traceId: 'abc', spanId: '00', name: 'bad' });
    const res = await post(`${c.url}/v1/traces`, gzipSync(JSON.stringify(req)), {
      ...json,
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body.toString());
    expect(Number(body.partialSuccess.rejectedSpans)).toBe(1);
    expect(body.partialSuccess.errorMessage).toMatch(/invalid/);
    expect(await spansOf(traceId)).toHaveLength(2);
  });

  it('a retried export does not double count', async () => {
    const traceId = randomHex(16);
    const body = jsonRequest(4, { traceId });
    expect((await post(`${c.url}/v1/traces`, body, json)).status).toBe(200);
    expect((await post(`${c.url}/v1/traces`, body, json)).status).toBe(200);
    expect(await spansOf(traceId)).toHaveLength(4);
  });

  it('protobuf errors are google.rpc.Status in protobuf', async () => {
    const res = await post(`${c.url}/v1/traces`, Buffer.from([0x0a, 0x05, 0x01]), proto);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/x-protobuf/);
    expect(res.body.length).toBeGreaterThan(0);
  });

  it('/v1/metrics is accepted and ignored; unknown paths are 404', async () => {
    expect((await post(`${c.url}/v1/metrics`, '{}', json)).status).toBe(200);
    expect((await post(`${c.url}/v1/nothing`, '{}', json)).status).toBe(404);
  });
});

describe('logs', () => {
  it('stores OTLP log records (GenAI events)', async () => {
    const traceId = randomHex(16);
    const spanId = randomHex(8);
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'log-svc' } }] },
          scopeLogs: [
            {
              scope: { name: 'evals' },
              logRecords: [
                {
                  timeUnixNano: '1700000000000000000',
                  eventName: 'gen_ai.evaluation.result',
                  traceId,
                  spanId,
                  severityNumber: 9,
                  body: { stringValue: 'ok' },
                  attributes: [
                    { key: 'gen_ai.evaluation.name', value: { stringValue: 'Relevance' } },
                    { key: 'gen_ai.evaluation.score.value', value: { doubleValue: 0.75 } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(`${c.url}/v1/logs`, JSON.stringify(body), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    const rows = (await c.store.sql(`SELECT * FROM log_records WHERE trace_id = '${traceId}'`)).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      span_id: spanId,
      event_name: 'gen_ai.evaluation.result',
      service_name: 'log-svc',
      severity_number: 9,
    });
    expect(JSON.parse(String(rows[0]?.attributes))).toEqual({
      'gen_ai.evaluation.name': 'Relevance',
      'gen_ai.evaluation.score.value': 0.75,
    });
  });
});
