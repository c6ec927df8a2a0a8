// Overhead of @genai-ops/instrumentation-anthropic on @anthropic-ai/sdk calls: median µs added per call and
// heap growth per 10k calls, non-streaming and a 50-chunk stream, each mode in its own Node process.
// The replies are real fake-provider responses recorded once over HTTP, then replayed through the SDK's
// `fetch` option, so the SDK runs its full request/parse path without network noise in the figures.
// Also a paired figure per scenario: one process with our instrumentation disabled/enabled in alternating
// blocks, CPU time (user + system) per call, median of the block differences. There the tracer provider is
// handed to our instrumentation only (not registered globally), so the disabled blocks are exactly the
// `baseline` mode (the SDK's own tracing sees no provider) and the difference is what genai-ops adds over
// the uninstrumented SDK. Providers as the register entry sets them up (bench/_harness.mjs). The paired loop
// (pairedCpu in bench/_harness.mjs) flips the off/on order every other block and also runs streams of 10 and
// 500 text chunks: the per-event slope (added(500) - added(10)) / events difference leaves the per-call cost out.
// The span-floor variant (spanFloor in bench/_harness.mjs: one bare SDK span made active around each call) is
// paired the same way: what any span-per-call instrumentation adds here; ours minus it is our own code's cost.
// The conventions-floor variant (conventionsFloor in bench/_harness.mjs: that span carrying the attributes ours
// puts on the span of the same call, captured from one call of ours) is paired too: the least any
// instrumentation emitting the conventions' span adds; ours minus it is what our parsing, metrics and stream
// observation cost.
// Usage: npx tsc -b packages/instrumentation-anthropic packages/fake-provider && node --expose-gc bench/anthropic.mjs [calls=5000]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  CONVENTIONS_FLOOR,
  conventionsFloor,
  discardingProviders,
  floorLines,
  LONG_CHUNKS,
  nodeCommand,
  pairedCpu,
  pairedHooks,
  perChunkSlope,
  pinNote,
  replayResponse,
  SPAN_FLOOR,
  spanFloor,
  streamBlock,
} from './_harness.mjs';

const require = createRequire(import.meta.url);
const MODEL = 'claude-sonnet-5-5';
const MODES = ['baseline', 'sdk-otel', 'genai-ops', 'genai-ops+content'];
const SCENARIOS = ['non-streaming', 'stream 50 chunks'];
/** The two stream lengths of the per-chunk slope (paired figures only). */
const SHORT = 'stream 10 chunks';
const LONG = `stream ${LONG_CHUNKS} chunks`;

async function record() {
  const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');
  const fake = await startFakeProvider();
  const body = (stream) => ({
    model: MODEL,
    max_tokens: 200,
    stream,
    messages: [{ role: 'user', content: 'The quick brown fox' }],
  });
  const post = async (stream, chunks = 50) => {
    const r = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-chunks': String(chunks) },
      body: JSON.stringify(body(stream)),
    });
    return {
      status: r.status,
      headers: { 'content-type': r.headers.get('content-type'), 'request-id': 'req_bench' },
      text: await r.text(),
    };
  };
  const out = {
    'non-streaming': await post(false),
    'stream 50 chunks': await post(true),
    [SHORT]: await post(true, 10),
    [LONG]: await post(true, LONG_CHUNKS),
  };
  await fake.close();
  return out;
}

/** Untimed calls before the timed ones (a fifth of it for the streams). */
const WARM_UP = 10_000;

/**
 * The register entry's setup with no-op exporters (bench/_harness.mjs: a BatchSpanProcessor, and the GenAI
 * histograms pre-aggregated by core and collected by the meter provider's reader). Registered globally
 * unless `global` is false: then the SDK's own tracing sees no provider, as in `baseline`.
 */
function providers(global) {
  const out = discardingProviders();
  if (!global) require('@opentelemetry/api').trace.disable();
  return out;
}

/** A client whose `fetch` replays the recorded reply of `scenario`, and one call of that scenario. */
function replayClient(recorded, scenario) {
  const reply = recorded[scenario];
  const stream = scenario !== 'non-streaming';
  const Anthropic = require('@anthropic-ai/sdk');
  // Replays the recorded reply; a stream one SSE event per read (bench/_harness.mjs).
  const fetchReplay = async () => replayResponse(reply);
  const client = new Anthropic({
    apiKey: 'k',
    baseURL: 'http://bench.invalid',
    fetch: fetchReplay,
    maxRetries: 0,
  });
  const params = {
    model: MODEL,
    max_tokens: 200,
    messages: [{ role: 'user', content: 'The quick brown fox' }],
  };
  const one = async () => {
    if (!stream) return (await client.messages.create(params)).content.length;
    let n = 0;
    for await (const _e of await client.messages.create({ ...params, stream: true })) n++;
    return n;
  };
  one.client = client;
  return one;
}

