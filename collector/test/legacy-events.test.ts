import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import { post, randomHex, startTestCollector } from './helpers.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.shutdown();
});

const json = { 'content-type': 'application/json' };

it('folds ≤v1.36 per-message log events into the stored span and keeps the log records', async () => {
  const traceId = randomHex(16);
  const spanId = randomHex(8);
  const span = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy-app' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId,
                name: 'chat gpt-4o',
                kind: 3,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000001000000000',
                attributes: [
                  { key: 'gen_ai.system', value: { stringValue: 'openai' } },
                  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  expect((await post(`${c.url}/v1/traces`, JSON.stringify(span), json)).status).toBe(200);
  const log = (eventName: string, body: unknown, t: number) => ({
    timeUnixNano: String(1700000000000000000n + BigInt(t)),
    eventName,
    traceId,
    spanId,
    body: {
      kvlistValue: {
        values: Object.entries(body as object).map(([key, v]) => ({ key, value: anyValue(v) })),
      },
    },
    attributes: [{ key: 'gen_ai.system', value: { stringValue: 'openai' } }],
  });
  const logs = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy-app' } }] },
        scopeLogs: [
          {
            logRecords: [
              log('gen_ai.system.message', { content: 'Be brief.' }, 1),
              log('gen_ai.user.message', { content: 'Hi?' }, 2),
              log('gen_ai.choice', { index: 0, finish_reason: 'stop', message: { content: 'Hello.' } }, 3),
            ],
          },
        ],
      },
    ],
  };
  expect((await post(`${c.url}/v1/logs`, JSON.stringify(logs), json)).status).toBe(200);
  const row = (
    await c.store.sql(
      `SELECT system_instructions, input_messages, output_messages FROM spans WHERE span_id = '${spanId}'`,
    )
  ).rows[0] as Record<string, string>;
  expect(JSON.parse(row.system_instructions)).toEqual([{ type: 'text', content: 'Be brief.' }]);
  expect(JSON.parse(row.input_messages)).toEqual([
    { role: 'user', parts: [{ type: 'text', content: 'Hi?' }] },
  ]);
  expect(JSON.parse(row.output_messages)).toEqual([
    { role: 'assistant', parts: [{ type: 'text', content: 'Hello.' }], finish_reason: 'stop' },
  ]);
  expect(
    (await c.store.sql(`SELECT count(*) AS n FROM log_records WHERE span_id = '${spanId}'`)).rows,
  ).toEqual([{ n: 3 }]);
});

function anyValue(v: unknown): unknown {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { intValue: String(v) };
  return {
    kvlistValue: { values: Object.entries(v as object).map(([key, x]) => ({ key, value: anyValue(x) })) },
  };
}
