// End-to-end overhead the default guardrail policy adds to an instrumented OpenAI call (openai 6.49.0).
// Two variants, each in its own Node process, interleaved over ROUNDS rounds:
//   instrumented     OpenAIInstrumentation (genai-ops), real SDK TracerProvider, no guardrails
//   +guardrails      the same plus installGuardrails(defaultPolicy) from @genai-ops/guardrails(-middleware):
//                    input check before the request, output check on the reply / on every stream chunk,
//                    an `apply_guardrail` span per check
//   +guardrails, no check spans   the same with `recordSpans: false` (the verdict is still set on the LLM
//                    span), to split the cost of the scans from the cost of the extra spans
// Scenarios: a realistic 1 KB and 4 KB prompt (system + user message, no PII: the common, allowed path),
// non-streaming and a 50-chunk stream (with usage).
// Replies come from the fake provider (chunkDelayMs 0). By default the fake answers each request shape once
// over real HTTP and the children replay those exact replies through the SDK's `fetch` option, so the SDK
// runs its whole request, parse and SSE path while socket and server time (noisy on a shared 2-core machine)
// stay out of the figures. With `--http` the children call the fake provider over real sockets instead.
// Spans go to a SimpleSpanProcessor with a no-op exporter: export cost is not the guardrails'.
// Figures: median µs per call (the lowest median over rounds, to damp noise from other processes) and the
// µs the guardrails add.
// Usage: npx tsc -b packages/instrumentation-openai packages/guardrails-middleware packages/fake-provider &&
//        node bench/guardrails-overhead.mjs [calls=2000] [rounds=3] [--http]
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { childOrMain, median, pinNote, runChild } from './_harness.mjs';

const require = createRequire(import.meta.url);
const VARIANTS = ['instrumented', '+guardrails', '+guardrails, no check spans'];
const CHUNKS = 50;
const SIZES = { '1KB': 1024, '4KB': 4096 };

const SYSTEM =
  'You are a support assistant for an online bookshop. Answer in a friendly, concise tone. Use the order ' +
  'history below when relevant, never invent order numbers, and escalate refunds above 200 EUR to a human.';
const PARAGRAPHS = [
  'Hello, I ordered three paperback books last Tuesday and the tracking page still says the parcel is waiting at the sorting centre.',
  'The order confirmation mentioned delivery within four working days, and today is the sixth day since I placed it.',
  'One of the books was a birthday present for my niece, so I would really appreciate an update on when it might arrive.',
  'Previously I bought a cookbook from you and it arrived quickly, which is why I was surprised by the delay this time.',
  'If the parcel is lost, could you tell me whether you can send a replacement or whether I should ask for a refund instead?',
  'I also noticed that the invoice lists the shipping method as standard, although I selected express at checkout and paid extra for it.',
  'Could you check whether the express fee was charged by mistake, and if so, whether it can be returned to the original card?',
  'Finally, please let me know if there is anything I need to do on my side, such as confirming the delivery address again.',
];

/** A user message of about `size - SYSTEM.length` characters, made of ordinary support-ticket sentences. */
function userText(size) {
  const target = size - SYSTEM.length;
  let text = '';
  for (let i = 0; text.length < target; i++) text += `${text ? ' ' : ''}${PARAGRAPHS[i % PARAGRAPHS.length]}`;
  return text.slice(0, target);
}

function messagesFor(sizeName) {
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: userText(SIZES[sizeName]) },
  ];
}

function setupOtel(variant) {
  const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { trace } = require('@opentelemetry/api');
  const discard = {
    export: (_items, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(tracerProvider);
  if (variant.startsWith('+guardrails')) {
    // Before the instrumentation is built, as the register entry should (content redaction hook included).
    const { defaultPolicy } = require('../packages/guardrails/dist/index.js');
    const { installGuardrails } = require('../packages/guardrails-middleware/dist/index.js');
    installGuardrails(defaultPolicy, { recordSpans: !variant.endsWith('no check spans') });
  }
  const { OpenAIInstrumentation } = require('../packages/instrumentation-openai/dist/index.js');
  registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()], tracerProvider });
}

const SIZE_BY_TEXT = new Map(Object.keys(SIZES).map((k) => [userText(SIZES[k]), k]));

function replyKey(body) {
  return `${SIZE_BY_TEXT.get(body.messages[1].content)}:${body.stream ? 'stream' : 'chat'}`;
}

