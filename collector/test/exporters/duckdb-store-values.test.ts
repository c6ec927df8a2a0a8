import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBStore, type SpanRecord } from '../../dist/index.js';
import { post, spanRecord, startTestCollector, tmpDir, waitFor } from '../helpers.js';

const stores: DuckDBStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.shutdown();
});

async function open(): Promise<DuckDBStore> {
  const s = new DuckDBStore({ path: path.join(tmpDir(), 'values.duckdb') });
  await s.start();
  stores.push(s);
  return s;
}

type LogRecord = Parameters<DuckDBStore['consumeLogs']>[0]['logs'][number];

/** A log record (an event) with `over` applied. */
function logRecord(over: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: '1700000000000000000',
    observedTimeUnixNano: '0',
    traceId: '',
    spanId: '',
    severityNumber: 9,
    severityText: '',
    eventName: 'e',
    body: null,
    attributes: {},
    resource: {},
    scopeName: '',
    scopeVersion: '',
    ...over,
  };
}

/** Values legal in OTLP (or accepted by the JSON decoder) that a DuckDB column cannot hold as they are. */
const AWKWARD: Array<[string, Partial<SpanRecord>, Record<string, unknown>]> = [
  [
    'int64 max token count (an intValue beyond 2^53 arrives as a string)',
    { attributes: { 'gen_ai.usage.input_tokens': '9223372036854775807', 'gen_ai.usage.output_tokens': 7 } },
    { input_tokens: null, output_tokens: 7 },
  ],
  [
    'a double token count of 1e20',
    { attributes: { 'gen_ai.usage.input_tokens': 1e20 } },
    { input_tokens: null },
  ],
  [
    'a fixed64 start time beyond int64 (2^64-1)',
    { startTimeUnixNano: '18446744073709551615' },
    { st: null, et: '1700000000987654321', duration_ms: null },
  ],
  [
    'a JSON end time beyond uint64',
    { endTimeUnixNano: '99999999999999999999999' },
    { st: '1700000000123456789', et: null, duration_ms: null },
  ],
  ['a JSON span kind beyond int32', { kind: 2 ** 31 }, { kind: null }],
  ['a fractional JSON status code', { statusCode: 1.5 }, { status_code: null }],
];

describe('DuckDBStore: awkward values never fail a batch', () => {
  it.each(AWKWARD)('%s: the batch is stored, the column is null', async (_what, over, expected) => {
    const s = await open();
    const odd = spanRecord({ spanId: '1111111111111111', ...over });
    const normal = spanRecord({ spanId: '2222222222222222' });
    await s.consumeTraces({ spans: [odd, normal] });
    const rows = (
      await s.sql(`SELECT span_id, kind, status_code, input_tokens, output_tokens, duration_ms,
        epoch_ns(start_time)::VARCHAR AS st, epoch_ns(end_time)::VARCHAR AS et, attributes
        FROM spans ORDER BY span_id`)
    ).rows;
    expect(rows.map((r) => r.span_id)).toEqual(['1111111111111111', '2222222222222222']);
    expect(rows[0]).toMatchObject(expected);
    // The attribute keeps the exact value.
    expect(JSON.parse(String(rows[0]?.attributes))).toEqual(odd.attributes);
  });

  it('log records with a time beyond int64 or a severity beyond int32 are stored', async () => {
    const s = await open();
    const log = logRecord({ timeUnixNano: '18446744073709551615', severityNumber: 2 ** 40 });
    await s.consumeLogs({ logs: [log, logRecord()] });
    expect(
      (await s.sql('SELECT time IS NULL AS t, severity_number AS n FROM log_records ORDER BY n NULLS FIRST'))
        .rows,
    ).toEqual([
      { t: true, n: null },
      { t: false, n: 9 },
    ]);
  });

  it('stores JSON that DuckDB can read back: lone surrogates (a truncated emoji) become U+FFFD', async () => {
    const s = await open();
    const cut = '👋'.slice(0, 1); // what an SDK's attribute length limit leaves of an emoji
    const span = spanRecord({
      attributes: {
        'gen_ai.operation.name': 'chat',
        note: `hi ${cut}`,
        low: '\udc00 x',
        pair: 'ok 👋',
        escaped: '\\ud800 is text',
        // A message attribute that is JSON text already, with a lone surrogate escape in it.
        'gen_ai.input.messages': String.raw`[{"role":"user","parts":[{"type":"text","content":"a\uD83D"}]}]`,
      },
      resource: { 'service.name': 'svc', host: `h${cut}` },
      events: [{ name: 'e', timeUnixNano: '1', attributes: { x: cut } }],
      enrichment: { guardrails: [{ name: 'input', text: cut }] },
    });
    await s.consumeTraces({ spans: [span] });
    await s.consumeLogs({
      logs: [
        logRecord({
          traceId: span.traceId,
          spanId: span.spanId,
          body: { text: cut },
          attributes: { x: cut },
          resource: { y: cut },
        }),
      ],
    });
    const r = (
      await s.sql(`SELECT attributes->>'$.note' AS note, attributes->>'$.low' AS low,
        attributes->>'$.pair' AS pair, attributes->>'$.escaped' AS escaped,
        input_messages->>'$[0].parts[0].content' AS content, resource->>'$.host' AS host,
        events->>'$[0].attributes.x' AS ev FROM spans`)
    ).rows;
    expect(r).toEqual([
      {
        note: 'hi \ufffd',
        low: '\ufffd x',
        pair: 'ok 👋',
        escaped: '\\ud800 is text',
        content: 'a\ufffd',
        host: 'h\ufffd',
        ev: '\ufffd',
      },
    ]);
    expect((await s.sql("SELECT value->>'$.text' AS t FROM enrichments")).rows).toEqual([{ t: '\ufffd' }]);
    expect(
      (
        await s.sql(
          "SELECT body->>'$.text' AS b, attributes->>'$.x' AS a, resource->>'$.y' AS r FROM log_records",
        )
      ).rows,
    ).toEqual([{ b: '\ufffd', a: '\ufffd', r: '\ufffd' }]);
  });
});

