// Overhead of the genai-ops instrumentation on @aws-sdk/client-bedrock-runtime (3.1164.0), each variant in
// its own Node process. The fake provider (chunkDelayMs 0) answers each request shape once over real HTTP;
// the children then replay those exact bytes (JSON, or AWS event-stream frames) through a custom
// `requestHandler`, so the SDK runs its whole middleware, signing, parse and event-stream decode path while
// socket and server time stay out of the figures. Instrumented children run what the register entry sets
// up: a real SDK TracerProvider (BatchSpanProcessor) and MeterProvider exporting to a no-op exporter, and
// the AsyncLocalStorage context manager (NodeSDK installs it; without one `context.with` is a no-op and the
// SDK's async chain would not carry our span). Figures: median µs per call (lowest median over ROUNDS
// rounds, variants interleaved), µs added vs the uninstrumented SDK (and per event for the streams); and,
// in the instrumented children, a paired CPU-time figure (`pairedCpu` of _harness.mjs: our
// instrumentation disabled/enabled in alternating blocks of the same process, every scenario in every
// block, the order of the two halves flipped every other block). Streams run at two lengths (CHUNKS and SHORT_CHUNKS content
// chunks): "per event" is a whole stream's added time over its events (the per-call part included, as in
// the other benchmarks), "marginal per event" the difference of the two lengths over the difference of
// their event counts (what one more event costs).
// The span-floor variant (spanFloor in bench/_harness.mjs: one bare SDK span made active around each call) is
// paired the same way: what any span-per-call instrumentation adds here; ours minus it is our own code's cost.
// `node bench/bedrock.mjs probe [calls=2000]` instead times one OpenTelemetry span (start + end, real SDK
// tracer) in place: right before each uninstrumented Converse call (i.e. right after the previous one),
// again immediately after that, in a plain loop, and right after sweeping 32 MB of memory; it shows why a
// span costs several times more inside the AWS SDK's call flow than in a loop (see
// docs/bench/google-bedrock.md).
// The conventions-floor variant (conventionsFloor in bench/_harness.mjs: that span carrying the attributes ours
// puts on the span of the same call, captured from one call of ours) is paired too: the least any
// instrumentation emitting the conventions' span adds; ours minus it is what our parsing, metrics and stream
// observation cost.
// Usage: npx tsc -b packages/instrumentation-bedrock packages/fake-provider && node bench/bedrock.mjs [calls=2000] [rounds=3]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as harness from './_harness.mjs';

const require = createRequire(import.meta.url);
const VARIANTS = ['uninstrumented', 'genai-ops', 'genai-ops+content', ...harness.FLOORS];
const CHUNKS = 50;
const SHORT_CHUNKS = 10;
/**
 * Untimed calls before each timed scenario (a fifth of it for the streams): a fresh process runs its first
 * thousands of calls at up to twice their steady cost, an instrumented one longer (see bench/openai.mjs).
 */
const WARM_UP = 3000;
const CONVERSE_MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const INVOKE_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
// The short streams use the same model families under another id, so the replay tells them apart by path.
const CONVERSE_MODEL_SHORT = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const INVOKE_MODEL_SHORT = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const TEXT = 'The quick brown fox jumps over the lazy dog';
const CONVERSE = {
  messages: [{ role: 'user', content: [{ text: TEXT }] }],
  inferenceConfig: { maxTokens: 200, temperature: 0.2 },
};
const INVOKE = {
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 200,
  messages: [{ role: 'user', content: TEXT }],
};

/** What the register entry sets up, with no-op exporters, and the AsyncLocalStorage context manager. */
function setupProviders() {
  const providers = harness.discardingProviders();
  const { context } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return providers;
}

function setupOtel(variant) {
  if (variant === 'uninstrumented') return undefined;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { tracerProvider, meterProvider } = setupProviders();
  if (variant === harness.SPAN_FLOOR) return harness.spanFloor(tracerProvider);
  const { BedrockRuntimeInstrumentation } = require('../packages/instrumentation-bedrock/dist/index.js');
  const instrumentation = new BedrockRuntimeInstrumentation({
    captureMessageContent: variant.endsWith('+content'),
  });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
  if (variant === harness.CONVENTIONS_FLOOR) return harness.conventionsFloor(tracerProvider, instrumentation);
  return instrumentation;
}