/**
 * The call as a floor must make it: with the SDK's own span suppressed, as ours does (issue 5: one span
 * per call). The SDK reads `client._tracer` synchronously when `create()` starts its request; with a
 * tracer there and an active span (a floor's, even through a no-op global provider), it takes its traced
 * path (`makeTracedRequest`: one more async step, `context.with`, a non-recording child span). Without
 * this, a floor's on blocks paid that SDK work and ours' did not, so ours read below both floors.
 */
function withoutSdkSpan(one) {
  const client = one.client;
  return function suppressed() {
    const tracer = client._tracer;
    client._tracer = undefined;
    try {
      return one();
    } finally {
      client._tracer = tracer;
    }
  };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The paired figures of both scenarios: our instrumentation disabled/enabled in alternating blocks
 * (`mode` 'off' or 'content': content capture), or the span floor (`SPAN_FLOOR`, bench/_harness.mjs) off and
 * on around the same calls.
 */
async function pairedChild(mode, recorded) {
  const { tracerProvider, meterProvider } = providers(false);
  let instrumentation;
  if (mode === SPAN_FLOOR) instrumentation = spanFloor(tracerProvider);
  else {
    const { registerInstrumentations } = require('@opentelemetry/instrumentation');
    const { AnthropicInstrumentation } = require('@genai-ops/instrumentation-anthropic');
    instrumentation = new AnthropicInstrumentation({ captureMessageContent: mode === 'content' });
    registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
    if (mode === CONVENTIONS_FLOOR) instrumentation = conventionsFloor(tracerProvider, instrumentation);
  }
  const { wrap, toggle } = pairedHooks(instrumentation);
  const scenarios = [
    ['non-streaming', 200],
    [SHORT, 80],
    ['stream 50 chunks', 40],
    [LONG, streamBlock(LONG_CHUNKS)],
  ].map(([name, block]) => {
    const one = replayClient(recorded, name);
    return { name, fn: wrap(one, withoutSdkSpan(one)), block };
  });
  for (const s of scenarios) for (let i = 0; i < 300; i++) await s.fn();
  const added = await pairedCpu(toggle, scenarios, 21);
  const out = {};
  for (const s of scenarios) out[s.name] = { added: added[s.name], events: await s.fn() };
  return out;
}

async function child(mode, scenario, recorded, calls) {
  if (mode !== 'baseline') {
    const { tracerProvider, meterProvider } = providers(true);
    if (mode.startsWith('genai-ops')) {
      const { registerInstrumentations } = require('@opentelemetry/instrumentation');
      const { AnthropicInstrumentation } = require('@genai-ops/instrumentation-anthropic');
      registerInstrumentations({
        instrumentations: [
          new AnthropicInstrumentation({ captureMessageContent: mode.endsWith('+content') }),
        ],
        tracerProvider,
        meterProvider,
      });
    }
  }
  const one = replayClient(recorded, scenario);
  // A fresh process runs its first thousands of calls at up to twice their steady cost, an instrumented
  // one longer (see bench/openai.mjs): the streams get a fifth of the non-streaming warm-up.
  const warm = scenario === 'non-streaming' ? WARM_UP : Math.ceil(WARM_UP / 5);
  for (let i = 0; i < warm; i++) await one();
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await one();
    times[i] = performance.now() - t0;
  }
  times.sort();
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  globalThis.gc?.();
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) await one();
  // Two rounds: a stream abandoned unfinished would be held by the safety net until its collection
  // queues the registry's callback (none here: every stream is read to its end, which unregisters it).
  for (let round = 0; round < 2; round++) {
    await new Promise((r) => setTimeout(r, 200));
    globalThis.gc?.();
  }
  const h1 = process.memoryUsage().heapUsed;
  return {
    median: times[Math.floor(calls / 2)] * 1000,
    p99: times[Math.floor(calls * 0.99)] * 1000,
    heapKbPer10k: (h1 - h0) / 1024,
  };
}

