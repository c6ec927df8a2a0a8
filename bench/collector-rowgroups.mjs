// DuckDB row-group size against the store's checkpoint cost, on the rows the collector stores.
// Usage: npx tsc -b collector && node bench/collector-rowgroups.mjs [spans=204800] [sizes=122880,16384]
// (more spans than 204,800: each stretch of 204,800 is printed as well).
// For each row-group size, a fresh DuckDBStore (database file in a temp dir, the store's own checkpoint
// policy: an asynchronous CHECKPOINT once the WAL passes 64 MiB) takes the same normalized, priced and
// scanned spans (bench/_genai-spans.mjs, ~3 KB rows) in groups of 4,096 with an ingest sequence number,
// as the loader does. A DuckDB checkpoint recompresses the table's last, partly filled row group whole,
// so with DuckDB's default of 122,880 rows it rewrites up to that many rows each time. Prints, per size:
// spans/s over the whole run (checkpoints and the final one included), the time of the slowest group
// (a group waits for a checkpoint that is running), the share of the run spent in explicit checkpoints
// (CHECKPOINT statements are timed by wrapping the writer's run), and the database size.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hex, spanRecords } from './_genai-spans.mjs';

const require = createRequire(import.meta.url);
const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'collector', 'dist');
const { DuckDBStore, prepareSpans } = require(path.join(DIST, 'exporters', 'duckdb-store.js'));
const { loadEnrichmentModules } = require(path.join(DIST, 'processors-loader.js'));

const TOTAL = Number(process.argv[2] ?? 204_800);
const SIZES = (process.argv[3] ?? '122880,16384').split(',').map(Number);
const GROUP = Number(process.env.BENCH_GROUP ?? 4096);
const STRETCH = 204_800;

const mods = loadEnrichmentModules({});
let template = spanRecords(hex(16));
template = await mods.normalize.processSpans(template);
template = await mods.cost.processSpans(template);
if (mods.guardrails) template = await mods.guardrails.processSpans(template);

async function run(rowGroupSize) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-ops-rowgroups-'));
  const file = path.join(dir, 'store.duckdb');
  const store = new DuckDBStore({ path: file, rowGroupSize });
  await store.start();
  // Times the CHECKPOINT statements the store runs on its writer connection.
  const writer = store._writer;
  const runSql = writer.run.bind(writer);
  let checkpointMs = 0;
  let checkpoints = 0;
  writer.run = async (sql, ...rest) => {
    if (sql !== 'CHECKPOINT') return runSql(sql, ...rest);
    const t = performance.now();
    try {
      return await runSql(sql, ...rest);
    } finally {
      checkpointMs += performance.now() - t;
      checkpoints++;
    }
  };
  let seq = 0;
  let slowest = 0;
  const t0 = performance.now();
  // Longer runs print each stretch of 204,800 spans (does the rate hold as the table and its index grow?).
  let stretchT = t0;
  let stretchCkpt = 0;
  for (let n = 0; n < TOTAL; n += GROUP) {
    const group = [];
    while (group.length < GROUP) {
      const traceId = hex(16);
      for (const s of template) group.push({ ...s, traceId });
    }
    const prepared = prepareSpans(group);
    const g = performance.now();
    await store.consumeIngestPrepared(prepared, [], ++seq);
    slowest = Math.max(slowest, performance.now() - g);
    if (TOTAL > STRETCH && (seq * GROUP) % STRETCH === 0) {
      const now = performance.now();
      console.log(
        `  row group ${rowGroupSize}: spans ${seq * GROUP - STRETCH + 1}–${seq * GROUP}: ${((STRETCH / (now - stretchT)) * 1000).toFixed(0)} spans/s, ${((100 * (checkpointMs - stretchCkpt)) / (now - stretchT)).toFixed(0)} % in checkpoints`,
      );
      stretchT = now;
      stretchCkpt = checkpointMs;
    }
  }
  await store.shutdown(); // flushes and runs the final CHECKPOINT
  const seconds = (performance.now() - t0) / 1000;
  const mb = fs.statSync(file).size / 1048576;
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    rowGroupSize,
    rate: (seq * GROUP) / seconds,
    slowest,
    checkpoints,
    checkpointShare: checkpointMs / 1000 / seconds,
    mb,
  };
}

console.log(
  `DuckDB row-group size vs checkpoints: ${TOTAL} spans in groups of ${GROUP}, node ${process.version}, load avg ${os.loadavg()[0].toFixed(1)}`,
);
console.log('| row group | spans/s | slowest group, ms | checkpoints | time in checkpoints | database MB |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const size of SIZES) {
  const r = await run(size);
  console.log(
    `| ${r.rowGroupSize} | ${r.rate.toFixed(0)} | ${r.slowest.toFixed(0)} | ${r.checkpoints} | ${(100 * r.checkpointShare).toFixed(0)} % | ${r.mb.toFixed(0)} |`,
  );
}
