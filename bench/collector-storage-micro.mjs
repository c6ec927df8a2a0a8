// Micro-benchmark: where does the DuckDB write time of a 45-column span row go?
// Usage: node bench/collector-storage-micro.mjs [--rows 20000] [--only name,name]
// Appends the same rows (same shape and bytes as bench/collector.mjs) into fresh database files in
// 512-row flushes (one commit each), varying one factor at a time, and prints rows/s plus the
// split between JS-side appends and flushSync.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const duck = require(path.join(ROOT, 'node_modules', '@duckdb', 'node-api'));
const { SPANS_COLUMNS_SQL } = require(path.join(ROOT, 'collector', 'dist', 'exporters', 'duckdb-schema.js'));
const { DuckDBInstance, DuckDBTimestampNanosecondsValue, DuckDBTimestampValue } = duck;

const arg = (n, d) => (process.argv.includes(n) ? process.argv[process.argv.indexOf(n) + 1] : d);
const ROWS = Number(arg('--rows', 20000));
const ONLY = arg('--only', '')?.split(',').filter(Boolean);
const BATCH = Number(arg('--batch', 512));
const hex = (n) =>
  Array.from({ length: n }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join('');
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(22);

function makeRows(n) {
  const out = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  let trace = hex(16);
  for (let i = 0; i < n; i++) {
    if (i % BATCH === 0) trace = hex(16);
    out.push([
      trace,
      hex(8),
      hex(8),
      'chat gpt-4o-mini',
      3,
      'bench-svc',
      'scope',
      '1.0',
      now + BigInt(i) * 1000n,
      now + BigInt(i) * 1000n + 420_000_000n,
      420,
      0,
      '',
      null,
      'chat',
      'openai',
      'gpt-4o-mini',
      'gpt-4o-mini-2024-07-18',
      850 + (i % 100),
      120,
      512,
      null,
      null,
      0.0001,
      0.00008,
      0.00002,
      '2026-11-01',
      null,
      true,
      'conv-42',
      null,
      null,
      null,
      JSON.stringify([{ type: 'text', content: 'You are a helpful planner.' }]),
      JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `${i}: ${text}` }] }]),
      JSON.stringify([
        { role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' },
      ]),
      null,
      JSON.stringify({
        'gen_ai.operation.name': 'chat',
        'gen_ai.response.id': `chatcmpl-${hex(8)}`,
        'server.port': 443,
        'gen_ai.usage.input_tokens': 850,
      }),
      JSON.stringify({ 'service.name': 'bench-svc', 'telemetry.sdk.language': 'nodejs' }),
      '[]',
      '[]',
      JSON.stringify({ countsUsage: true, normalization: { source: 'current', mapped: [] } }),
      'current',
      BigInt(Date.now()) * 1000n,
    ]);
  }
  return out;
}
// column kinds in SPANS_COLUMNS_SQL order
const KINDS =
  'v v v v i v v v ns ns d i v v v v v v b b b b b d d d v v bool v v v v v v v v v v v v v v ts'.split(' ');

function appendValues(app, r) {
  for (let c = 0; c < r.length; c++) {
    const v = r[c];
    if (v === null) {
      app.appendNull();
      continue;
    }
    switch (KINDS[c]) {
      case 'v':
        app.appendVarchar(v);
        break;
      case 'i':
        app.appendInteger(v);
        break;
      case 'b':
        app.appendBigInt(BigInt(v));
        break;
      case 'd':
        app.appendDouble(v);
        break;
      case 'bool':
        app.appendBoolean(v);
        break;
      case 'ns':
        app.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(v));
        break;
      case 'ts':
        app.appendTimestamp(new DuckDBTimestampValue(v));
        break;
    }
  }
  app.endRow();
}

