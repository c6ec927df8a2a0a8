// CPU per span of each stage the collector's loader thread runs, in one thread, on the collector
// benchmark's spans: decode (OTLP/protobuf body of 512 spans) -> normalize -> cost -> guardrail scan ->
// rows -> DuckDB store (append, flush, commit; a file database with the store's own checkpoints), in
// groups of 8 bodies (4,096 spans) per commit as the loader does. CPU is the process's (user + system,
// DuckDB's own threads included), in µs per span, summed over the timed groups.
// Usage: npx tsc -b collector && node bench/collector-stages.mjs [groups=20]
// BENCH_GROUP=<bodies per commit> (default 8); BENCH_MEMORY=1 stores into an in-memory database.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshNonce, hex, nonceOffsets, spanRecords, TEXT_NONCE } from './_genai-spans.mjs';

const require = createRequire(import.meta.url);
const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'collector', 'dist');
const { encodeTraces } = require(path.join(DIST, 'otlp', 'encode.js'));
const { decodeTraces } = require(path.join(DIST, 'otlp', 'decode.js'));
const { loadEnrichmentModules } = require(path.join(DIST, 'processors-loader.js'));
const { prepareSpans, DuckDBStore } = require(path.join(DIST, 'exporters', 'duckdb-store.js'));

const GROUPS = Number(process.argv[2] ?? 20);
const BODIES = Number(process.env.BENCH_GROUP ?? 8);
const mods = loadEnrichmentModules({});
const chain = [mods.normalize, mods.cost, mods.guardrails].filter(Boolean);
const bodies = Array.from({ length: 8 }, () =>
  Buffer.from(encodeTraces(spanRecords(hex(16), TEXT_NONCE), 'protobuf')),
);
// Fresh user texts each time a body is reused (as in bench/collector.mjs): see TEXT_NONCE.
const nonces = bodies.map((b) => nonceOffsets(b));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-ops-stages-'));
const store = new DuckDBStore({
  path: process.env.BENCH_MEMORY ? ':memory:' : path.join(dir, 'stages.duckdb'),
});
await store.start();

const stages = ['decode', ...chain.map((p) => p.name), 'rows', 'store'];
const cpuUs = new Map(stages.map((n) => [n, 0]));
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
let seq = 0;

async function group(timed) {
  let t = 0;
  const lap = (stage) => {
    const now = cpu();
    if (timed) cpuUs.set(stage, cpuUs.get(stage) + now - t);
    t = now;
  };
  let all = [];
  for (let b = 0; b < BODIES; b++) {
    const k = (seq + b) % bodies.length;
    freshNonce(bodies[k], nonces[k]);
    t = cpu();
    let spans = decodeTraces(bodies[k], 'protobuf').spans;
    lap('decode');
    // A fresh trace id per body, so every span is a new row (as in bench/collector.mjs); not timed.
    const traceId = hex(16);
    for (const s of spans) s.traceId = traceId;
    t = cpu();
    for (const p of chain) {
      spans = await p.processSpans(spans);
      lap(p.name);
    }
    all = all.concat(spans);
  }
  t = cpu();
  const prepared = prepareSpans(all);
  lap('rows');
  await store.consumeIngestPrepared(prepared, [], ++seq);
  lap('store');
}

for (let i = 0; i < 5; i++) await group(false);
const wall0 = performance.now();
const cpu0 = cpu();
for (let i = 0; i < GROUPS; i++) await group(true);
const spans = GROUPS * BODIES * 512;
const total = (cpu() - cpu0) / spans;
console.log(
  `collector loader stages: ${spans} spans in groups of ${BODIES * 512}, node ${process.version}, load avg ${os.loadavg()[0].toFixed(1)}`,
);
console.log(
  `${((spans / (performance.now() - wall0)) * 1000).toFixed(0)} spans/s in one thread, ${total.toFixed(1)} CPU-µs per span`,
);
console.log('| stage | CPU-µs per span |');
console.log('| --- | ---: |');
for (const [stage, us] of cpuUs) console.log(`| ${stage} | ${(us / spans).toFixed(1)} |`);
await store.shutdown();
fs.rmSync(dir, { recursive: true, force: true });
