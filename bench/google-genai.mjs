// Overhead of the genai-ops instrumentation on @google/genai (2.32.0), each variant in its own Node process.
// The fake provider (chunkDelayMs 0) answers each request shape once over real HTTP; the children then
// replay those exact replies through a replaced global `fetch` (the SDK calls the global), so the SDK runs
// its whole request, parse and SSE path while socket and server time stay out of the figures.
// Children run a real SDK TracerProvider (SimpleSpanProcessor) and MeterProvider exporting to a no-op
// exporter. Figures: median µs per call (lowest median over ROUNDS rounds, variants interleaved), µs added
// vs the uninstrumented SDK (and per chunk for the stream); and, in the instrumented children, a paired
// CPU-time figure (our instrumentation disabled/enabled in alternating blocks of the same process).
// Usage: npx tsc -b packages/instrumentation-google-genai packages/fake-provider && node bench/google-genai.mjs [calls=2000] [rounds=3]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { childOrMain, discardingProviders, median, runChild } from './_harness.mjs';

const require = createRequire(import.meta.url);
const VARIANTS = ['uninstrumented', 'genai-ops', 'genai-ops+content'];
const CHUNKS = 50;
const MODEL = 'gemini-2.0-flash';
const CONTENTS = 'The quick brown fox jumps over the lazy dog';

function setupOtel(variant) {
  if (variant === 'uninstrumented') return undefined;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { tracerProvider, meterProvider } = discardingProviders();
  const { GoogleGenAIInstrumentation } = require('../packages/instrumentation-google-genai/dist/index.js');
  const instrumentation = new GoogleGenAIInstrumentation({
    captureMessageContent: variant.endsWith('+content'),
  });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
  return instrumentation;
}

function replyKey(path) {
  if (path.includes(':streamGenerateContent')) return 'stream';
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
  return {
    generate: await post('generateContent', body),
    stream: await post('streamGenerateContent?alt=sse', body, { 'x-fake-chunks': String(CHUNKS) }),
    embed: await post('embedContent', { content: { parts: [{ text: CONTENTS }] } }),
  };
}

/**
 * CPU time (user + system) per call of `fn`, median over blocks of `block` calls: on a shared machine
 * wall time is mostly other processes, CPU time is what the instrumentation costs.
 */
async function cpuPerCall(fn, n, block) {
  const out = [];
  for (let done = 0; done < n; done += block) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < block; i++) await fn();
    const c = process.cpuUsage(c0);
    out.push((c.user + c.system) / block);
  }
  return median(out);
}

/**
 * The paired figure: the same process with our instrumentation disabled and enabled in alternating
 * blocks (load from other processes hits both sides alike); the median of the per-block differences.
 */
async function paired(instrumentation, fn, blocks, block) {
  const diffs = [];
  // A few untimed calls after each switch: the first calls after patching or unpatching re-warm the
  // JIT's inline caches, a cost of switching, not of either state.
  const warm = async () => {
    for (let i = 0; i < Math.ceil(block / 5); i++) await fn();
  };
  for (let b = 0; b < blocks; b++) {
    instrumentation.disable();
    await warm();
    const off = await cpuPerCall(fn, block, block);
    instrumentation.enable();
    await warm();
    diffs.push((await cpuPerCall(fn, block, block)) - off);
  }
  return median(diffs);
}

async function child(variant, recorded, calls) {
  const instrumentation = setupOtel(variant);
  globalThis.fetch = async (input) => {
    const r = recorded[replyKey(new URL(String(input.url ?? input)).pathname)];
    return new Response(r.text, { status: r.status, headers: r.headers });
  };
  const { GoogleGenAI } = require('@google/genai');
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: 'http://127.0.0.1:9' } });
  const generate = () =>
    ai.models.generateContent({ model: MODEL, contents: CONTENTS, config: { temperature: 0.2 } });
  const stream = async () => {
    const s = await ai.models.generateContentStream({ model: MODEL, contents: CONTENTS });
    let n = 0;
    for await (const _c of s) n++;
    return n;
  };
  const embed = () => ai.models.embedContent({ model: 'text-embedding-004', contents: CONTENTS });
  const time = async (fn, n) => {
    for (let i = 0; i < Math.min(300, n); i++) await fn();
    const out = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      out.push((performance.now() - t0) * 1000);
    }
    return median(out);
  };
  const result = {
    generate: await time(generate, calls),
    stream: await time(stream, Math.ceil(calls / 3)),
    embed: await time(embed, calls),
    chunksSeen: await stream(),
  };
  if (instrumentation) {
    result.pairedGenerate = await paired(instrumentation, generate, 21, 200);
    result.pairedStream = await paired(instrumentation, stream, 21, 30);
    result.pairedEmbed = await paired(instrumentation, embed, 21, 200);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runVariant(variant, recorded, calls) {
  return runChild(fileURLToPath(import.meta.url), variant, recorded, calls, []);
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
      pairedGenerate: median(list.map((r) => r.pairedGenerate ?? Number.NaN)),
      pairedStream: median(list.map((r) => r.pairedStream ?? Number.NaN)),
      pairedEmbed: median(list.map((r) => r.pairedEmbed ?? Number.NaN)),
    };
  }
  const base = rows.uninstrumented;
  const f = (n) => n.toFixed(1);
  const version = JSON.parse(
    readFileSync(new URL('../node_modules/@google/genai/package.json', import.meta.url), 'utf8'),
  ).version;
  console.log(
    `@google/genai ${version}, Node ${process.version}, ${calls} calls per scenario (stream: ${Math.ceil(calls / 3)}), best median of ${rounds} rounds, µs per call; chunks per stream seen by the caller: ${VARIANTS.map((v) => rows[v].chunksSeen).join('/')}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`,
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
    '\nPaired in-process figures (instrumentation disabled/enabled in alternating blocks, CPU µs, median of block differences over the rounds):',
  );
  console.log('| variant | generateContent added | stream added | per chunk | embedContent added |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS.filter((x) => x !== 'uninstrumented')) {
    const r = rows[v];
    console.log(
      `| ${v} | ${f(r.pairedGenerate)} | ${f(r.pairedStream)} | ${f(r.pairedStream / r.chunksSeen)} | ${f(r.pairedEmbed)} |`,
    );
  }
}

await childOrMain(child, main);