if (process.argv[2] === '--paired') {
  const [, , , content, file] = process.argv;
  const recorded = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
  const r = await pairedChild(content, recorded);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
} else if (process.argv[2] === '--child') {
  const [, , , mode, scenario, file, calls] = process.argv;
  const recorded = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
  const r = await child(mode, scenario, recorded, Number(calls));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
} else {
  const calls = Number(process.argv[2] ?? 5000);
  const loadBefore = loadavg()[0];
  const { writeFileSync, mkdtempSync } = require('node:fs');
  const { join } = require('node:path');
  const { tmpdir } = require('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'bench-anthropic-')), 'replies.json');
  writeFileSync(file, JSON.stringify(await record()));
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  for (const scenario of SCENARIOS) {
    let baseline;
    for (const mode of MODES) {
      const r = spawnSync(
        ...nodeCommand(['--expose-gc', self, '--child', mode, scenario, file, String(calls)]),
        {
          encoding: 'utf8',
          timeout: 300_000,
        },
      );
      if (r.status !== 0) {
        console.error(`${mode} / ${scenario} failed:\n${r.stderr}`);
        process.exitCode = 1;
        continue;
      }
      const m = JSON.parse(r.stdout.trim().split('\n').pop());
      if (mode === 'baseline') baseline = m;
      rows.push([scenario, mode, m, baseline ? m.median - baseline.median : NaN]);
    }
  }
  // Three rounds, the two modes interleaved; the median of the rounds.
  const pairedRuns = { off: [], content: [], [SPAN_FLOOR]: [], [CONVENTIONS_FLOOR]: [] };
  for (let round = 0; round < 3; round++) {
    for (const content of Object.keys(pairedRuns)) {
      const r = spawnSync(...nodeCommand([self, '--paired', content, file]), {
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (r.status !== 0) {
        console.error(`paired (content ${content}) failed:\n${r.stderr}`);
        process.exitCode = 1;
        continue;
      }
      pairedRuns[content].push(JSON.parse(r.stdout.trim().split('\n').pop()));
    }
  }
  const paired = {};
  for (const [content, runs] of Object.entries(pairedRuns)) {
    if (runs.length === 0) continue;
    paired[content] = Object.fromEntries(
      ['non-streaming', SHORT, 'stream 50 chunks', LONG].map((sc) => [
        sc,
        { added: median(runs.map((r) => r[sc].added)), events: runs[0][sc].events },
      ]),
    );
  }
  console.log(
    `@anthropic-ai/sdk ${require('@anthropic-ai/sdk/version').VERSION}, Node ${process.version}, ${calls} timed calls after ${WARM_UP} warm-up (streams ${Math.ceil(WARM_UP / 5)}); load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; ${pinNote()}\n`,
  );
  console.log(
    '| scenario | mode | median µs/call | p99 µs/call | median µs added | heap KiB growth / 10k calls |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const [scenario, mode, m, added] of rows) {
    console.log(
      `| ${scenario} | ${mode} | ${m.median.toFixed(0)} | ${m.p99.toFixed(0)} | ${mode === 'baseline' ? '–' : added.toFixed(0)} | ${m.heapKbPer10k.toFixed(0)} |`,
    );
  }
  console.log(
    `\nPaired in-process figures (genai-ops disabled/enabled in alternating blocks of 200 calls / 80, 40, ${streamBlock(LONG_CHUNKS)} streams, the order flipped every other block; CPU µs, median of 21 block differences, median of 3 rounds). "per event, incl. call" = stream(50) added / its events; "per-event slope" = (stream(${LONG_CHUNKS}) added - stream(10) added) / (events difference), the per-call cost cancelled:\n`,
  );
  console.log(
    `| mode | non-streaming added | stream(10) added | stream(50) added | stream(${LONG_CHUNKS}) added | per event, incl. call | per-event slope |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [content, name] of [
    ['off', 'genai-ops'],
    ['content', 'genai-ops+content'],
    [SPAN_FLOOR, SPAN_FLOOR],
    [CONVENTIONS_FLOOR, CONVENTIONS_FLOOR],
  ]) {
    const p = paired[content];
    if (!p) continue;
    const s = p['stream 50 chunks'];
    const slope = perChunkSlope(p[SHORT].added, p[LONG].added, p[SHORT].events, p[LONG].events);
    console.log(
      `| ${name} | ${p['non-streaming'].added.toFixed(1)} | ${p[SHORT].added.toFixed(1)} | ${s.added.toFixed(1)} | ${p[LONG].added.toFixed(1)} | ${(s.added / s.events).toFixed(2)} | ${slope.toFixed(2)} |`,
    );
  }
  const floors = floorLines(
    paired,
    paired.off,
    ['non-streaming', SHORT, 'stream 50 chunks'].map((sc) => [sc, (p) => p[sc].added]),
  );
  if (floors) console.log(floors);
}
