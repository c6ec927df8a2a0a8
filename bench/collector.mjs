// Collector benchmark: a collector child process (all processors on, DuckDB file) receives OTLP/HTTP
// batches of 512 realistic GenAI spans (~2 KB of message content each) from THIS process over loopback.
// Usage: npm run build && node bench/collector.mjs [--seconds 10]
// Prints: sustained spans/s STORED in DuckDB (protobuf, JSON; the clock runs until the acknowledged
// backlog is stored) with the collector's CPU per stored span (all threads, and the main thread
// alone: the acknowledgement path), p50/p99 ack latency at a fixed 5,000 and 500 spans/s with the storage lag when
// each phase ends, collector peak RSS, RSS under overload (429s), and the raw DuckDB storage rate for
// the same rows (DuckDBStore in this process, no HTTP, no processors in the timing). In the sustained
// phases a refused request is resent after the collector's Retry-After, as the OTLP exporters do
// (BENCH_RETRY_MS=20: after a fixed 20 ms, the method before 2026-11-26 13:30).
// The 5,000 spans/s phase runs three times --seconds (~240 requests of 512 spans at 8 s), so its p99 is a
// 99th percentile (the 3rd slowest request) rather than the slowest one, which it was with ~80 requests
// (before 2026-11-26 15:10); the slowest is printed beside it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BATCH,
  freshNonce,
  hex,
  letters,
  nonceOffsets,
  offsetsOf,
  spanRecords,
  TEXT_NONCE,
} from './_genai-spans.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_COLLECTOR_DIST: another build of collector/dist (e.g. a copy of the previous one) for before/after runs.
const DIST = process.env.BENCH_COLLECTOR_DIST
  ? path.resolve(process.env.BENCH_COLLECTOR_DIST)
  : path.join(ROOT, 'collector', 'dist');
const { encodeTraces } = require(path.join(DIST, 'otlp', 'encode.js'));
const { DuckDBStore } = require(path.join(DIST, 'exporters', 'duckdb-store.js'));
const { loadEnrichmentModules } = require(path.join(DIST, 'processors-loader.js'));

/** Fixed wait before resending a refused request (default: the Retry-After the collector gives). */
const RETRY_MS = process.env.BENCH_RETRY_MS ? Number(process.env.BENCH_RETRY_MS) : undefined;
const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const PLACEHOLDER = 'ab'.repeat(16);

