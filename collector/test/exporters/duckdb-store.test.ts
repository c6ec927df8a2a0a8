import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBStore, type LogRecordRecord, type SpanRecord } from '../../dist/index.js';
import { randomHex, tmpDir } from '../helpers.js';

const stores: DuckDBStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.shutdown();
});

async function open(file = path.join(tmpDir(), 'db.duckdb')): Promise<DuckDBStore> {
  const s = new DuckDBStore({ path: file });
  await s.start();
  stores.push(s);
  return s;
}

function spans(n: number, traceId = randomHex(16)): SpanRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: randomHex(8),
    parentSpanId: '',
    name: `s${i}`,
    kind: 1,
    startTimeUnixNano: '1700000000000000001',
    endTimeUnixNano: '1700000000250000001',
    statusCode: 0,
    statusMessage: '',
    attributes: { 'gen_ai.input.messages': '[{"role":"user","parts":[]}]', other: 1 },
    events: [],
    links: [],
    resource: { 'service.name': 'unit' },
    scopeName: '',
    scopeVersion: '',
    enrichment: {},
  }));
}

async function count(s: DuckDBStore, where = 'true'): Promise<number> {
  return Number((await s.sql(`SELECT count(*) AS n FROM spans WHERE ${where}`)).rows[0]?.n);
}

