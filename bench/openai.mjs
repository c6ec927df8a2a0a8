// Overhead of OpenAI instrumentations on the openai SDK (6.49.0), each variant in its own Node process,
// against the fake provider over real HTTP on 127.0.0.1 (chunkDelayMs 0, started in this parent process).
// Children run a real SDK TracerProvider (SimpleSpanProcessor) and MeterProvider, exporting to a no-op
// exporter: export cost is not the instrumentation's.
// Figures: median µs per call, µs added vs the uninstrumented SDK (and per chunk for the stream), heap
// growth per 10k non-streaming calls (after GC).
// Usage: npx tsc -b packages/instrumentation-openai packages/fake-provider && node bench/openai.mjs [calls=3000]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const VARIANTS = ['uninstrumented', 'genai-ops', 'genai-ops+content', 'otel-contrib@0.21.0', 'traceloop@0.27.0'];
const CHUNKS = 50;

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function setupOtel(variant) {
  if (variant === 'uninstrumented') return;
  const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { trace, metrics } = require('@opentelemetry/api');
  const discard = { export: (_items, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(tracerProvider);
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: discard, exportIntervalMillis: 3_600_000 })],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  let instrumentation;
  if (variant.startsWith('genai-ops')) {
    const { OpenAIInstrumentation } = require('../packages/instrumentation-openai/dist/index.js');
    instrumentation = new OpenAIInstrumentation({ captureMessageContent: variant.endsWith('+content') });
  } else if (variant.startsWith('otel-contrib')) {
    const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
    instrumentation = new OpenAIInstrumentation();
  } else {
    const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
    // Content off, as for the others (its default records prompts).
    instrumentation = new OpenAIInstrumentation({ traceContent: false });
  }
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
}

async function child(variant, url, calls) {
  setupOtel(variant);
  const OpenAI = require('openai');
  const client = new OpenAI({ apiKey: 'bench', baseURL: `${url}/v1`, maxRetries: 0 });
  const messages = [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog' }];
  const chat = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0.2 });
  const stream = async () => {
    const s = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: { 'x-fake-chunks': String(CHUNKS) } },
    );
    let n = 0;
    for await (const _c of s) n++;
    return n;
  };
  const embed = () => client.embeddings.create({ model: 'text-embedding-3-small', input: 'The quick brown fox' });
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
    chat: await time(chat, calls),
    stream: await time(stream, Math.ceil(calls / 3)),
    embeddings: await time(embed, calls),
  };
  // Heap growth per 10k non-streaming calls, after GC on both sides.
  global.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 10_000; i++) await chat();
  await new Promise((r) => setTimeout(r, 50));
  global.gc();
  result.heapKBPer10k = (process.memoryUsage().heapUsed - before) / 1024;
  result.chunksSeen = await stream();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(variant, url, calls) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', variant, url, String(calls)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => c.kill('SIGKILL'), 600_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${variant} exited with ${code}: ${out}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

async function main() {
  const calls = Number(process.argv[2] ?? 3000);
  const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');
  const fake = await startFakeProvider({ chunkDelayMs: 0 });
  const rows = {};
  try {
    for (const v of VARIANTS) {
      try {
        rows[v] = await runChild(v, fake.url, calls);
      } catch (err) {
        rows[v] = { error: String(err.message).slice(0, 200) };
      }
    }
  } finally {
    await fake.close();
  }
  const base = rows.uninstrumented;
  const f = (n) => (typeof n === 'number' ? n.toFixed(1) : '-');
  const added = (v, key) => (rows[v][key] !== undefined ? rows[v][key] - base[key] : undefined);
  console.log(`openai 6.49.0, Node ${process.version}, ${calls} calls per scenario (stream: ${Math.ceil(calls / 3)}), median µs per call`);
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
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4], Number(process.argv[5])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  await main();
}
