/**
 * An ingest-log entry DuckDB can never store (a data error) must not stall every later one: after
 * repeated permanent failures the loader isolates the group, quarantines the entry that fails alone
 * (durably, in `<dataDir>/quarantine`) and goes on; transient failures are retried, never quarantined.
 *
 * The unstorable span is made with the store's `faults` test hook (an error thrown inside the real
 * write transaction, after the rows are appended): the values DuckDB used to refuse are now stored
 * as NULL, so no request a client can send makes a genuine DuckDB data error any more. The
 * classification itself is tested on errors DuckDB and its appender really raise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type DuckDBAppender, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import type { CollectorConfigInput, RunningCollector, StartCollectorOptions } from '../dist/index.js';
import {
  CollectorMetrics,
  DuckDBStore,
  IngestLog,
  Pipeline,
  PipelineError,
  startCollector,
} from '../dist/index.js';
import { isPermanentLoadError, markLoadError } from '../dist/load-errors.js';
import type { QuarantinedEntry } from '../dist/quarantine.js';
import { Downstream } from './downstream.js';
import { jsonRequest, post, randomHex, spanRecord, tmpDir, waitFor } from './helpers.js';

const CONVERSION = "Conversion Error: Could not convert string 'x' to INT32";
const IO = 'IO Error: Could not write file "genai-ops.duckdb.wal": No space left on device';
const json = { 'content-type': 'application/json' };

const running: Array<{ shutdown(): Promise<void> }> = [];
afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.shutdown().catch(() => undefined);
});

async function start(
  dataDir: string,
  overrides: CollectorConfigInput = {},
  opts: StartCollectorOptions = {},
): Promise<RunningCollector> {
  const c = await startCollector(
    {
      dataDir,
      ...overrides,
      receiver: { host: '127.0.0.1', port: 0 },
      storage: { path: path.join(dataDir, 'test.duckdb'), ...(overrides.storage ?? {}) },
    },
    { env: {}, lockFile: false, ...opts },
  );
  running.push(c);
  return c;
}

/** An OTLP/JSON request of 2 spans in a new trace; the first span named `name` when given. */
function request(name?: string): { traceId: string; body: string } {
  const traceId = randomHex(16);
  const req = JSON.parse(jsonRequest(2, { traceId }));
  if (name) req.resourceSpans[0].scopeSpans[0].spans[0].name = name;
  return { traceId, body: JSON.stringify(req) };
}