describe('collector: an acknowledged span with awkward values does not stall storage', () => {
  it('int64 token counts and a uint64 start time over OTLP/JSON: that span and the next are stored', {
    timeout: 60_000,
  }, async () => {
    const c = await startTestCollector();
    try {
      const now = BigInt(Date.now()) * 1_000_000n;
      const body = (traceId: string, span: Record<string, unknown>) =>
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'awkward' } }] },
              scopeSpans: [
                {
                  scope: { name: 'raw' },
                  spans: [
                    {
                      traceId,
                      spanId: '1111111111111111',
                      name: 'chat m',
                      kind: 3,
                      startTimeUnixNano: String(now),
                      endTimeUnixNano: String(now + 1000n),
                      status: {},
                      ...span,
                    },
                  ],
                },
              ],
            },
          ],
        });
      const json = { 'content-type': 'application/json' };
      const [a, b, good] = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
      const tokens = [
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '9223372036854775807' } },
      ];
      for (const [id, span] of [
        [a, { attributes: tokens }],
        [b, { startTimeUnixNano: '18446744073709551615' }],
        [good, {}],
      ] as const) {
        expect((await post(`${c.url}/v1/traces`, body(id, span), json)).status).toBe(200);
      }
      const stored = await waitFor(async () => {
        const r = await post(
          `${c.url}/api/sql`,
          JSON.stringify({ query: 'SELECT trace_id, input_tokens FROM spans ORDER BY trace_id' }),
          json,
        );
        const rows = JSON.parse(r.body.toString()).rows as unknown[];
        return rows?.length === 3 ? rows : undefined;
      }, 20_000);
      expect(stored).toEqual([
        { trace_id: a, input_tokens: null },
        { trace_id: b, input_tokens: null },
        { trace_id: good, input_tokens: null },
      ]);
    } finally {
      await c.shutdown();
    }
  });
});

describe('DuckDBStore: a group holding a retried span commits whole or not at all', () => {
  it('a failure after its spans are merged leaves neither them nor its sequence number stored', async () => {
    const s = await open();
    const stored = spanRecord({ spanId: '1111111111111111' });
    await s.consumeIngest([stored], [], 1);
    const log = logRecord();
    // A record the appender refuses (no decoder makes one): it stands for any failure after the
    // spans of the slow path (a retried span in the group) are merged, e.g. a crash.
    const refused = { ...log, eventName: undefined as unknown as string };
    const fresh = spanRecord({ spanId: '2222222222222222' });
    await expect(s.consumeIngest([stored, fresh], [log, refused], 2)).rejects.toThrow();
    expect((await s.sql('SELECT span_id FROM spans ORDER BY span_id')).rows).toEqual([
      { span_id: '1111111111111111' },
    ]);
    expect((await s.sql('SELECT count(*) AS n FROM log_records')).rows).toEqual([{ n: 0 }]);
    expect(await s.loadedSeq()).toBe(1);
    // The replay of the group stores it once.
    await s.consumeIngest([stored, fresh], [log], 2);
    await s.consumeIngest([stored, fresh], [log], 2);
    expect((await s.sql('SELECT count(*) AS n FROM spans')).rows).toEqual([{ n: 2 }]);
    expect(await s.loadedSeq()).toBe(2);
  });
});
