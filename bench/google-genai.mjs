// Overhead of the genai-ops instrumentation on @google/genai (2.32.0), each variant in its own Node process.
// The fake provider (chunkDelayMs 0) answers each request shape once over real HTTP; the children then
// replay those exact replies through a replaced global `fetch` (the SDK calls the global), so the SDK runs
// its whole request, parse and SSE path while socket and server time stay out of the figures.
// Children run a real SDK TracerProvider (SimpleSpanProcessor) and MeterProvider exporting to a no-op
// exporter. Figures: median µs per call (lowest median over ROUNDS rounds, variants interleaved), µs added
// vs the uninstrumented SDK (and per chunk for the stream); and, in the instrumented children, a paired
// CPU-time figure (our instrumentation disabled/enabled in alternating blocks of the same process, the order
// flipped every other block: pairedCpu in bench/_harness.mjs), with streams of 10, 50 and 500 chunks; the
// per-chunk slope (added(500) - added(10)) / 490 leaves the per-call cost out.
// The span-floor variant (spanFloor in bench/_harness.mjs: one bare SDK span made active around each call) is
// paired the same way: what any span-per-call instrumentation adds here; ours minus it is our own code's cost.
// The conventions-floor variant (conventionsFloor in bench/_harness.mjs: that span carrying the attributes ours
// puts on the span of the same call, captured from one call of ours) is paired too: the least any
// instrumentation emitting the conventions' span adds; ours minus it is what our parsing, metrics and stream
// observation cost.
// Usage: npx tsc -b packages/instrumentation-google-genai packages/fake-provider && node bench/google-genai.mjs [calls=2000] [rounds=3]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as harness from './_harness.mjs';

const require = createRequire(import.meta.url);
const VARIANTS = ['uninstrumented', 'genai-ops', 'genai-ops+content', ...harness.FLOORS];
const CHUNKS = 50;
/** The two stream lengths of the per-chunk slope (paired figures only). */
const SHORT = 10;
const LONG = harness.LONG_CHUNKS;
const MODEL = 'gemini-2.0-flash';
const CONTENTS = 'The quick brown fox jumps over the lazy dog';

function setupOtel(variant) {
  if (variant === 'uninstrumented') return undefined;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { tracerProvider, meterProvider } = harness.discardingProviders();
  if (variant === harness.SPAN_FLOOR) return harness.spanFloor(tracerProvider);
  const { GoogleGenAIInstrumentation } = require('../packages/instrumentation-google-genai/dist/index.js');
  const instrumentation = new GoogleGenAIInstrumentation({
    captureMessageContent: variant.endsWith('+content'),
  });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
  if (variant === harness.CONVENTIONS_FLOOR) return harness.conventionsFloor(tracerProvider, instrumentation);
  return instrumentation;
}

function replyKey(path, chunks) {
  if (path.includes(':streamGenerateContent')) return `stream:${chunks}`;
  if (path.includes(':embedContent') || path.includes(':batchEmbedContents')) return 'embed';
  return 'generate';
}

