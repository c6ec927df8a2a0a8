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
const INGEST = 'ingest-secret';
const API = 'api-secret';
const auth = { authorization: `Bearer ${API}` };

beforeAll(async () => {
  c = await startTestCollector({ receiver: { authToken: INGEST }, api: { authToken: API } });
});
afterAll(async () => {
  await c?.shutdown();
});

async function sql(query: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${c.url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { rows?: Record<string, unknown>[]; error?: string },
  };
}

describe('auth', () => {
  it('ingest needs the ingest token', async () => {
    const body = jsonRequest(1);
    expect((await post(`${c.url}/v1/traces`, body, { 'content-type': 'application/json' })).status).toBe(401);
    expect(
      (
        await post(`${c.url}/v1/traces`, body, {
          'content-type': 'application/json',
          authorization: 'Bearer nope',
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(`${c.url}/v1/traces`, body, {
          'content-type': 'application/json',
          authorization: `Bearer ${API}`,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(`${c.url}/v1/traces`, body, {
          'content-type': 'application/json',
          authorization: `Bearer ${INGEST}`,
        })
      ).status,
    ).toBe(200);
  });

  it('the real SDK exporter with the header gets through', async () => {
    const provider = tracerProvider(c.url, 'protobuf', 'authed', { authorization: `Bearer ${INGEST}` });
    const traceId = emitChatTrace(provider);
    await provider.shutdown();
    expect((await sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`)).body.rows).toEqual([
      { n: 2 },
    ]);
  });

  it('the API and /metrics need the API token', async () => {
    expect((await sql('SELECT 1', {})).status).toBe(401);
    expect((await sql('SELECT 1', { authorization: `Bearer ${INGEST}` })).status).toBe(401);
    expect((await fetch(`${c.url}/api/traces`)).status).toBe(401);
    expect((await fetch(`${c.url}/metrics`)).status).toBe(401);
    const m = await fetch(`${c.url}/metrics`, { headers: auth });
    expect(m.status).toBe(200);
    expect(await m.text()).toMatch(/genai_ops_spans_stored_total \d+/);
  });
});

describe('POST /api/sql is read-only', () => {
  it('runs a SELECT', async () => {
    const r = await sql('SELECT 40 + 2 AS answer');
    expect(r).toEqual({
      status: 200,
      body: { columns: ['answer'], rows: [{ answer: 42 }], truncated: false },
    });
  });

  it.each([
    'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
    'DESCRIBE spans',
    'SHOW TABLES',
    'EXPLAIN SELECT * FROM spans',
    '/* hi */ SELECT 1',
  ])('allows %s', async (q) => {
    expect((await sql(q)).status).toBe(200);
  });

  it.each([
    'DROP TABLE spans',
    'DELETE FROM spans',
    "INSERT INTO spans (trace_id, span_id) VALUES ('a', 'b')",
    "UPDATE spans SET name = 'x'",
    "COPY spans TO '/tmp/genai-ops-leak.csv'",
    "COPY (SELECT * FROM spans) TO '/tmp/genai-ops-leak.parquet'",
    "ATTACH '/tmp/genai-ops-other.duckdb' AS other",
    'INSTALL httpfs',
    'LOAD httpfs',
    'SELECT 1; DROP TABLE spans',
    'SELECT 1; SELECT 2',
    "SELECT * FROM read_csv('/etc/passwd')",
    "WITH x AS (SELECT 1) INSERT INTO enrichments VALUES ('a','b','c','d','{}', now())",
    'EXPLAIN ANALYZE DELETE FROM spans',
    'CREATE TABLE t AS SELECT 1',
    "SET memory_limit = '1GB'",
    'PRAGMA enable_profiling',
    'CHECKPOINT',
    "SELECT * FROM (SELECT 1); ATTACH ':memory:' AS x",
  ])('refuses %s', async (q) => {
    const r = await sql(q);
    expect([400, 403]).toContain(r.status);
    expect(r.body.error).toBeTruthy();
  });

  it('the data is intact after all that', async () => {
    const traceId = randomHex(16);
    await post(`${c.url}/v1/traces`, jsonRequest(2, { traceId }), {
      'content-type': 'application/json',
      authorization: `Bearer ${INGEST}`,
    });
    const r = await sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`);
    expect(r.body.rows).toEqual([{ n: 2 }]);
    expect(
      (await sql("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'spans'")).body.rows,
    ).toEqual([{ n: 1 }]);
  });
});

describe('traces endpoints', () => {
  it('lists recent traces with totals, filters by service, and returns a trace', async () => {
    const provider = tracerProvider(c.url, 'json', 'svc-list', { authorization: `Bearer ${INGEST}` });
    const t1 = emitChatTrace(provider, { model: 'gpt-4o' });
    const t2 = emitChatTrace(provider, { model: 'gpt-4o-mini', error: true });
    await provider.shutdown();
    const res = await fetch(`${c.url}/api/traces?service=svc-list&since=1h&limit=10`, { headers: auth });
    expect(res.status).toBe(200);
    const { traces } = (await res.json()) as { traces: Record<string, unknown>[] };
    expect(traces.map((t) => t.trace_id).sort()).toEqual([t1, t2].sort());
    const one = traces.find((t) => t.trace_id === t2) as Record<string, unknown>;
    expect(one).toMatchObject({
      service: 'svc-list',
      root_name: 'invoke_agent helper',
      span_count: 2,
      input_tokens: 1000,
      output_tokens: 200,
      errors: 1,
    });
    expect(one.models).toEqual(['gpt-4o-mini-2024-08-06']);
    expect(typeof one.duration_ms).toBe('number');
    const tr = await fetch(`${c.url}/api/traces/${t1}`, { headers: auth });
    const body = (await tr.json()) as { spans: Record<string, unknown>[] };
    expect(body.spans.map((s) => s.name).sort()).toEqual(['chat gpt-4o', 'invoke_agent helper']);
    expect((await fetch(`${c.url}/api/traces/${randomHex(16)}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${c.url}/api/traces/xyz`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${c.url}/api/traces?since=yesterday-ish`, { headers: auth })).status).toBe(400);
  });
});

describe('POST /api/sql time limit', () => {
  it.each([
    ['in the loader worker', true],
    ['on the main thread (storage.ingestLog: false)', false],
  ])(
    'interrupts a query running past api.queryTimeoutMs with a 503, and the next query runs (%s)',
    async (_where, ingestLog) => {
      const limited = await startTestCollector({ api: { queryTimeoutMs: 300 }, storage: { ingestLog } });
      try {
        const run = async (query: string) => {
          const res = await fetch(`${limited.url}/api/sql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query }),
          });
          return { status: res.status, body: (await res.json()) as { rows?: unknown[]; error?: string } };
        };
        const started = Date.now();
        // 10^12 rows: hours of work, interruptible at any time.
        const r = await run('SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b');
        expect(r).toEqual({
          status: 503,
          body: { error: 'the query ran longer than 300 ms and was interrupted' },
        });
        expect(Date.now() - started).toBeLessThan(15_000);
        // The reader connection is usable again, and its time limit applies afresh.
        expect(await run('SELECT 40 + 2 AS answer')).toMatchObject({
          status: 200,
          body: { rows: [{ answer: 42 }] },
        });
      } finally {
        await limited.shutdown();
      }
    },
  );
});