describe('DuckDBStore', () => {
  it('records migrations once and keeps data across restarts', async () => {
    const file = path.join(tmpDir(), 'db.duckdb');
    const s1 = new DuckDBStore({ path: file });
    await s1.start();
    await s1.consumeTraces({ spans: spans(3) });
    await s1.shutdown();
    await s1.shutdown(); // safe twice
    const s2 = await open(file);
    expect(await count(s2)).toBe(3);
    expect((await s2.sql('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
    ]);
  });

  it('checkpoints once the WAL passes checkpointThresholdMb, keeping every row exactly once', async () => {
    const file = path.join(tmpDir(), 'ckpt.duckdb');
    const s1 = new DuckDBStore({ path: file, checkpointThresholdMb: 1 });
    await s1.start();
    const big = (n: number): SpanRecord[] =>
      spans(n).map((x) => ({
        ...x,
        attributes: {
          ...x.attributes,
          'gen_ai.output.messages': JSON.stringify([{ content: randomHex(2000) }]),
        },
      }));
    const first = big(200);
    await s1.consumeTraces({ spans: first }); // ~0.8 MB of WAL
    const wal = `${file}.wal`;
    const before = fs.statSync(wal).size;
    expect(before).toBeGreaterThan(500_000);
    // Crosses 1 MiB: the checkpoint is queued behind this commit; writes and a retry keep flowing.
    await Promise.all([s1.consumeTraces({ spans: big(200) }), s1.consumeTraces({ spans: first })]);
    await Promise.all([
      s1.consumeTraces({ spans: big(50) }),
      s1.consumeTraces({ spans: first.slice(0, 10) }),
    ]);
    let size = fs.statSync(wal).size;
    for (let i = 0; i < 100 && size >= before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      size = fs.existsSync(wal) ? fs.statSync(wal).size : 0;
    }
    expect(size).toBeLessThan(before);
    expect(await count(s1)).toBe(450);
    await s1.shutdown();
    const s2 = await open(file);
    expect(await count(s2)).toBe(450);
  });

  it('writes row groups of rowGroupSize rows, spills next to the file; file access stays off for queries', async () => {
    const file = path.join(tmpDir(), 'rowgroups.duckdb');
    const s1 = new DuckDBStore({ path: file, rowGroupSize: 2048 });
    await s1.start();
    await s1.consumeTraces({ spans: spans(5000) });
    await s1.shutdown(); // the final checkpoint writes the row groups
    const s2 = await open(file);
    const groups = (
      await s2.sql(
        "SELECT count(DISTINCT row_group_id) AS n, max(row_group_id) AS last FROM pragma_storage_info('spans')",
      )
    ).rows[0];
    // 5,000 rows in groups of 2,048 (DuckDB's default, 122,880, would give one).
    expect(Number(groups?.n)).toBe(3);
    expect(await count(s2)).toBe(5000);
    // Spills go next to the file, as when DuckDB opens it itself.
    expect((await s2.sql("SELECT current_setting('temp_directory') AS t")).rows).toEqual([
      { t: `${path.resolve(file)}.tmp` },
    ]);
    // The database is attached before file access is switched off (DuckDB keeps its own files allowed).
    for (const q of ["SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_blob('/etc/hostname')"]) {
      await expect(s2.sql(q)).rejects.toThrow(/file system operations are disabled/);
    }
  });

  it('shutdown before start is safe', async () => {
    await new DuckDBStore({ path: path.join(tmpDir(), 'x.duckdb') }).shutdown();
  });

  it('dedupes retried batches, also concurrent with new ones', async () => {
    const s = await open();
    const a = spans(50);
    const b = spans(50);
    await s.consumeTraces({ spans: a });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled([
        s.consumeTraces({ spans: a }),
        s.consumeTraces({ spans: b }),
        s.consumeTraces({ spans: a }),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
    }
    expect(await count(s)).toBe(100);
  });

  it('stores a non-JSON message attribute as a JSON string, and timestamps to the nanosecond', async () => {
    const s = await open();
    const [sp] = spans(1);
    (sp as SpanRecord).attributes['gen_ai.input.messages'] = '[not json';
    await s.consumeTraces({ spans: [sp as SpanRecord] });
    const rows = (
      await s.sql(
        `SELECT input_messages::VARCHAR AS m, epoch_ns(start_time)::VARCHAR AS ns, duration_ms, attributes FROM spans`,
      )
    ).rows;
    expect(rows).toEqual([
      { m: '"[not json"', ns: '1700000000000000001', duration_ms: 250, attributes: '{"other":1}' },
    ]);
  });

  it('writes other enrichment keys as enrichments rows, never rewriting', async () => {
    const s = await open();
    const [sp] = spans(1);
    (sp as SpanRecord).enrichment = { guardrails: [{ name: 'pii', verdict: 'flag' }] };
    await s.consumeTraces({ spans: [sp as SpanRecord] });
    await s.addEnrichments([
      {
        traceId: sp?.traceId as string,
        spanId: sp?.spanId as string,
        kind: 'guardrails',
        name: 'pii',
        value: '{"verdict":"other"}',
      },
    ]);
    const rows = (await s.sql('SELECT kind, name, value FROM enrichments')).rows;
    expect(rows).toEqual([{ kind: 'guardrails', name: 'pii', value: '{"name":"pii","verdict":"flag"}' }]);
  });

  it('stores every enrichment row of a large batch in one go; the first row of a key wins', async () => {
    const s = await open();
    const batch = spans(300).map((x) => ({
      ...x,
      enrichment: {
        guardrails: [
          { name: 'input', verdict: 'pass' },
          { name: 'output', verdict: 'flag' },
          { name: 'input', verdict: 'later duplicate' },
        ],
      },
    }));
    await s.consumeTraces({ spans: batch });
    await s.consumeTraces({ spans: batch }); // retried export: no new rows, no rewrite
    const rows = (
      await s.sql(
        "SELECT name, value->>'verdict' AS verdict, count(*) AS n FROM enrichments GROUP BY ALL ORDER BY name",
      )
    ).rows;
    expect(rows).toEqual([
      { name: 'input', verdict: 'pass', n: 300 },
      { name: 'output', verdict: 'flag', n: 300 },
    ]);
  });

  it('refuses writes after shutdown with a retryable error', async () => {
    const s = new DuckDBStore({ path: path.join(tmpDir(), 'y.duckdb') });
    await s.start();
    await s.shutdown();
    await expect(s.consumeTraces({ spans: spans(1) })).rejects.toMatchObject({
      name: 'PipelineError',
      retryable: true,
    });
  });
});

describe('retention (retentionDays)', () => {
  const DAY = 86_400_000;
  const nanos = (ms: number): string => `${BigInt(ms) * 1_000_000n}`;
  /** One span of `traceId` that started `daysAgo` days before `now`, with a guardrails enrichment. */
  function spanAt(traceId: string, now: number, daysAgo: number): SpanRecord {
    const [sp] = spans(1, traceId) as [SpanRecord];
    sp.startTimeUnixNano = nanos(now - daysAgo * DAY);
    sp.endTimeUnixNano = nanos(now - daysAgo * DAY + 1000);
    sp.enrichment = { guardrails: [{ name: 'pii', verdict: 'pass' }] };
    return sp;
  }
  function logAt(now: number, daysAgo: number, eventName: string): LogRecordRecord {
    return {
      timeUnixNano: nanos(now - daysAgo * DAY),
      observedTimeUnixNano: nanos(now - daysAgo * DAY),
      traceId: '',
      spanId: '',
      severityNumber: 9,
      severityText: 'INFO',
      eventName,
      body: 'x',
      attributes: {},
      resource: { 'service.name': 'unit' },
      scopeName: '',
      scopeVersion: '',
    };
  }

  it('deletes whole traces whose latest span is older, with their enrichments, and older log records', async () => {
    const now = Date.now();
    const [old, straddling, fresh] = [randomHex(16), randomHex(16), randomHex(16)];
    const s = new DuckDBStore({ path: path.join(tmpDir(), 'r.duckdb'), retentionDays: 7 });
    await s.start();
    stores.push(s);
    await s.consumeTraces({
      spans: [
        spanAt(old, now, 10),
        spanAt(old, now, 9),
        spanAt(straddling, now, 10),
        spanAt(straddling, now, 1),
        spanAt(fresh, now, 0),
      ],
    });
    await s.consumeLogs({ logs: [logAt(now, 8, 'old'), logAt(now, 2, 'recent')] });
    expect(await s.prune(now)).toEqual({ spans: 2, enrichments: 2, logRecords: 1 });
    const traces = (await s.sql('SELECT trace_id, count(*) AS n FROM spans GROUP BY ALL ORDER BY n')).rows;
    // The trace that straddles the cutoff is kept whole.
    expect(traces).toEqual([
      { trace_id: fresh, n: 1 },
      { trace_id: straddling, n: 2 },
    ]);
    expect(await s.sql('SELECT DISTINCT trace_id FROM enrichments ORDER BY ALL')).toMatchObject({
      rows: [fresh, straddling].sort().map((trace_id) => ({ trace_id })),
    });
    expect((await s.sql('SELECT event_name FROM log_records')).rows).toEqual([{ event_name: 'recent' }]);
    // Nothing more to delete; a day later the straddling trace is still within 7 days of its latest span.
    expect(await s.prune(now + DAY)).toEqual({ spans: 0, enrichments: 0, logRecords: 0 });
  });

  it('prunes at start, and not at all without retentionDays', async () => {
    const file = path.join(tmpDir(), 'r.duckdb');
    const now = Date.now();
    const keep = new DuckDBStore({ path: file });
    await keep.start();
    await keep.consumeTraces({ spans: [spanAt(randomHex(16), now, 30)] });
    expect(await keep.prune(now)).toEqual({ spans: 0, enrichments: 0, logRecords: 0 });
    expect(await count(keep)).toBe(1);
    await keep.shutdown();
    const pruning = new DuckDBStore({ path: file, retentionDays: 7 });
    await pruning.start();
    stores.push(pruning);
    await expect.poll(() => count(pruning)).toBe(0);
  });
});