async function appendChunk(app, rows, types) {
  const chunk = duck.DuckDBDataChunk.create(types, rows.length);
  for (let c = 0; c < types.length; c++) {
    const col = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r][c];
      col[r] =
        v === null
          ? null
          : KINDS[c] === 'ns'
            ? new DuckDBTimestampNanosecondsValue(v)
            : KINDS[c] === 'ts'
              ? new DuckDBTimestampValue(v)
              : KINDS[c] === 'b'
                ? BigInt(v)
                : v;
    }
    chunk.setColumnValues(c, col);
  }
  app.appendDataChunk(chunk);
}

const VARCHAR_COLS = SPANS_COLUMNS_SQL.replace(/\bJSON\b/g, 'VARCHAR');
const VARIANTS = {
  baseline: { cols: SPANS_COLUMNS_SQL, pk: true },
  varchar: { cols: VARCHAR_COLS, pk: true },
  'json-nopk': { cols: SPANS_COLUMNS_SQL, pk: false },
  'varchar-nopk': { cols: VARCHAR_COLS, pk: false },
  'baseline-ckpt64m': { cols: SPANS_COLUMNS_SQL, pk: true, settings: { checkpoint_threshold: '64MiB' } },
  'baseline-ckpt256m': { cols: SPANS_COLUMNS_SQL, pk: true, settings: { checkpoint_threshold: '256MiB' } },
  'baseline-ckpt1g': { cols: SPANS_COLUMNS_SQL, pk: true, settings: { checkpoint_threshold: '1GB' } },
  'varchar-ckpt1g': { cols: VARCHAR_COLS, pk: true, settings: { checkpoint_threshold: '1GB' } },
  'varchar-chunk': { cols: VARCHAR_COLS, pk: true, chunk: true },
  'varchar-nopk-ckpt1g': { cols: VARCHAR_COLS, pk: false, settings: { checkpoint_threshold: '1GB' } },
  'varchar-threads1': { cols: VARCHAR_COLS, pk: true, settings: { threads: '1' } },
  'baseline-memory': { cols: SPANS_COLUMNS_SQL, pk: true, memory: true },
  'varchar-nopk-memory': { cols: VARCHAR_COLS, pk: false, memory: true },
  'temp-insert': { cols: SPANS_COLUMNS_SQL, pk: true, temp: true },
  'temp-insert-ckpt1g': {
    cols: SPANS_COLUMNS_SQL,
    pk: true,
    temp: true,
    settings: { checkpoint_threshold: '1GB' },
  },
  'unnest-insert': { cols: SPANS_COLUMNS_SQL, pk: true, unnest: true },
  'multirow-insert': { cols: SPANS_COLUMNS_SQL, pk: true, multirow: 32 },
  'five-columns': {
    cols: 'trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL, a VARCHAR, b VARCHAR, c VARCHAR',
    pk: true,
    five: true,
  },
};