/** A body template whose trace id is swapped per request (so every request stores new rows). */
/** Request bodies: one encoding, then a fresh trace id and fresh user texts (`TEXT_NONCE`) per request. */
function template(protocol) {
  const body = encodeTraces(spanRecords(PLACEHOLDER, TEXT_NONCE), protocol);
  if (protocol === 'json') {
    const s = body.toString();
    return () => Buffer.from(s.replaceAll(PLACEHOLDER, hex(16)).replaceAll(TEXT_NONCE, letters(16)));
  }
  const offsets = offsetsOf(body, Buffer.from(PLACEHOLDER, 'hex'));
  const nonces = nonceOffsets(body);
  return () => {
    const b = Buffer.from(body);
    const id = Buffer.from(hex(16), 'hex');
    for (const o of offsets) id.copy(b, o);
    return freshNonce(b, nonces);
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function send(url, body, protocol) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': protocol === 'json' ? 'application/json' : 'application/x-protobuf',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        const retryAfter = Number(res.headers['retry-after']);
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            ms: performance.now() - t0,
            retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
          }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

/** CPU seconds (user + system) the process has used so far: all threads, or one (`tid`). */
function cpuOf(pid, tid) {
  const f = fs.readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; clock ticks of 1/100 s.
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

function rssOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { rss: get('VmRSS'), peak: get('VmHWM') };
}

async function startCollector(dataDir, extraEnv = {}) {
  // BENCH_COLLECTOR_NODE_ARGS, e.g. "--cpu-prof", profiles the collector process.
  const nodeArgs = (process.env.BENCH_COLLECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, path.join(DIST, 'cli.js'), 'collector', '--data', dataDir, '--port', '0'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, GENAI_OPS_MAX_INFLIGHT_SPANS: '20000', ...extraEnv },
    },
  );
  const lock = path.join(dataDir, 'collector.json');
  // The lock file may be seen half-written: retry until it parses.
  for (let i = 0; i < 600; i++) {
    try {
      return { child, url: JSON.parse(fs.readFileSync(lock, 'utf8')).url };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('collector did not start');
}

/** Rows in `spans` (the query API waits, bounded, until what was acknowledged before it is stored). */
async function storedCount(url) {
  const body = Buffer.from(JSON.stringify({ query: 'SELECT count(*) AS n FROM spans' }));
  const r = await new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/sql`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  return Number(r.rows?.[0]?.n ?? Number.NaN);
}

/** Waits until every acknowledged span is in DuckDB (the backlog is empty); returns the row count. */
async function drained(url, expectedAtLeast) {
  for (;;) {
    const n = await storedCount(url);
    if (!(n < expectedAtLeast)) return n;
  }
}

/**
 * Sustained rate of spans STORED in DuckDB: senders run for `seconds`, then the clock keeps running
 * until the loader has stored every acknowledged span (an acknowledgement only means "in the ingest
 * log", so counting acks alone would overstate the rate by the backlog).
 */
async function sustained(url, protocol, concurrency, seconds, pid) {
  const next = template(protocol);
  const end = performance.now() + seconds * 1000;
  let stored = 0;
  let refused = 0;
  const before = await storedCount(url);
  const cpu0 = cpuOf(pid);
  const main0 = cpuOf(pid, pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const r = await send(`${url}/v1/traces`, next(), protocol);
        if (r.status === 200) stored += BATCH;
        else {
          // As the OpenTelemetry OTLP exporters do: wait what Retry-After says (else their 1 s first
          // back-off). BENCH_RETRY_MS=20 resends after 20 ms instead (the method before 2026-11-26 13:30).
          refused++;
          await new Promise((res) => setTimeout(res, RETRY_MS ?? r.retryAfterMs ?? 1000));
        }
      }
    }),
  );
  const ackedSecs = (performance.now() - t0) / 1000;
  const rows = (await drained(url, before + stored)) - before;
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuOf(pid) - cpu0;
  const main = cpuOf(pid, pid) - main0;
  return {
    spansPerSec: rows / secs,
    ackedPerSec: stored / ackedSecs,
    refused,
    drainSecs: secs - ackedSecs,
    // Collector CPU per stored span (all threads): much less sensitive to other load than spans/s.
    cpuMsPer1k: (cpu / rows) * 1e6,
    // The main thread (receive, validate, ingest log, acknowledge): the acknowledgement path's CPU.
    mainMsPer1k: (main / rows) * 1e6,
  };
}

async function fixedLoad(url, protocol, spansPerSec, seconds) {
  const next = template(protocol);
  const interval = (BATCH / spansPerSec) * 1000;
  const lat = [];
  const pending = [];
  let refused = 0;
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send(`${url}/v1/traces`, next(), protocol).then((r) => {
        if (r.status === 200) lat.push(r.ms);
        else refused++;
      }),
    );
  }
  await Promise.all(pending);
  // How far storage is behind when the offered load stops (a growing backlog means the rate is not sustainable).
  const sent = performance.now();
  await storedCount(url);
  const lagMs = performance.now() - sent;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: lat.at(-1) ?? NaN, n: lat.length, refused, lagMs };
}

/** The receiver's body-pool counters from /metrics (zeros when the collector has no pool). */
async function bodyBuffers(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (source) =>
    Number(
      new RegExp(`genai_ops_receiver_body_buffers_total\\{source="${source}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
    );
  return { reused: get('reused'), allocated: get('allocated') };
}

async function overload(url, pid, seconds) {
  const next = template('protobuf');
  const end = performance.now() + seconds * 1000;
  const rss = [];
  const sampler = setInterval(() => rss.push(rssOf(pid).rss), 100);
  let ok = 0;
  let limited = 0;
  await Promise.all(
    Array.from({ length: 96 }, async () => {
      while (performance.now() < end) {
        const r = await send(`${url}/v1/traces`, next(), 'protobuf');
        if (r.status === 200) ok++;
        else if (r.status === 429) limited++;
      }
    }),
  );
  clearInterval(sampler);
  const firstHalf = rss.slice(0, Math.floor(rss.length / 2));
  const secondHalf = rss.slice(Math.floor(rss.length / 2));
  return { ok, limited, rssMaxFirstHalf: Math.max(...firstHalf), rssMaxSecondHalf: Math.max(...secondHalf) };
}

async function rawStorage(dataDir, seconds) {
  const mods = loadEnrichmentModules({});
  const store = new DuckDBStore({ path: path.join(dataDir, 'raw.duckdb') });
  await store.start();
  let spans = spanRecords(hex(16));
  // The rows the collector stores: normalized, priced and scanned (a span row + two verdict rows).
  spans = await mods.normalize.processSpans(spans);
  spans = await mods.cost.processSpans(spans);
  if (mods.guardrails) spans = await mods.guardrails.processSpans(spans);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    const traceId = hex(16);
    await store.consumeTraces({ spans: spans.map((s) => ({ ...s, traceId })) });
    n += spans.length;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await store.shutdown();
  return rate;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-ops-bench-'));
const { child, url } = await startCollector(dataDir);
const rows = [];
try {
  const warm = await sustained(url, 'protobuf', 4, 2, child.pid);
  void warm;
  const proto = await sustained(url, 'protobuf', 8, SECONDS, child.pid);
  rows.push([
    'sustained stored spans/s, OTLP/protobuf (8 concurrent 512-span batches)',
    proto.spansPerSec.toFixed(0),
  ]);
  rows.push([
    '  (acknowledged spans/s while sending; drain of the backlog after, s; requests refused, retried)',
    `${proto.ackedPerSec.toFixed(0)}; ${proto.drainSecs.toFixed(1)}; ${proto.refused}`,
  ]);
  rows.push([
    '  collector CPU per 1,000 stored spans, ms: all threads / main thread (spans per CPU-second)',
    `${proto.cpuMsPer1k.toFixed(0)} / ${proto.mainMsPer1k.toFixed(0)} (${(1e6 / proto.cpuMsPer1k).toFixed(0)})`,
  ]);
  const json = await sustained(url, 'json', 8, SECONDS, child.pid);
  rows.push([
    'sustained stored spans/s, OTLP/JSON (8 concurrent 512-span batches)',
    json.spansPerSec.toFixed(0),
  ]);
  rows.push([
    '  collector CPU per 1,000 stored spans (JSON), ms: all threads / main thread',
    `${json.cpuMsPer1k.toFixed(0)} / ${json.mainMsPer1k.toFixed(0)}`,
  ]);
  const fixed = await fixedLoad(url, 'protobuf', 5000, 3 * SECONDS);
  rows.push([
    'ack latency p50 at 5,000 spans/s offered (protobuf, 512-span batches), ms',
    fixed.p50.toFixed(1),
  ]);
  rows.push([
    'ack latency p99 at 5,000 spans/s offered (protobuf, 512-span batches), ms (requests; slowest)',
    `${fixed.p99.toFixed(1)} (${fixed.n}; ${fixed.max.toFixed(1)})`,
  ]);
  rows.push(['requests refused at 5,000 spans/s', String(fixed.refused)]);
  rows.push(['storage lag when the 5,000 spans/s phase ends (backlog drain), ms', fixed.lagMs.toFixed(0)]);
  const low = await fixedLoad(url, 'protobuf', 500, SECONDS);
  rows.push([
    'ack latency p50 / p99 at 500 spans/s offered (protobuf, 512-span batches), ms',
    `${low.p50.toFixed(1)} / ${low.p99.toFixed(1)}`,
  ]);
  rows.push(['storage lag when the 500 spans/s phase ends, ms', low.lagMs.toFixed(0)]);
  const peak = rssOf(child.pid).peak;
  rows.push(['collector peak RSS after the runs above, MB', peak.toFixed(0)]);
  const buffers = await bodyBuffers(url);
  rows.push([
    'request bodies read into a reused buffer (body pool), of all read',
    `${buffers.reused} of ${buffers.reused + buffers.allocated}`,
  ]);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
}
// Overload on a fresh collector with a 4,096-span in-flight budget (the default is 20,000).
{
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'genai-ops-bench-'));
  const c2 = await startCollector(dir2, { GENAI_OPS_MAX_INFLIGHT_SPANS: '4096' });
  try {
    const over = await overload(c2.url, c2.child.pid, SECONDS);
    rows.push([
      'overload, budget 4096 spans (96 concurrent senders): 200s / 429s',
      `${over.ok} / ${over.limited}`,
    ]);
    rows.push([
      'overload: collector max RSS, first half / second half of the run, MB',
      `${over.rssMaxFirstHalf.toFixed(0)} / ${over.rssMaxSecondHalf.toFixed(0)}`,
    ]);
  } finally {
    c2.child.kill('SIGTERM');
    await new Promise((r) => c2.child.on('exit', r));
    fs.rmSync(dir2, { recursive: true, force: true });
  }
}
const raw = await rawStorage(dataDir, SECONDS);
rows.push([
  'raw DuckDB storage rate for the same (normalized, priced, scanned) rows, spans/s (ceiling)',
  raw.toFixed(0),
]);
fs.rmSync(dataDir, { recursive: true, force: true });

const w = Math.max(...rows.map((r) => r[0].length));
console.log(
  `collector benchmark (node ${process.version}, ${os.cpus().length} cores, load avg ${os.loadavg()[0].toFixed(1)}, ${SECONDS}s per phase)`,
);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
