// Overhead of the genai-ops instrumentation on @aws-sdk/client-bedrock-runtime (3.1164.0), each variant in
// its own Node process. The fake provider (chunkDelayMs 0) answers each request shape once over real HTTP;
// the children then replay those exact bytes (JSON, or AWS event-stream frames) through a custom
// `requestHandler`, so the SDK runs its whole middleware, signing, parse and event-stream decode path while
// socket and server time stay out of the figures. Children run a real SDK TracerProvider
// (SimpleSpanProcessor) and MeterProvider exporting to a no-op exporter. Figures: median µs per call
// (lowest median over ROUNDS rounds, variants interleaved), µs added vs the uninstrumented SDK (and per
// event for the streams); and, in the instrumented children, a paired CPU-time figure (our instrumentation
// disabled/enabled in alternating blocks of the same process).
// Usage: npx tsc -b packages/instrumentation-bedrock packages/fake-provider && node bench/bedrock.mjs [calls=2000] [rounds=3]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { childOrMain, discardingProviders, median, runChild } from './_harness.mjs';

const require = createRequire(import.meta.url);
const VARIANTS = ['uninstrumented', 'genai-ops', 'genai-ops+content'];
const CHUNKS = 50;
const CONVERSE_MODEL = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const INVOKE_MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
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

function setupOtel(variant) {
  if (variant === 'uninstrumented') return undefined;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { tracerProvider, meterProvider } = discardingProviders();
  const { BedrockRuntimeInstrumentation } = require('../packages/instrumentation-bedrock/dist/index.js');
  const instrumentation = new BedrockRuntimeInstrumentation({
    captureMessageContent: variant.endsWith('+content'),
  });
  registerInstrumentations({ instrumentations: [instrumentation], tracerProvider, meterProvider });
  return instrumentation;
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
  const m = (id) => encodeURIComponent(id);
  return {
    converse: await post(`/model/${m(CONVERSE_MODEL)}/converse`, CONVERSE),
    'converse-stream': await post(`/model/${m(CONVERSE_MODEL)}/converse-stream`, CONVERSE, chunks),
    invoke: await post(`/model/${m(INVOKE_MODEL)}/invoke`, INVOKE),
    'invoke-with-response-stream': await post(
      `/model/${m(INVOKE_MODEL)}/invoke-with-response-stream`,
      INVOKE,
      chunks,
    ),
  };
}

async function child(variant, recorded, calls) {
  const instrumentation = setupOtel(variant);
  const sdk = require('@aws-sdk/client-bedrock-runtime');
  const requestHandler = {
    handle: async (request) => {
      const r = recorded[request.path.split('/').pop()];
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
  const body = JSON.stringify(INVOKE);
  const converse = () => client.send(new sdk.ConverseCommand({ modelId: CONVERSE_MODEL, ...CONVERSE }));
  const invoke = () => client.send(new sdk.InvokeModelCommand({ modelId: INVOKE_MODEL, body }));
  const drain = async (iterable) => {
    let n = 0;
    for await (const _e of iterable) n++;
    return n;
  };
  const converseStream = async () =>
    drain(
      (await client.send(new sdk.ConverseStreamCommand({ modelId: CONVERSE_MODEL, ...CONVERSE }))).stream,
    );
  const invokeStream = async () =>
    drain(
      (await client.send(new sdk.InvokeModelWithResponseStreamCommand({ modelId: INVOKE_MODEL, body }))).body,
    );
  const time = async (fn, n) => {
    for (let i = 0; i < Math.min(200, n); i++) await fn();
    const out = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      out.push((performance.now() - t0) * 1000);
    }
    return median(out);
  };
  const result = {
    converse: await time(converse, calls),
    invoke: await time(invoke, calls),
    converseStream: await time(converseStream, Math.ceil(calls / 3)),
    invokeStream: await time(invokeStream, Math.ceil(calls / 3)),
    converseEvents: await converseStream(),
    invokeEvents: await invokeStream(),
  };
  if (instrumentation) {
    result.pairedConverse = await paired(instrumentation, converse, 41, 60);
    result.pairedInvoke = await paired(instrumentation, invoke, 41, 60);
    result.pairedConverseStream = await paired(instrumentation, converseStream, 21, 20);
    result.pairedInvokeStream = await paired(instrumentation, invokeStream, 21, 20);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runVariant(variant, recorded, calls) {
  return runChild(fileURLToPath(import.meta.url), variant, recorded, calls, ['--no-warnings']);
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
  const keys = ['converse', 'invoke', 'converseStream', 'invokeStream'];
  const rows = {};
  for (const v of VARIANTS) {
    rows[v] = Object.fromEntries(keys.map((k) => [k, Math.min(...runs[v].map((r) => r[k]))]));
    rows[v].converseEvents = runs[v][0].converseEvents;
    rows[v].invokeEvents = runs[v][0].invokeEvents;
    for (const k of ['pairedConverse', 'pairedInvoke', 'pairedConverseStream', 'pairedInvokeStream'])
      rows[v][k] = median(runs[v].map((r) => r[k] ?? Number.NaN));
  }
  const base = rows.uninstrumented;
  const f = (n) => n.toFixed(1);
  const version = JSON.parse(
    readFileSync(
      new URL('../node_modules/@aws-sdk/client-bedrock-runtime/package.json', import.meta.url),
      'utf8',
    ),
  ).version;
  console.log(
    `@aws-sdk/client-bedrock-runtime ${version}, Node ${process.version}, ${calls} calls per scenario (streams: ${Math.ceil(calls / 3)}), best median of ${rounds} rounds, µs per call; events per stream: Converse ${base.converseEvents}, InvokeModel ${base.invokeEvents}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`,
  );
  console.log(
    '| variant | Converse µs | added | InvokeModel µs | added | ConverseStream µs | added | per event | InvokeModelWithResponseStream µs | added | per event |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS) {
    const r = rows[v];
    const cs = r.converseStream - base.converseStream;
    const is = r.invokeStream - base.invokeStream;
    console.log(
      `| ${v} | ${f(r.converse)} | ${f(r.converse - base.converse)} | ${f(r.invoke)} | ${f(r.invoke - base.invoke)} | ${f(r.converseStream)} | ${f(cs)} | ${f(cs / r.converseEvents)} | ${f(r.invokeStream)} | ${f(is)} | ${f(is / r.invokeEvents)} |`,
    );
  }
  console.log(
    '\nPaired in-process figures (instrumentation disabled/enabled in alternating blocks, CPU µs, median of block differences over the rounds):',
  );
  console.log(
    '| variant | Converse added | InvokeModel added | ConverseStream added | per event | InvokeModelWithResponseStream added | per event |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of VARIANTS.filter((x) => x !== 'uninstrumented')) {
    const r = rows[v];
    console.log(
      `| ${v} | ${f(r.pairedConverse)} | ${f(r.pairedInvoke)} | ${f(r.pairedConverseStream)} | ${f(r.pairedConverseStream / r.converseEvents)} | ${f(r.pairedInvokeStream)} | ${f(r.pairedInvokeStream / r.invokeEvents)} |`,
    );
  }
}

await childOrMain(child, main);
