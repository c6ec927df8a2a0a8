// Overhead of @genai-ops/instrumentation-anthropic on @anthropic-ai/sdk calls: median µs added per call and
// heap growth per 10k calls, non-streaming and a 50-chunk stream, each mode in its own Node process.
// The replies are real fake-provider responses recorded once over HTTP, then replayed through the SDK's
// `fetch` option, so the SDK runs its full request/parse path without network noise in the figures.
// Usage: npx tsc -b packages/instrumentation-anthropic packages/fake-provider && node --expose-gc bench/anthropic.mjs [calls=5000]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const MODEL = 'claude-sonnet-5-5';
const MODES = ['baseline', 'sdk-otel', 'genai-ops', 'genai-ops+content'];
const SCENARIOS = ['non-streaming', 'stream 50 chunks'];

async function record() {
  const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');
  const fake = await startFakeProvider();
  const body = (stream) => ({
    model: MODEL,
    max_tokens: 200,
    stream,
    messages: [{ role: 'user', content: 'The quick brown fox' }],
  });
  const post = async (stream) => {
    const r = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-chunks': '50' },
      body: JSON.stringify(body(stream)),
    });
    return { status: r.status, contentType: r.headers.get('content-type'), text: await r.text() };
  };
  const out = { 'non-streaming': await post(false), 'stream 50 chunks': await post(true) };
  await fake.close();
  return out;
}

async function child(mode, scenario, recorded, calls) {
  const reply = recorded[scenario];
  const stream = scenario !== 'non-streaming';
  if (mode !== 'baseline') {
    const { trace } = require('@opentelemetry/api');
    const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
    const {
      MeterProvider,
      PeriodicExportingMetricReader,
      AggregationTemporality,
    } = require('@opentelemetry/sdk-metrics');
    const discard = {
      export: (_items, done) => done({ code: 0 }),
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(discard, { scheduledDelayMillis: 50, maxQueueSize: 4096 })],
    });
    trace.setGlobalTracerProvider(tracerProvider);
    const meterProvider = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: { ...discard, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE },
          exportIntervalMillis: 60_000,
        }),
      ],
    });
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
  const Anthropic = require('@anthropic-ai/sdk');
  // Replays the recorded reply; a stream is cut into its SSE events, as the server wrote them.
  const pieces = stream ? reply.text.split(/(?<=\n\n)/) : [reply.text];
  const encoder = new TextEncoder();
  const fetchReplay = async () =>
    new Response(
      new ReadableStream({
        start(controller) {
          for (const p of pieces) controller.enqueue(encoder.encode(p));
          controller.close();
        },
      }),
      { status: reply.status, headers: { 'content-type': reply.contentType, 'request-id': 'req_bench' } },
    );
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
  for (let i = 0; i < 500; i++) await one();
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
  // Two rounds: the first collection queues FinalizationRegistry callbacks (the abandoned-stream safety
  // net holds each call until its stream is collected), the second frees what they held.
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

if (process.argv[2] === '--child') {
  const [, , , mode, scenario, file, calls] = process.argv;
  const recorded = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
  const r = await child(mode, scenario, recorded, Number(calls));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
} else {
  const calls = Number(process.argv[2] ?? 5000);
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
        process.execPath,
        ['--expose-gc', self, '--child', mode, scenario, file, String(calls)],
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
  console.log(
    `@anthropic-ai/sdk ${require('@anthropic-ai/sdk/version').VERSION}, Node ${process.version}, ${calls} timed calls after 500 warm-up\n`,
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
}