async function stored(c: RunningCollector, traceId: string): Promise<number> {
  const rows = (await c.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`)).rows;
  return Number(rows[0]?.n);
}

function quarantined(dataDir: string): QuarantinedEntry[] {
  const dir = path.join(dataDir, 'quarantine');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => {
      expect(f).toMatch(/^\d+-\d+\.json$/);
      return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as QuarantinedEntry;
    });
}

async function metricsText(c: RunningCollector): Promise<string> {
  return (await fetch(`${c.apiUrl}/metrics`)).text();
}

describe('isPermanentLoadError', () => {
  it('classifies errors DuckDB and its appender really raise', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const fail = async (fn: () => unknown): Promise<unknown> => {
      try {
        await fn();
      } catch (err) {
        return err;
      }
      throw new Error('expected a failure');
    };
    try {
      await c.run('CREATE TABLE t(a INTEGER PRIMARY KEY, b BIGINT, v VARCHAR, j JSON)');
      await c.run('INSERT INTO t VALUES (1, 1, NULL, NULL)');
      const data = [
        await fail(() => c.run("SELECT 'abc'::INTEGER")),
        await fail(() => c.run('SELECT 300::TINYINT')),
        await fail(() => c.run('INSERT INTO t VALUES (1, 1, NULL, NULL)')),
        await fail(() => c.run("INSERT INTO t VALUES (2, 1, NULL, '{bad')")),
        await fail(() => c.run('SELECT 9223372036854775807::BIGINT + 1')),
        await fail(() => c.run("SELECT error('boom')")),
      ];
      expect((data as Error[]).map((e) => e.message.split(':')[0])).toEqual([
        'Conversion Error',
        'Conversion Error',
        'Constraint Error',
        'Conversion Error',
        'Out of Range Error',
        'Invalid Input Error',
      ]);
      const appender = async (fn: (a: DuckDBAppender) => void): Promise<unknown> => {
        const a = await c.createAppender('t');
        try {
          return await fail(() => fn(a));
        } finally {
          try {
            a.clear();
            a.closeSync();
          } catch {}
        }
      };
      data.push(
        await appender((a) => a.appendInteger(1.5)),
        await appender((a) => a.appendInteger(2 ** 40)),
        await appender((a) => {
          a.appendInteger(3);
          a.appendBigInt(2n ** 70n);
        }),
        await appender((a) => {
          a.appendInteger(3);
          a.appendNull();
          a.appendVarchar(5 as unknown as string);
        }),
        await fail(() => BigInt(1.5)),
      );
      for (const err of data) {
        expect(isPermanentLoadError(err), String(err)).toBe(true);
        // As the store reports it (wrapped, the original as its cause) and as a worker passes it on.
        const wrapped = new PipelineError(`storage write failed: ${(err as Error).message}`, true, 1);
        wrapped.cause = err;
        expect(isPermanentLoadError(wrapped), String(err)).toBe(true);
      }
      // Not about the data: a missing table (our bug), a rolled-back transaction, a closed connection.
      const other = [
        await fail(() => c.run('SELECT * FROM nonexistent')),
        await fail(() => c.run('COMMIT')),
        await fail(() => c.run('SELEC 1')),
      ];
      for (const err of other) expect(isPermanentLoadError(err), String(err)).toBe(false);
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });

  it('treats IO, memory, worker and unknown failures as transient', () => {
    for (const m of [
      IO,
      'Out of Memory Error: failed to allocate data of size 16.0 MiB (512.0 MiB/512.0 MiB used)',
      'FATAL Error: Failed: database has been invalidated because of a previous fatal error',
      'TransactionContext Error: Catalog write-write conflict',
      'Connection Error: Connection already closed!',
      'an earlier group failed to commit',
      'loader worker exited (1)',
      'discarded',
      'storage is not running',
      'something else',
      // IO wins over a data error named in the same message.
      `IO Error: while handling ${CONVERSION}`,
    ]) {
      expect(isPermanentLoadError(new Error(m)), m).toBe(false);
      expect(isPermanentLoadError(new Error(`storage write failed: ${m}`)), m).toBe(false);
    }
    expect(isPermanentLoadError(undefined)).toBe(false);
    expect(isPermanentLoadError('Conversion Error: x')).toBe(true);
    expect(isPermanentLoadError(new Error(`storage write failed: ${CONVERSION}`))).toBe(true);
    expect(isPermanentLoadError(new TypeError('Cannot read properties of undefined'))).toBe(true);
    // A classification made on another thread wins (a forwarder's TypeError is never a data error).
    expect(isPermanentLoadError(markLoadError(new TypeError('x'), false))).toBe(false);
    expect(isPermanentLoadError(markLoadError(new Error('x'), true))).toBe(true);
  });
});

describe.each([
  ['loader worker', false],
  ['loader worker + processing worker', true],
])('quarantine of unstorable ingest-log entries (%s)', (_mode, processWorker) => {
  it('isolates a failing group, quarantines the bad entry, loads the rest; a transient failure is retried', async () => {
    const dataDir = tmpDir();
    const storage = { processWorker };
    // Three requests acknowledged and left in the log: on the next start they replay as one group.
    const held = await start(dataDir, { storage }, { holdLoader: true });
    const a = request();
    const bad = request('poison');
    const c = request();
    for (const r of [a, bad, c]) expect((await post(`${held.url}/v1/traces`, r.body, json)).status).toBe(200);
    await held.shutdown();

    const col = await start(
      dataDir,
      { storage },
      {
        storeFaults: [
          { spanName: 'poison', error: CONVERSION },
          { spanName: 'flaky', error: IO, times: 2 },
        ],
      },
    );
    await waitFor(async () => (await stored(col, c.traceId)) === 2);
    expect(await stored(col, a.traceId)).toBe(2);
    expect(await stored(col, bad.traceId)).toBe(0);
    const q = quarantined(dataDir);
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({ kind: 'traces', encoding: 'json', records: 2 });
    expect(q[0]?.error).toContain(CONVERSION);
    expect(q[0]?.seq).toBeGreaterThan(0);
    expect(Buffer.from(q[0]?.body ?? '', 'base64').toString('utf8')).toBe(bad.body);
    const text = await metricsText(col);
    expect(text).toContain('genai_ops_quarantined_records_total{kind="traces"} 2');
    expect(text).toMatch(/genai_ops_errors_total\{component="loader"\} [1-9]/);

    // A transient failure (twice) is retried, never quarantined.
    const flaky = request('flaky');
    expect((await post(`${col.url}/v1/traces`, flaky.body, json)).status).toBe(200);
    await waitFor(async () => (await stored(col, flaky.traceId)) === 2);
    expect(quarantined(dataDir)).toHaveLength(1);

    // A live poisoned request: the ones after it are stored.
    const bad2 = request('poison');
    const after = request();
    expect((await post(`${col.url}/v1/traces`, bad2.body, json)).status).toBe(200);
    expect((await post(`${col.url}/v1/traces`, after.body, json)).status).toBe(200);
    await waitFor(async () => (await stored(col, after.traceId)) === 2);
    expect(await stored(col, bad2.traceId)).toBe(0);
    expect(quarantined(dataDir).map((e) => Buffer.from(e.body, 'base64').toString())).toEqual([
      bad.body,
      bad2.body,
    ]);
    expect(await metricsText(col)).toContain('genai_ops_quarantined_records_total{kind="traces"} 4');
    await col.shutdown();

    // The quarantined entries' positions were committed: a restart (without the fault) replays
    // neither of them, and stores nothing twice.
    const again = await start(dataDir, { storage });
    for (const r of [a, c, flaky, after]) expect(await stored(again, r.traceId)).toBe(2);
    for (const r of [bad, bad2]) expect(await stored(again, r.traceId)).toBe(0);
    expect(quarantined(dataDir)).toHaveLength(2);
    await again.shutdown();
  });
});

describe('bounded quarantine directory', () => {
  it('keeps the newest files under storage.quarantineMaxBytes and counts what it deletes', async () => {
    const dataDir = tmpDir();
    const dir = path.join(dataDir, 'quarantine');
    const bad1 = request('poison');
    const bad2 = request('poison');
    // Room for one quarantine file of these requests (the body in base64 plus the fields), not two.
    const oneFile = Math.ceil(Buffer.byteLength(bad1.body) * 1.34) + 600;
    const col = await start(
      dataDir,
      { storage: { quarantineMaxBytes: oneFile } },
      { storeFaults: [{ spanName: 'poison', error: CONVERSION }] },
    );
    expect(await metricsText(col)).toContain('genai_ops_quarantine_bytes 0');
    expect((await post(`${col.url}/v1/traces`, bad1.body, json)).status).toBe(200);
    await waitFor(() => quarantined(dataDir).length === 1);
    const ok = request();
    expect((await post(`${col.url}/v1/traces`, bad2.body, json)).status).toBe(200);
    expect((await post(`${col.url}/v1/traces`, ok.body, json)).status).toBe(200);
    await waitFor(async () => (await stored(col, ok.traceId)) === 2);
    // The second one took the first one's place.
    const q = quarantined(dataDir);
    expect(q.map((e) => Buffer.from(e.body, 'base64').toString())).toEqual([bad2.body]);
    const files = fs.readdirSync(dir);
    const bytes = fs.statSync(path.join(dir, files[0] as string)).size;
    const text = await metricsText(col);
    expect(text).toContain('genai_ops_quarantined_records_total{kind="traces"} 4');
    expect(text).toContain('genai_ops_quarantine_dropped_records_total{kind="traces",reason="size_limit"} 2');
    expect(text).toContain(`genai_ops_quarantine_bytes ${bytes}`);
    await col.shutdown();

    // After a restart the file left counts toward the bound from the start.
    const again = await start(dataDir, { storage: { quarantineMaxBytes: oneFile } });
    expect(await metricsText(again)).toContain(`genai_ops_quarantine_bytes ${bytes}`);
    await again.shutdown();
  });

  it('drops an unstorable entry larger than the bound, counts it, and stores the ones after it', async () => {
    const dataDir = tmpDir();
    const col = await start(
      dataDir,
      { storage: { quarantineMaxBytes: 100 } },
      { storeFaults: [{ spanName: 'poison', error: CONVERSION }] },
    );
    const bad = request('poison');
    const ok = request();
    expect((await post(`${col.url}/v1/traces`, bad.body, json)).status).toBe(200);
    expect((await post(`${col.url}/v1/traces`, ok.body, json)).status).toBe(200);
    await waitFor(async () => (await stored(col, ok.traceId)) === 2);
    expect(quarantined(dataDir)).toEqual([]);
    const text = await metricsText(col);
    expect(text).toContain('genai_ops_quarantine_dropped_records_total{kind="traces",reason="too_large"} 2');
    expect(text).not.toMatch(/genai_ops_quarantined_records_total\{kind="traces"\} [1-9]/);
    await col.shutdown();
  });
});

describe('quarantine with a forwarder', () => {
  it('forwards every entry once, the quarantined one included, whatever the retries', async () => {
    const down = new Downstream();
    await down.start();
    running.push({ shutdown: () => down.stop() });
    const dataDir = tmpDir();
    const forward = { endpoints: [{ url: down.url }], initialBackoffMs: 20, maxBackoffMs: 200 };
    const held = await start(dataDir, { forward }, { holdLoader: true });
    const reqs = [request(), request('poison'), request()];
    for (const r of reqs) expect((await post(`${held.url}/v1/traces`, r.body, json)).status).toBe(200);
    await held.shutdown();
    const col = await start(
      dataDir,
      { forward },
      { storeFaults: [{ spanName: 'poison', error: CONVERSION }] },
    );
    await waitFor(async () => (await stored(col, reqs[2]?.traceId ?? '')) === 2);
    expect(quarantined(dataDir)).toHaveLength(1);
    await waitFor(() => down.spanIds.length >= 6);
    // The group was committed three times and isolated: each entry still reached the forwarder once.
    await new Promise((r) => setTimeout(r, 300));
    expect(down.spanIds).toHaveLength(6);
    expect(new Set(down.spanIds).size).toBe(6);
    await col.shutdown();
  });
});

describe('quarantine in the local loader (no worker: CLI backlog loading)', () => {
  it('quarantines the entry DuckDB refuses and stores the others', async () => {
    const dir = tmpDir();
    const dbPath = path.join(dir, 'local.duckdb');
    const logDir = `${dbPath}.ingest`;
    const quarantineDir = path.join(dir, 'quarantine');
    const good1 = [spanRecord({ traceId: randomHex(16), spanId: randomHex(8) })];
    const bad = [spanRecord({ traceId: randomHex(16), spanId: randomHex(8), name: 'poison' })];
    const flaky = [spanRecord({ traceId: randomHex(16), spanId: randomHex(8), name: 'flaky' })];
    const good2 = [spanRecord({ traceId: randomHex(16), spanId: randomHex(8) })];

    // Logged without loading, so the next start replays the four entries as one group.
    const store0 = new DuckDBStore({ path: dbPath });
    await store0.start();
    const held = new Pipeline({
      processors: [],
      exporters: [store0],
      maxInFlightSpans: 1000,
      ingestLog: new IngestLog({ dir: logDir }),
      store: store0,
      holdLoader: true,
    });
    await held.start();
    for (const spans of [good1, bad, flaky, good2]) await held.consumeTraces({ spans });
    await held.shutdown();
    await store0.shutdown();

    const store = new DuckDBStore({
      path: dbPath,
      faults: [
        { spanName: 'poison', error: CONVERSION },
        { spanName: 'flaky', error: IO, times: 2 },
      ],
    });
    await store.start();
    const metrics = new CollectorMetrics();
    const pipeline = new Pipeline({
      processors: [],
      exporters: [store],
      maxInFlightSpans: 1000,
      metrics,
      ingestLog: new IngestLog({ dir: logDir }),
      store,
      quarantineDir,
    });
    try {
      await pipeline.start();
      await waitFor(() => pipeline.backlogSpans === 0);
      const count = async (spans: typeof good1): Promise<number> =>
        Number(
          (await store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${spans[0]?.traceId}'`)).rows[0]
            ?.n,
        );
      expect(await count(good1)).toBe(1);
      expect(await count(flaky)).toBe(1);
      expect(await count(good2)).toBe(1);
      expect(await count(bad)).toBe(0);
      expect(await store.loadedSeq()).toBe(4);
      const files = fs.readdirSync(quarantineDir);
      expect(files).toHaveLength(1);
      const q = JSON.parse(fs.readFileSync(path.join(quarantineDir, files[0] as string), 'utf8'));
      expect(q).toMatchObject({ seq: 2, kind: 'traces', encoding: 'records', records: 1 });
      expect(q.error).toContain(CONVERSION);
      expect(JSON.parse(Buffer.from(q.body, 'base64').toString())[0].name).toBe('poison');
      expect((await metrics.quarantined.get()).values).toEqual([
        expect.objectContaining({ labels: { kind: 'traces' }, value: 1 }),
      ]);
    } finally {
      await pipeline.shutdown();
      await store.shutdown();
    }
  });
});
