// Overhead of OpenAI instrumentations on the openai SDK (6.49.0), each variant in its own Node process.
// The fake provider (chunkDelayMs 0) answers every request shape once over real HTTP; the children then
// replay those exact replies through the SDK's `fetch` option (a stream one SSE event per read, as a network
// delivers it: replayResponse in bench/_harness.mjs), so the SDK runs its whole request, parse and SSE path
// while socket and server time (noisy on a shared 2-core machine) stay out of the figures.
// Children run what the register entry sets up (bench/_harness.mjs: BatchSpanProcessor, GenAI aggregator), exporting to a no-op
// exporter: export cost is not the instrumentation's.
// Figures: CPU µs per call (user + system, median over blocks of 50 calls; the lowest median over the rounds, variants interleaved, to damp noise
// from other processes), µs added vs the uninstrumented SDK (and per chunk for the stream), heap growth
// per 10k non-streaming calls after GC (median over rounds). Paired figures (ours): instrumentation disabled
// and enabled in alternating blocks of one process, the order flipped every other block (pairedCpu in
// bench/_harness.mjs), with streams of 10, 50 and 500 chunks; the per-chunk slope (added(500) - added(10))
// / chunks difference leaves the per-call cost out.
// The conventions-floor variant (conventionsFloor in bench/_harness.mjs: that span carrying the attributes ours
// puts on the span of the same call, captured from one call of ours) is paired too: the least any
// instrumentation emitting the conventions' span adds; ours minus it is what our parsing, metrics and stream
// observation cost.
// What our usage request (stream_options.include_usage) costs the SDK is paired twice: in the uninstrumented
// child and in the span floor's, with the floor's span active around each call as in a traced process.
// Usage: npx tsc -b packages/instrumentation-openai packages/fake-provider && node bench/openai.mjs [calls=3000] [rounds=3]
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as harness from './_harness.mjs';

const require = createRequire(import.meta.url);
const ALL_VARIANTS = [
  'uninstrumented',
  'genai-ops',
  'genai-ops+content',
  'genai-ops-no-chunk-metric',
  'genai-ops-no-usage-request',
  harness.SPAN_FLOOR,
  harness.CONVENTIONS_FLOOR,
  'otel-contrib@0.21.0',
  'traceloop@0.27.0',
];
/** BENCH_VARIANTS=a,b runs only those (and the uninstrumented baseline). */
const VARIANTS = process.env.BENCH_VARIANTS
  ? ALL_VARIANTS.filter((v) => v === 'uninstrumented' || process.env.BENCH_VARIANTS.split(',').includes(v))
  : ALL_VARIANTS;
const CHUNKS = 50;
/** The two stream lengths of the per-chunk slope (paired figures only). */
const SHORT = 10;
const LONG = harness.LONG_CHUNKS;
const BLOCK = 50;
/**
 * Untimed calls before each timed scenario (a fifth of it for the 50-chunk stream). A fresh process runs
 * its first thousands of calls at up to twice their steady cost, the instrumented one longer (its spans
 * wait in the BatchSpanProcessor, so the old generation grows until V8 has sized the heap): pinned, 1,500
 * timed chat calls after 300 warm-up calls read 140–188 µs uninstrumented and 374–448 µs instrumented;
 * a long-running app is in the steady state, which is what the table reports.
 */
const WARM_UP = 10_000;

function setupOtel(variant) {
  if (variant === 'uninstrumented') return;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { tracerProvider, meterProvider } = harness.discardingProviders();
  if (variant === harness.SPAN_FLOOR) return harness.spanFloor(tracerProvider);
  let instrumentation;
  if (variant === harness.CONVENTIONS_FLOOR) {
    const { OpenAIInstrumentation } = require('../packages/instrumentation-openai/dist/index.js');
    instrumentation = new OpenAIInstrumentation();
    registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
    return harness.conventionsFloor(tracerProvider, instrumentation);
  }
  if (variant.startsWith('genai-ops')) {
    const { OpenAIInstrumentation } = require('../packages/instrumentation-openai/dist/index.js');
    instrumentation = new OpenAIInstrumentation({
      captureMessageContent: variant.endsWith('+content'),
      // The conventions' per-chunk histogram costs the OTel SDK a few µs per observation.
      timePerOutputChunk: !variant.endsWith('-no-chunk-metric'),
      // Without the stream_options.include_usage we add, the SDK parses the same chunks as uninstrumented
      // (with it, every chunk carries `"usage": null` and one more chunk carries the usage).
      injectStreamUsage: !variant.endsWith('-no-usage-request'),
    });
  } else if (variant.startsWith('otel-contrib')) {
    const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
    instrumentation = new OpenAIInstrumentation();
  } else {
    const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
    // Content off, as for the others (its default records prompts).
    instrumentation = new OpenAIInstrumentation({ traceContent: false });
  }
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
  return instrumentation;
}