/** Asks the fake provider once for every reply the children need. */
async function record(url) {
  const out = {};
  for (const size of Object.keys(SIZES)) {
    for (const stream of [false, true]) {
      const body = {
        model: 'gpt-4o-mini',
        messages: messagesFor(size),
        ...(stream ? { stream, stream_options: { include_usage: true } } : {}),
      };
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fake-chunks': String(CHUNKS) },
        body: JSON.stringify(body),
      });
      out[replyKey(body)] = {
        status: r.status,
        headers: Object.fromEntries(r.headers),
        text: await r.text(),
      };
    }
  }
  return out;
}

async function child(variant, input, calls) {
  setupOtel(variant);
  const OpenAI = require('openai');
  const replay = async (_url, init) => {
    const r = input.recorded[replyKey(JSON.parse(init.body))];
    return new Response(r.text, { status: r.status, headers: r.headers });
  };
  const client = input.url
    ? new OpenAI({ apiKey: 'bench', baseURL: `${input.url}/v1`, maxRetries: 0 })
    : new OpenAI({ apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0, fetch: replay });
  const headers = { 'x-fake-chunks': String(CHUNKS) };
  const chat = (messages) => () =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers });
  const stream = (messages) => async () => {
    const s = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } },
      { headers },
    );
    let n = 0;
    for await (const _c of s) n++;
    return n;
  };
  const scenarios = Object.keys(SIZES).flatMap((size) => {
    const messages = messagesFor(size);
    return [
      { name: `${size} chat`, fn: chat(messages), every: 1 },
      { name: `${size} stream`, fn: stream(messages), every: 3 },
    ];
  });
  // Warm every path up first (JIT), then time the scenarios interleaved call by call, so drift and
  // noise from other processes spread evenly over them instead of landing on whichever runs first.
  for (const sc of scenarios) for (let i = 0; i < Math.min(300, calls) / sc.every; i++) await sc.fn();
  const samples = Object.fromEntries(scenarios.map((sc) => [sc.name, []]));
  for (let i = 0; i < calls; i++) {
    for (const sc of scenarios) {
      if (i % sc.every !== 0) continue;
      const t0 = performance.now();
      await sc.fn();
      samples[sc.name].push((performance.now() - t0) * 1000);
    }
  }
  const result = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  result.chunksSeen = await stream(messagesFor('1KB'))();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runVariant(variant, input, calls) {
  return runChild(fileURLToPath(import.meta.url), variant, input, calls, []);
}

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const http = process.argv.includes('--http');
  const calls = Number(args[0] ?? 2000);
  const rounds = Number(args[1] ?? 3);
  const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');
  const fake = await startFakeProvider({ chunkDelayMs: 0 });
  const runs = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  try {
    const input = http ? { url: fake.url } : { recorded: await record(fake.url) };
    for (let round = 0; round < rounds; round++) {
      for (const v of VARIANTS) runs[v].push(await runVariant(v, input, calls));
    }
  } finally {
    await fake.close();
  }
  const scenarios = Object.keys(runs.instrumented[0]).filter((k) => k !== 'chunksSeen');
  const best = (v, k) => Math.min(...runs[v].map((r) => r[k]));
  const f = (n) => n.toFixed(1);
  console.log(
    `openai 6.49.0, Node ${process.version}, ${http ? 'real HTTP to the fake provider' : 'fake-provider replies replayed through fetch'}, ` +
      `${calls} calls per non-streaming scenario (stream: ${Math.ceil(calls / 3)}), best median of ${rounds} rounds, µs per call; ` +
      `chunks seen per stream: ${VARIANTS.map((v) => runs[v][0].chunksSeen).join('/')}; ${pinNote()}`,
  );
  console.log(
    '| scenario | instrumented µs | +guardrails µs | added µs | added % | no check spans µs | added µs |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const k of scenarios) {
    const a = best('instrumented', k);
    const b = best('+guardrails', k);
    const c = best('+guardrails, no check spans', k);
    const label = k.endsWith('stream') ? `${k} (${CHUNKS} chunks)` : k;
    console.log(
      `| ${label} | ${f(a)} | ${f(b)} | ${f(b - a)} | ${f(((b - a) / a) * 100)} | ${f(c)} | ${f(c - a)} |`,
    );
  }
}

await childOrMain(child, main);