async function record(url) {
  const post = async (path, body, headers = {}) => {
    const r = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: r.status,
      headers: Object.fromEntries(r.headers),
      base64: Buffer.from(await r.arrayBuffer()).toString('base64'),
    };
  };
  const chunks = { 'x-fake-chunks': String(CHUNKS) };
  const short = { 'x-fake-chunks': String(SHORT_CHUNKS) };
  const m = (id) => encodeURIComponent(id);
  const stream = 'invoke-with-response-stream';
  return {
    [`${CONVERSE_MODEL}/converse`]: await post(`/model/${m(CONVERSE_MODEL)}/converse`, CONVERSE),
    [`${CONVERSE_MODEL}/converse-stream`]: await post(
      `/model/${m(CONVERSE_MODEL)}/converse-stream`,
      CONVERSE,
      chunks,
    ),
    [`${CONVERSE_MODEL_SHORT}/converse-stream`]: await post(
      `/model/${m(CONVERSE_MODEL_SHORT)}/converse-stream`,
      CONVERSE,
      short,
    ),
    [`${INVOKE_MODEL}/invoke`]: await post(`/model/${m(INVOKE_MODEL)}/invoke`, INVOKE),
    [`${INVOKE_MODEL}/${stream}`]: await post(`/model/${m(INVOKE_MODEL)}/${stream}`, INVOKE, chunks),
    [`${INVOKE_MODEL_SHORT}/${stream}`]: await post(
      `/model/${m(INVOKE_MODEL_SHORT)}/${stream}`,
      INVOKE,
      short,
    ),
  };
}

/** Times `op` alone, in µs of wall clock (a few µs: the median taken later drops preempted samples). */
function timeOp(op, samples) {
  const t0 = performance.now();
  op();
  samples.push((performance.now() - t0) * 1000);
}

/** The `probe` child: one span's start + end timed in place (see the header). */
async function probe(sdk, client, calls) {
  const { trace } = require('@opentelemetry/api');
  const tracer = trace.getTracer('probe');
  const attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'aws.bedrock',
    'gen_ai.request.model': CONVERSE_MODEL,
  };
  const span = () => tracer.startSpan(`chat ${CONVERSE_MODEL}`, { kind: 2, attributes }).end();
  const converse = () => client.send(new sdk.ConverseCommand({ modelId: CONVERSE_MODEL, ...CONVERSE }));
  const sweep = new Float64Array(4 * 1024 * 1024); // 32 MB
  const touch = () => {
    for (let i = 0; i < sweep.length; i += 8) sweep[i]++;
  };
  const out = { afterCall: [], secondAfterCall: [], loop: [], afterSweep: [], secondAfterSweep: [] };
  for (let i = 0; i < 200; i++) {
    span();
    await converse();
  }
  for (let i = 0; i < calls; i++) {
    timeOp(span, out.afterCall);
    timeOp(span, out.secondAfterCall);
    await converse();
  }
  for (let i = 0; i < calls; i++) timeOp(span, out.loop);
  for (let i = 0; i < Math.min(calls, 300); i++) {
    touch();
    timeOp(span, out.afterSweep);
    timeOp(span, out.secondAfterSweep);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, harness.median(v)]));
}

