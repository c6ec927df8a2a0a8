// Per-stream fixed cost of core's stream path, without any SDK: a 10-chunk async-generator source iterated
// bare, with a GenAICall around it, through observeStream, and through observeStream plus the
// abandoned-stream safety net (endCallWhenCollected), and, for comparison, the safety net as it was before
// 2026-11-26 (a FinalizationRegistry whose held value is the call itself). Same providers as the other
// benches (bench/_harness.mjs: SDK tracer provider + BatchSpanProcessor, bound GenAI metrics aggregator,
// AsyncLocalStorage context manager). CPU µs per stream call, variants interleaved, median of the rounds.
// A second table gives the per-chunk cost of core's stream path with the OpenAI chat reducer on chunks
// parsed from JSON as the SDK parses them (slope between 10 and 100 chunks), on plain chunks and on chunks
// carrying the `"usage":null` that a usage request makes the API add, with the usage chunk hidden or not.
// Usage: npx tsc -b packages/core packages/instrumentation-openai && node bench/core-stream.mjs [calls=20000] [rounds=7] [chunks=10]
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { cpuPerCall, discardingProviders, median } from './_harness.mjs';

const require = createRequire(import.meta.url);
const CALLS = Number(process.argv[2] ?? 20000);
const ROUNDS = Number(process.argv[3] ?? 7);
const CHUNKS = Number(process.argv[4] ?? 10);

const { meterProvider } = discardingProviders();
const core = require('@genai-ops/core');
const { metrics, trace } = require('@opentelemetry/api');
const recorder = core.boundGenAIMetricsAggregator(meterProvider)?.recorder('bench', '0');
const telemetry = {
  tracer: trace.getTracer('bench'),
  metrics: new core.GenAIClientMetrics(metrics.getMeter('bench'), recorder),
  content: core.resolveContentPolicy({}),
  timePerOutputChunk: true,
};
const start = {
  operation: 'chat',
  provider: 'openai',
  requestModel: 'gpt-4o-mini',
  serverAddress: 'api.openai.com',
  serverPort: 443,
  attributes: { 'gen_ai.request.stream': true },
};
const chunks = Array.from({ length: CHUNKS }, (_, i) => ({
  id: 'chatcmpl-1',
  choices: [{ index: 0, delta: { content: 'x' }, finish_reason: i === CHUNKS - 1 ? 'stop' : null }],
}));
async function* source() {
  for (const c of chunks) yield c;
}
const reducer = () => ({
  fold() {},
  finish(call) {
    call.setResponse({ id: 'chatcmpl-1', model: 'gpt-4o-mini', finishReasons: ['stop'] });
    call.setUsage({ inputTokens: 12, outputTokens: CHUNKS });
  },
});
const drain = async (iterable) => {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
};
// The registry as it was: the call is the held value and the unregister token.
const heldCall = new FinalizationRegistry((call) => {
  if (!call.ended) call.end(undefined, { errorType: 'stream_abandoned' });
});

const variants = {
  'bare source': () => drain(source()),
  'GenAICall + bare source': async () => {
    const call = new core.GenAICall(telemetry, start);
    await drain(source());
    call.end();
  },
  observeStream: async () => {
    const call = new core.GenAICall(telemetry, start);
    await drain(core.observeStream(source(), call, reducer()));
  },
  'observeStream + safety net': async () => {
    const call = new core.GenAICall(telemetry, start);
    const owner = {};
    core.endCallWhenCollected(owner, call);
    await drain(core.observeStream(source(), call, reducer()));
  },
  'observeStream + registry holding the call (before)': async () => {
    const call = new core.GenAICall(telemetry, start);
    const owner = {};
    heldCall.register(owner, call, call);
    await drain(core.observeStream(source(), call, reducer()));
    heldCall.unregister(call);
  },
};

for (const fn of Object.values(variants)) for (let i = 0; i < 5000; i++) await fn();
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++)
  for (const [name, fn] of Object.entries(variants)) results[name].push(await cpuPerCall(fn, CALLS));

// Per chunk: the OpenAI chat reducer on JSON-parsed chunks, 10 vs 100 chunks.
const { CHAT_COMPLETIONS } = require('../packages/instrumentation-openai/dist/chat.js');
const chunkLine = (i, usage) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1795666325,
    model: 'gpt-4o-mini-2024-07-18',
    service_tier: 'default',
    system_fingerprint: 'fp_1',
    choices: [{ index: 0, delta: { content: ` w${i}` }, logprobs: null, finish_reason: null }],
    ...(usage ? { usage: null } : {}),
  });
const linesOf = (n, usage) => Array.from({ length: n }, (_, i) => chunkLine(i, usage));
async function* parsed(lines) {
  for (const l of lines) yield JSON.parse(l);
}
const bareOf = (lines) => () => drain(parsed(lines));
const observedOf = (lines, injectedUsage) => async () => {
  const call = new core.GenAICall(telemetry, start);
  const reducer = CHAT_COMPLETIONS.streamReducer({ injectedUsage, collectText: false });
  await drain(core.observeStream(parsed(lines), call, reducer));
};
const perChunk = {
  'plain chunks, bare': (n) => bareOf(linesOf(n, false)),
  'plain chunks, observed': (n) => observedOf(linesOf(n, false), false),
  'chunks with usage:null, bare': (n) => bareOf(linesOf(n, true)),
  'chunks with usage:null, observed (caller asked for usage)': (n) => observedOf(linesOf(n, true), false),
  'chunks with usage:null, observed (we asked: usage chunk hidden)': (n) =>
    observedOf(linesOf(n, true), true),
};
const pc = Object.fromEntries(
  Object.entries(perChunk).map(([k, make]) => [k, { short: make(10), long: make(100), s: [], l: [] }]),
);
for (const v of Object.values(pc))
  for (let i = 0; i < 3000; i++) {
    await v.short();
    await v.long();
  }
for (let r = 0; r < ROUNDS; r++)
  for (const v of Object.values(pc)) {
    v.s.push(await cpuPerCall(v.short, Math.ceil(CALLS / 5)));
    v.l.push(await cpuPerCall(v.long, Math.ceil(CALLS / 50)));
  }
const slopeOf = (k) => (median(pc[k].l) - median(pc[k].s)) / 90;

const base = median(results['bare source']);
console.log(
  `core stream path, ${CHUNKS} chunks per stream, ${CALLS} calls x ${ROUNDS} rounds, CPU µs per stream call (median); load ${loadavg()[0].toFixed(1)}`,
);
console.log('| variant | µs per call | added vs bare source |');
console.log('| --- | ---: | ---: |');
for (const [name, v] of Object.entries(results)) {
  const m = median(v);
  console.log(`| ${name} | ${m.toFixed(2)} | ${(m - base).toFixed(2)} |`);
}
console.log(
  '\nPer chunk, core + the OpenAI chat reducer, JSON-parsed chunks (slope between 10 and 100 chunks):',
);
console.log('| chunks | µs per chunk | added vs bare |');
console.log('| --- | ---: | ---: |');
for (const k of Object.keys(pc)) {
  const bareKey = k.startsWith('plain') ? 'plain chunks, bare' : 'chunks with usage:null, bare';
  const added = k === bareKey ? '' : (slopeOf(k) - slopeOf(bareKey)).toFixed(3);
  console.log(`| ${k} | ${slopeOf(k).toFixed(3)} | ${added} |`);
}
process.exit(0);