const MESSAGES = [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog' }];

/** Which recorded reply answers a request. */
function replyKey(path, body, chunks) {
  if (path.endsWith('/embeddings')) return 'embeddings';
  if (!body.stream) return 'chat';
  return `${body.stream_options?.include_usage ? 'stream+usage' : 'stream'}:${chunks}`;
}

/** Asks the fake provider once for every reply shape the children need. */
async function record(url) {
  const post = async (path, body, headers = {}) => {
    const r = await fetch(`${url}/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: r.status, headers: Object.fromEntries(r.headers), text: await r.text() };
  };
  const out = {
    chat: await post('/chat/completions', { model: 'gpt-4o-mini', messages: MESSAGES, temperature: 0.2 }),
  };
  for (const n of [SHORT, CHUNKS, LONG]) {
    const chunks = { 'x-fake-chunks': String(n) };
    out[`stream:${n}`] = await post(
      '/chat/completions',
      { model: 'gpt-4o-mini', messages: MESSAGES, stream: true },
      chunks,
    );
    out[`stream+usage:${n}`] = await post(
      '/chat/completions',
      { model: 'gpt-4o-mini', messages: MESSAGES, stream: true, stream_options: { include_usage: true } },
      chunks,
    );
  }
  return {
    ...out,
    embeddings: await post('/embeddings', {
      model: 'text-embedding-3-small',
      input: 'The quick brown fox',
      encoding_format: 'base64',
    }),
  };
}

async function child(variant, recorded, calls) {
  const instrumentation = setupOtel(variant);
  // The span floor (bench/_harness.mjs) wraps every scenario function; the others run them as they are.
  const { wrap: scenario, toggle } = harness.pairedHooks(instrumentation);
  const OpenAI = require('openai');
  const replay = async (input, init) => {
    const chunks = new Headers(init.headers).get('x-fake-chunks');
    const key = replyKey(new URL(String(input)).pathname, JSON.parse(init.body), chunks);
    const r = recorded[key];
    return harness.replayResponse(r);
  };
  const client = new OpenAI({
    apiKey: 'bench',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: replay,
  });
  const messages = MESSAGES;
  const chat = scenario(() =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0.2 }),
  );
  // The caller asks for usage itself (only the uninstrumented child's "usage bytes" pairs switch it on).
  let callerUsage = false;
  // A bare chunk observer around the SDK's stream (only the span-floor child's second paired loop
  // switches it on).
  let observeBare = false;
  const withUsage = { include_usage: true };
  const streamOf = (chunks) => {
    const options = { headers: { 'x-fake-chunks': String(chunks) } };
    return scenario(async () => {
      const s = await client.chat.completions.create(
        callerUsage
          ? { model: 'gpt-4o-mini', messages, stream: true, stream_options: withUsage }
          : { model: 'gpt-4o-mini', messages, stream: true },
        options,
      );
      let n = 0;
      for await (const _c of observeBare ? harness.bareChunkObserver(s) : s) n++;
      return n;
    });
  };
  const stream = streamOf(CHUNKS);
  const embed = scenario(() =>
    client.embeddings.create({ model: 'text-embedding-3-small', input: 'The quick brown fox' }),
  );
  // CPU time (user + system) per call, median over blocks of BLOCK calls: wall time is dominated by
  // other processes on a loaded machine, CPU time is what the instrumentation costs. WARM_UP untimed calls
  // first: the JIT and the heap's sizing settle over the first thousands of calls (see WARM_UP).
  const time = async (fn, n, warm) => {
    for (let i = 0; i < warm; i++) await fn();
    const out = [];
    for (let done = 0; done < n; done += BLOCK) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) await fn();
      const c = process.cpuUsage(c0);
      out.push((c.user + c.system) / BLOCK);
    }
    return harness.median(out);
  };
  const result = {
    chat: await time(chat, calls, WARM_UP),
    stream: await time(stream, Math.ceil(calls / 3), Math.ceil(WARM_UP / 5)),
    embeddings: await time(embed, calls, WARM_UP),
  };
  // The short and long streams paired with a flag of this child switched off and on; the flag is off
  // again afterwards.
  const pairedFlag = async (set, short, long) => {
    const p = await harness.pairedCpu(
      harness.flagToggle(set),
      [
        { name: 'short', fn: short, block: 100 },
        { name: 'long', fn: long, block: harness.streamBlock(LONG) },
      ],
      21,
    );
    set(false);
    return p;
  };
  // What asking for usage costs the SDK: the same streams with and without the caller's
  // stream_options.include_usage (the API then adds `"usage":null` to every chunk and sends one usage
  // chunk more). Our usage request costs the instrumented SDK this much.
  const usageRequestCost = (short, long) =>
    pairedFlag(
      (on) => {
        callerUsage = on;
      },
      short,
      long,
    );
  // Paired figures (ours only): the same process with the instrumentation switched off and on in
  // alternating blocks (bench/_harness.mjs), so load from other processes hits both sides alike; streams
  // of two more lengths give the per-chunk slope.
  if (variant.startsWith('genai-ops') || harness.isFloor(variant)) {
    const short = streamOf(SHORT);
    const long = streamOf(LONG);
    const p = await harness.pairedCpu(
      toggle,
      [
        { name: 'chat', fn: chat, block: 200 },
        { name: 'short', fn: short, block: 100 },
        { name: 'stream', fn: stream, block: 40 },
        { name: 'long', fn: long, block: harness.streamBlock(LONG) },
      ],
      21,
    );
    result.pairedChat = p.chat;
    result.pairedShort = p.short;
    result.pairedStream = p.stream;
    result.pairedLong = p.long;
    result.shortSeen = await short();
    result.longSeen = await long();
    if (variant === harness.SPAN_FLOOR) {
      // The least any instrumentation that sees each chunk as it arrives adds per chunk, on this machine:
      // measured here, inside the span floor, so the context manager's promise hooks run as they do under
      // ours (the uninstrumented child never enables them).
      const bare = await pairedFlag(
        (on) => {
          observeBare = on;
        },
        short,
        long,
      );
      result.bareShort = bare.short;
      result.bareLong = bare.long;
      // The usage request's cost again, with the floor's span active around every call (pairedCpu leaves
      // it on), as in a traced process.
      const usage = await usageRequestCost(short, long);
      result.usageShort = usage.short;
      result.usageLong = usage.long;
    }
  } else if (variant === 'uninstrumented') {
    const short = streamOf(SHORT);
    const long = streamOf(LONG);
    const p = await usageRequestCost(short, long);
    result.usageShort = p.short;
    result.usageLong = p.long;
    result.shortSeen = await short();
    result.longSeen = await long();
  }
  result.chunksSeen = await stream();
  // Heap growth per 10k non-streaming calls, after GC on both sides. Measured last: the full GCs it needs
  // leave the process running the next few thousand calls at up to twice their steady cost (see time()).
  // Every stream above was read to its end, so the abandoned-stream registry holds none of their calls.
  await chat();
  global.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) await chat();
  await new Promise((r) => setTimeout(r, 50));
  global.gc();
  result.heapKBPer10k = (process.memoryUsage().heapUsed - before) / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runVariant(variant, recorded, calls) {
  return harness.runChild(fileURLToPath(import.meta.url), variant, recorded, calls, ['--expose-gc']);
}

async function main() {
  const calls = Number(process.argv[2] ?? 3000);
  const rounds = Number(process.argv[3] ?? 3);
  const loadBefore = loadavg()[0];
  const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');
  const fake = await startFakeProvider({ chunkDelayMs: 0 });
  let recorded;
  try {
    recorded = await record(fake.url);
  } finally {
    await fake.close();
  }
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const failures = {};
  for (let round = 0; round < rounds; round++) {
    for (const v of VARIANTS) {
      try {
        runs[v].push(await runVariant(v, recorded, calls));
      } catch (err) {
        failures[v] = String(err.message).slice(0, 200);
      }
    }
  }
  const rows = {};
  for (const v of VARIANTS) {
    const list = runs[v];
    if (list.length === 0) {
      rows[v] = { error: failures[v] };
      continue;
    }
    rows[v] = {
      chat: Math.min(...list.map((r) => r.chat)),
      stream: Math.min(...list.map((r) => r.stream)),
      embeddings: Math.min(...list.map((r) => r.embeddings)),
      heapKBPer10k: harness.median(list.map((r) => r.heapKBPer10k)),
      chunksSeen: list[0].chunksSeen,
      pairedChat: harness.median(list.map((r) => r.pairedChat ?? Number.NaN)),
      pairedStream: harness.median(list.map((r) => r.pairedStream ?? Number.NaN)),
      pairedShort: harness.median(list.map((r) => r.pairedShort ?? Number.NaN)),
      pairedLong: harness.median(list.map((r) => r.pairedLong ?? Number.NaN)),
      usageShort: harness.median(list.map((r) => r.usageShort ?? Number.NaN)),
      usageLong: harness.median(list.map((r) => r.usageLong ?? Number.NaN)),
      bareShort: harness.median(list.map((r) => r.bareShort ?? Number.NaN)),
      bareLong: harness.median(list.map((r) => r.bareLong ?? Number.NaN)),
      shortSeen: list[0].shortSeen,
      longSeen: list[0].longSeen,
    };
  }
  const base = rows.uninstrumented;
  const f = (n) => (typeof n === 'number' ? n.toFixed(1) : '-');
  const added = (v, key) => (rows[v][key] !== undefined ? rows[v][key] - base[key] : undefined);
  console.log(
    `openai 6.49.0, Node ${process.version}, ${calls} calls per scenario (stream: ${Math.ceil(calls / 3)}), best median of ${rounds} rounds, CPU µs per call; chunks seen by the caller: ${VARIANTS.map((v) => rows[v].chunksSeen ?? '-').join('/')}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; ${harness.pinNote()}`,
  );
  console.log(
    '| variant | chat µs | chat added | stream(50) µs | stream added | added per chunk | embeddings µs | embeddings added | heap KB / 10k calls |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS) {
    const r = rows[v];
    if (r.error) {
      console.log(`| ${v} | failed: ${r.error} |`);
      continue;
    }
    const streamAdded = added(v, 'stream');
    console.log(
      `| ${v} | ${f(r.chat)} | ${f(added(v, 'chat'))} | ${f(r.stream)} | ${f(streamAdded)} | ${f(streamAdded / CHUNKS)} | ${f(r.embeddings)} | ${f(added(v, 'embeddings'))} | ${f(r.heapKBPer10k)} |`,
    );
  }
  console.log(
    `\nPaired in-process figures (instrumentation disabled/enabled in alternating blocks, the order flipped every other block; CPU µs per call, median of 21 block differences, median of ${rounds} rounds). "per chunk, incl. call" = stream(${CHUNKS}) added / ${CHUNKS}; "per-chunk slope" = (stream(${LONG}) added - stream(${SHORT}) added) / (chunks seen difference), the per-call cost cancelled:`,
  );
  console.log(
    `| variant | chat added | stream(${SHORT}) added | stream(${CHUNKS}) added | stream(${LONG}) added | per chunk, incl. call | per-chunk slope |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const f2 = (n) => (typeof n === 'number' ? n.toFixed(2) : '-');
  for (const v of VARIANTS.filter((x) => x.startsWith('genai-ops') || harness.isFloor(x))) {
    const r = rows[v];
    if (r.error) continue;
    const slope = harness.perChunkSlope(r.pairedShort, r.pairedLong, r.shortSeen, r.longSeen);
    console.log(
      `| ${v} | ${f(r.pairedChat)} | ${f(r.pairedShort)} | ${f(r.pairedStream)} | ${f(r.pairedLong)} | ${f2(r.pairedStream / CHUNKS)} | ${f2(slope)} |`,
    );
  }
  const fl = rows[harness.SPAN_FLOOR];
  console.log(
    harness.floorLines(rows, rows['genai-ops'], [
      ['chat', (r) => r.pairedChat],
      [`stream(${SHORT})`, (r) => r.pairedShort],
      [`stream(${CHUNKS})`, (r) => r.pairedStream],
    ]),
  );
  const u = rows.uninstrumented;
  if (u && !u.error && Number.isFinite(u.usageShort)) {
    console.log(
      `\nThe SDK alone, uninstrumented, the caller asking for usage vs not (same paired loop): stream(${SHORT}) ${f(u.usageShort)} µs, stream(${LONG}) ${f(u.usageLong)} µs, per-chunk slope ${f2(harness.perChunkSlope(u.usageShort, u.usageLong, u.shortSeen, u.longSeen))} µs. That is what the usage request we add costs the SDK (parsing the \`"usage":null\` the API then adds to every chunk, and the usage chunk); the genai-ops-no-usage-request row is our own code without it.`,
    );
  }
  if (fl && !fl.error && Number.isFinite(fl.usageShort)) {
    console.log(
      `\nThe same, in the span floor's process with its span active around each call (as in any traced process): stream(${SHORT}) ${f(fl.usageShort)} µs, stream(${LONG}) ${f(fl.usageLong)} µs, per-chunk slope ${f2(harness.perChunkSlope(fl.usageShort, fl.usageLong, fl.shortSeen, fl.longSeen))} µs.`,
    );
  }
  if (fl && !fl.error && Number.isFinite(fl.bareShort)) {
    console.log(
      `\n${harness.bareObserverLine(fl.bareShort, fl.bareLong, harness.perChunkSlope(fl.bareShort, fl.bareLong, fl.shortSeen, fl.longSeen), SHORT, LONG)}`,
    );
  }
}

await harness.childOrMain(child, main);