const rows = makeRows(ROWS);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duck-micro-'));
console.log(`rows=${ROWS} batch=${BATCH} load=${os.loadavg()[0].toFixed(1)}`);
console.log(
  'variant'.padEnd(22),
  'rows/s'.padStart(8),
  'append s'.padStart(9),
  'flush s'.padStart(8),
  'first/last flush ms'.padStart(20),
  'async s'.padStart(8),
);
for (const [name, v] of Object.entries(VARIANTS)) {
  if (ONLY.length && !ONLY.includes(name)) continue;
  const file = path.join(dir, `${name}.duckdb`);
  const inst = await DuckDBInstance.create(v.memory ? ':memory:' : file, v.settings ?? {});
  const con = await inst.connect();
  await con.run(`CREATE TABLE spans (${v.cols}${v.pk ? ', PRIMARY KEY (trace_id, span_id)' : ''})`);
  if (v.temp) await con.run(`CREATE TEMP TABLE spans_tmp (${v.cols})`);
  const app = await con.createAppender(v.temp ? 'spans_tmp' : 'spans');
  const types = v.chunk ? (await con.runAndReadAll('SELECT * FROM spans LIMIT 0')).columnTypes() : null;
  let unnestStmt, multiStmt;
  const listTypes = [];
  if (v.unnest || v.multirow) {
    const t = (await con.runAndReadAll('SELECT * FROM spans LIMIT 0')).columnTypes();
    for (const ty of t) listTypes.push(duck.LIST(ty));
    if (v.unnest)
      unnestStmt = await con.prepare(
        `INSERT INTO spans SELECT ${t.map((ty, i) => `unnest($${i + 1}::${ty.toString()}[])`).join(', ')}`,
      );
    if (v.multirow)
      multiStmt = await con.prepare(
        `INSERT INTO spans VALUES ${Array.from({ length: v.multirow }, (_, r) => `(${t.map((ty, i) => `$${r * t.length + i + 1}::${ty.toString()}`).join(', ')})`).join(', ')}`,
      );
  }
  let tAsync = 0,
    tAppend = 0,
    tFlush = 0,
    firstFlush = 0,
    lastFlush = 0;
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    const part = rows.slice(i, i + BATCH);
    const a = performance.now();
    if (v.unnest) {
      for (let c = 0; c < KINDS.length; c++) {
        const col = part.map((r) => {
          const x = r[c];
          return x === null
            ? null
            : KINDS[c] === 'ns'
              ? new DuckDBTimestampNanosecondsValue(x)
              : KINDS[c] === 'ts'
                ? new DuckDBTimestampValue(x)
                : KINDS[c] === 'b'
                  ? BigInt(x)
                  : x;
        });
        unnestStmt.bindList(c + 1, col, listTypes[c]);
      }
      const m = performance.now();
      await unnestStmt.run();
      tAsync += performance.now() - m;
      continue;
    }
    if (v.multirow) {
      await con.run('BEGIN TRANSACTION');
      for (let k = 0; k < part.length; k += v.multirow) {
        const vals = [];
        for (const r of part.slice(k, k + v.multirow))
          for (let c = 0; c < r.length; c++) {
            const x = r[c];
            vals.push(
              x === null
                ? null
                : KINDS[c] === 'ns'
                  ? new DuckDBTimestampNanosecondsValue(x)
                  : KINDS[c] === 'ts'
                    ? new DuckDBTimestampValue(x)
                    : KINDS[c] === 'b'
                      ? BigInt(x)
                      : x,
            );
          }
        const m = performance.now();
        multiStmt.bind(vals);
        tAppend += performance.now() - m;
        const m2 = performance.now();
        await multiStmt.run();
        tAsync += performance.now() - m2;
      }
      const m3 = performance.now();
      await con.run('COMMIT');
      tAsync += performance.now() - m3;
      continue;
    }
    if (v.chunk) await appendChunk(app, part, types);
    else if (v.five)
      for (const r of part) {
        app.appendVarchar(r[0]);
        app.appendVarchar(r[1]);
        app.appendVarchar(r[33] + r[37] + r[38] + r[39] + r[40] + r[41] + r[42]);
        app.appendVarchar(r[34]);
        app.appendVarchar(r[35]);
        app.endRow();
      }
    else for (const r of part) appendValues(app, r);
    const b = performance.now();
    app.flushSync();
    const c = performance.now();
    if (v.temp) {
      await con.run('INSERT INTO spans SELECT * FROM spans_tmp');
      await con.run('DELETE FROM spans_tmp');
      tAsync += performance.now() - c;
    }
    tAppend += b - a;
    tFlush += c - b;
    if (i === 0) firstFlush = c - b;
    lastFlush = c - b;
  }
  const total = (performance.now() - t0) / 1000;
  app.closeSync();
  con.closeSync();
  inst.closeSync();
  console.log(
    name.padEnd(22),
    (ROWS / total).toFixed(0).padStart(8),
    (tAppend / 1000).toFixed(2).padStart(9),
    (tFlush / 1000).toFixed(2).padStart(8),
    `${firstFlush.toFixed(0)}/${lastFlush.toFixed(0)}`.padStart(20),
    (tAsync / 1000).toFixed(2).padStart(8),
  );
}
fs.rmSync(dir, { recursive: true, force: true });