async function child(variant, recorded, calls) {
  let instrumentation;
  // The probe runs the SDK uninstrumented, under the providers and the context manager.
  if (variant === 'probe') setupProviders();
  else instrumentation = setupOtel(variant);
  const sdk = require('@aws-sdk/client-bedrock-runtime');
  const requestHandler = {
    handle: async (request) => {
      const [, , model, op] = request.path.split('/');
      const r = recorded[`${decodeURIComponent(model)}/${op}`];
      return {
        response: {
          statusCode: r.status,
          headers: r.headers,
          body: Readable.from([Buffer.from(r.base64, 'base64')]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const client = new sdk.BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
    requestHandler,
  });
  if (variant === 'probe') {
    process.stdout.write(`${JSON.stringify(await probe(sdk, client, calls))}\n`);
    return;
  }
  // The span floor (bench/_harness.mjs) wraps every scenario function; the others run them as they are.
  const { wrap: scenario, toggle } = harness.pairedHooks(instrumentation);
  const body = JSON.stringify(INVOKE);
  const converse = scenario(() =>
    client.send(new sdk.ConverseCommand({ modelId: CONVERSE_MODEL, ...CONVERSE })),
  );
  const invoke = scenario(() => client.send(new sdk.InvokeModelCommand({ modelId: INVOKE_MODEL, body })));
  const drain = async (iterable) => {
    let n = 0;
    for await (const _e of iterable) n++;
    return n;
  };
  const converseStreamOf = (modelId) =>
    scenario(async () =>
      drain((await client.send(new sdk.ConverseStreamCommand({ modelId, ...CONVERSE }))).stream),
    );
  const invokeStreamOf = (modelId) =>
    scenario(async () =>
      drain((await client.send(new sdk.InvokeModelWithResponseStreamCommand({ modelId, body }))).body),
    );
  const converseStream = converseStreamOf(CONVERSE_MODEL);
  const invokeStream = invokeStreamOf(INVOKE_MODEL);
  const converseStreamShort = converseStreamOf(CONVERSE_MODEL_SHORT);
  const invokeStreamShort = invokeStreamOf(INVOKE_MODEL_SHORT);
  const time = (fn, n, warm = WARM_UP) => harness.medianWallUs(fn, n, warm);
  const result = {
    converse: await time(converse, calls),
    invoke: await time(invoke, calls),
    converseStream: await time(converseStream, Math.ceil(calls / 3), Math.ceil(WARM_UP / 5)),
    invokeStream: await time(invokeStream, Math.ceil(calls / 3), Math.ceil(WARM_UP / 5)),
    converseStreamShort: await time(converseStreamShort, Math.ceil(calls / 3), Math.ceil(WARM_UP / 5)),
    invokeStreamShort: await time(invokeStreamShort, Math.ceil(calls / 3), Math.ceil(WARM_UP / 5)),
    converseEvents: await converseStream(),
    invokeEvents: await invokeStream(),
    converseShortEvents: await converseStreamShort(),
    invokeShortEvents: await invokeStreamShort(),
  };
  if (instrumentation) {
    const p = await harness.pairedCpu(
      toggle,
      [
        { name: 'pairedConverse', fn: converse, block: 60 },
        { name: 'pairedInvoke', fn: invoke, block: 60 },
        { name: 'pairedConverseStream', fn: converseStream, block: 20 },
        { name: 'pairedConverseStreamShort', fn: converseStreamShort, block: 40 },
        { name: 'pairedInvokeStream', fn: invokeStream, block: 20 },
        { name: 'pairedInvokeStreamShort', fn: invokeStreamShort, block: 40 },
      ],
      21,
    );
    Object.assign(result, p);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runVariant(variant, recorded, calls) {
  return harness.runChild(fileURLToPath(import.meta.url), variant, recorded, calls, ['--no-warnings']);
}

async function main() {
  const probing = process.argv[2] === 'probe';
  const args = probing ? process.argv.slice(3) : process.argv.slice(2);
  const calls = Number(args[0] ?? 2000);
  const rounds = Number(args[1] ?? 3);
  const loadBefore = loadavg()[0];
  const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');
  const fake = await startFakeProvider({ chunkDelayMs: 0 });
  let recorded;
  try {
    recorded = await record(fake.url);
  } finally {
    await fake.close();
  }
  if (probing) {
    const r = await runVariant('probe', recorded, calls);
    const f2 = (n) => n.toFixed(2);
    console.log(
      `One span start + end (real SDK tracer, BatchSpanProcessor, context manager), median wall µs over ${calls}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; ${harness.pinNote()}`,
    );
    console.log('| where | span µs | the next span, right after |');
    console.log('| --- | ---: | ---: |');
    console.log(
      `| before each Converse call (after the previous one) | ${f2(r.afterCall)} | ${f2(r.secondAfterCall)} |`,
    );
    console.log(`| plain loop | ${f2(r.loop)} | |`);
    console.log(
      `| after sweeping 32 MB of memory (no AWS SDK) | ${f2(r.afterSweep)} | ${f2(r.secondAfterSweep)} |`,
    );
    return;
  }
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++)
    for (const v of VARIANTS) runs[v].push(await runVariant(v, recorded, calls));
  const keys = [
    'converse',
    'invoke',
    'converseStream',
    'invokeStream',
    'converseStreamShort',
    'invokeStreamShort',
  ];
  const pairedKeys = [
    'pairedConverse',
    'pairedInvoke',
    'pairedConverseStream',
    'pairedInvokeStream',
    'pairedConverseStreamShort',
    'pairedInvokeStreamShort',
  ];
  const rows = {};
  for (const v of VARIANTS) {
    rows[v] = Object.fromEntries(keys.map((k) => [k, Math.min(...runs[v].map((r) => r[k]))]));
    for (const k of ['converseEvents', 'invokeEvents', 'converseShortEvents', 'invokeShortEvents'])
      rows[v][k] = runs[v][0][k];
    for (const k of pairedKeys) rows[v][k] = harness.median(runs[v].map((r) => r[k] ?? Number.NaN));
  }
  const base = rows.uninstrumented;
  const f = (n) => n.toFixed(1);
  const f2 = (n) => n.toFixed(2);
  const version = JSON.parse(
    readFileSync(
      new URL('../node_modules/@aws-sdk/client-bedrock-runtime/package.json', import.meta.url),
      'utf8',
    ),
  ).version;
  console.log(
    `@aws-sdk/client-bedrock-runtime ${version}, Node ${process.version}, ${calls} calls per scenario (streams: ${Math.ceil(calls / 3)}), best median of ${rounds} rounds, µs per call; events per stream: Converse ${base.converseEvents} (short ${base.converseShortEvents}), InvokeModel ${base.invokeEvents} (short ${base.invokeShortEvents}); load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after; ${harness.pinNote()}`,
  );
  console.log(
    '| variant | Converse µs | added | InvokeModel µs | added | ConverseStream µs | added | per event | marginal per event | InvokeModelWithResponseStream µs | added | per event | marginal per event |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS) {
    const r = rows[v];
    const cs = r.converseStream - base.converseStream;
    const css = r.converseStreamShort - base.converseStreamShort;
    const is = r.invokeStream - base.invokeStream;
    const iss = r.invokeStreamShort - base.invokeStreamShort;
    console.log(
      `| ${v} | ${f(r.converse)} | ${f(r.converse - base.converse)} | ${f(r.invoke)} | ${f(r.invoke - base.invoke)} | ${f(r.converseStream)} | ${f(cs)} | ${f(cs / r.converseEvents)} | ${f2(harness.perChunkSlope(css, cs, base.converseShortEvents, base.converseEvents))} | ${f(r.invokeStream)} | ${f(is)} | ${f(is / r.invokeEvents)} | ${f2(harness.perChunkSlope(iss, is, base.invokeShortEvents, base.invokeEvents))} |`,
    );
  }
  console.log(
    '\nPaired in-process figures (instrumentation disabled/enabled in alternating blocks, order flipped every other block, CPU µs, median of block differences, median over the rounds):',
  );
  console.log(
    '| variant | Converse added | InvokeModel added | ConverseStream added | short stream added | per event | marginal per event | InvokeModelWithResponseStream added | short stream added | per event | marginal per event |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS.filter((x) => x !== 'uninstrumented')) {
    const r = rows[v];
    console.log(
      `| ${v} | ${f(r.pairedConverse)} | ${f(r.pairedInvoke)} | ${f(r.pairedConverseStream)} | ${f(r.pairedConverseStreamShort)} | ${f(r.pairedConverseStream / r.converseEvents)} | ${f2(harness.perChunkSlope(r.pairedConverseStreamShort, r.pairedConverseStream, base.converseShortEvents, base.converseEvents))} | ${f(r.pairedInvokeStream)} | ${f(r.pairedInvokeStreamShort)} | ${f(r.pairedInvokeStream / r.invokeEvents)} | ${f2(harness.perChunkSlope(r.pairedInvokeStreamShort, r.pairedInvokeStream, base.invokeShortEvents, base.invokeEvents))} |`,
    );
  }
  console.log(
    harness.floorLines(rows, rows['genai-ops'], [
      ['Converse', (r) => r.pairedConverse],
      ['InvokeModel', (r) => r.pairedInvoke],
      ['ConverseStream', (r) => r.pairedConverseStream],
      ['InvokeModelWithResponseStream', (r) => r.pairedInvokeStream],
    ]),
  );
}

await harness.childOrMain(child, main);