async function record(url) {
  const post = async (method, body, headers = {}) => {
    const r = await fetch(`${url}/v1beta/models/${MODEL}:${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: r.status, headers: Object.fromEntries(r.headers), text: await r.text() };
  };
  const body = {
    contents: [{ role: 'user', parts: [{ text: CONTENTS }] }],
    generationConfig: { temperature: 0.2 },
  };
  const out = {
    generate: await post('generateContent', body),
    embed: await post('embedContent', { content: { parts: [{ text: CONTENTS }] } }),
  };
  for (const n of [SHORT, CHUNKS, LONG])
    out[`stream:${n}`] = await post('streamGenerateContent?alt=sse', body, { 'x-fake-chunks': String(n) });
  return out;
}

/**
 * Untimed calls before each timed scenario (a fifth of it for the stream): a fresh process runs its first
 * thousands of calls at up to twice their steady cost, an instrumented one longer (see bench/openai.mjs).
 */
const WARM_UP = 10_000;

async function child(variant, recorded, calls) {
  const instrumentation = setupOtel(variant);
  // The span floor (bench/_harness.mjs) wraps every scenario function; the others run them as they are.
  const { wrap: scenario, toggle } = harness.pairedHooks(instrumentation);
  // Calls run one at a time, so the stream length of the call in flight selects the reply.
  let chunks = CHUNKS;
  globalThis.fetch = async (input) => {
    const r = recorded[replyKey(new URL(String(input.url ?? input)).pathname, chunks)];
    return harness.replayResponse(r);
  };
  const { GoogleGenAI } = require('@google/genai');
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: 'http://127.0.0.1:9' } });
  const generate = scenario(() =>
    ai.models.generateContent({ model: MODEL, contents: CONTENTS, config: { temperature: 0.2 } }),
  );
  const streamOf = (n) =>
    scenario(async () => {
      chunks = n;
      const s = await ai.models.generateContentStream({ model: MODEL, contents: CONTENTS });
      let seen = 0;
      for await (const _c of s) seen++;
      return seen;
    });
  const stream = streamOf(CHUNKS);
  const embed = scenario(() => ai.models.embedContent({ model: 'text-embedding-004', contents: CONTENTS }));
  const time = harness.medianWallUs;
  const result = {
    generate: await time(generate, calls, WARM_UP),
    stream: await time(stream, Math.ceil(calls / 3), Math.ceil(WARM_UP / 5)),
    embed: await time(embed, calls, WARM_UP),
    chunksSeen: await stream(),
  };
  if (instrumentation) {
    const short = streamOf(SHORT);
    const long = streamOf(LONG);
    const p = await harness.pairedCpu(
      toggle,
      [
        { name: 'generate', fn: generate, block: 200 },
        { name: 'short', fn: short, block: 60 },
        { name: 'stream', fn: stream, block: 30 },
        { name: 'long', fn: long, block: harness.streamBlock(LONG) },
        { name: 'embed', fn: embed, block: 200 },
      ],
      21,
    );
    result.pairedGenerate = p.generate;
    result.pairedShort = p.short;
    result.pairedStream = p.stream;
    result.pairedLong = p.long;
    result.pairedEmbed = p.embed;
    result.shortSeen = await short();
    result.longSeen = await long();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runVariant(variant, recorded, calls) {
  return harness.runChild(fileURLToPath(import.meta.url), variant, recorded, calls, []);
}

async function main() {
  const calls = Number(process.argv[2] ?? 2000);
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
  for (let round = 0; round < rounds; round++)
    for (const v of VARIANTS) runs[v].push(await runVariant(v, recorded, calls));
  const rows = {};
  for (const v of VARIANTS) {
    const list = runs[v];
    rows[v] = {
      generate: Math.min(...list.map((r) => r.generate)),
      stream: Math.min(...list.map((r) => r.stream)),
      embed: Math.min(...list.map((r) => r.embed)),
      chunksSeen: list[0].chunksSeen,
      pairedGenerate: harness.median(list.map((r) => r.pairedGenerate ?? Number.NaN)),
      pairedStream: harness.median(list.map((r) => r.pairedStream ?? Number.NaN)),
      pairedEmbed: harness.median(list.map((r) => r.pairedEmbed ?? Number.NaN)),
      pairedShort: harness.median(list.map((r) => r.pairedShort ?? Number.NaN)),
      pairedLong: harness.median(list.map((r) => r.pairedLong ?? Number.NaN)),
      shortSeen: list[0].shortSeen,
      longSeen: list[0].longSeen,
    };
  }
  const base = rows.uninstrumented;
  const f = (n) => n.toFixed(1);
  const version = JSON.parse(
    readFileSync(new URL('../node_modules/@google/genai/package.json', import.meta.url), 'utf8'),
  ).version;
  console.log(
    `@google/genai ${version}, Node ${process.version}, ${calls} calls per scenario (stream: ${Math.ceil(calls / 3)}), best median of ${rounds} rounds, µs per call; chunks per stream seen by the caller: ${VARIANTS.map((v) => rows[v].chunksSeen).join('/')}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; ${harness.pinNote()}`,
  );
  console.log(
    '| variant | generateContent µs | added | stream µs | added | added per chunk | embedContent µs | added |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS) {
    const r = rows[v];
    const sAdded = r.stream - base.stream;
    console.log(
      `| ${v} | ${f(r.generate)} | ${f(r.generate - base.generate)} | ${f(r.stream)} | ${f(sAdded)} | ${f(sAdded / rows[v].chunksSeen)} | ${f(r.embed)} | ${f(r.embed - base.embed)} |`,
    );
  }
  console.log(
    `\nPaired in-process figures (instrumentation disabled/enabled in alternating blocks, the order flipped every other block; CPU µs per call, median of 21 block differences, median of ${rounds} rounds). "per chunk, incl. call" = stream(${CHUNKS}) added / chunks; "per-chunk slope" = (stream(${LONG}) added - stream(${SHORT}) added) / (chunks difference), the per-call cost cancelled:`,
  );
  console.log(
    `| variant | generateContent added | stream(${SHORT}) added | stream(${CHUNKS}) added | stream(${LONG}) added | per chunk, incl. call | per-chunk slope | embedContent added |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS.filter((x) => x !== 'uninstrumented')) {
    const r = rows[v];
    const slope = harness.perChunkSlope(r.pairedShort, r.pairedLong, r.shortSeen, r.longSeen);
    console.log(
      `| ${v} | ${f(r.pairedGenerate)} | ${f(r.pairedShort)} | ${f(r.pairedStream)} | ${f(r.pairedLong)} | ${(r.pairedStream / r.chunksSeen).toFixed(2)} | ${slope.toFixed(2)} | ${f(r.pairedEmbed)} |`,
    );
  }
  console.log(
    harness.floorLines(rows, rows['genai-ops'], [
      ['generateContent', (r) => r.pairedGenerate],
      [`stream(${SHORT})`, (r) => r.pairedShort],
      [`stream(${CHUNKS})`, (r) => r.pairedStream],
      ['embedContent', (r) => r.pairedEmbed],
    ]),
  );
}

await harness.childOrMain(child, main);
