// CPU cost of the collector's enrichment processors, per processor, on realistic spans of each source
// shape, in batches as the receiver hands them over. The chain is the one the collector runs:
// `loadEnrichmentModules(cost, guardrails)` with defaults, i.e. normalize -> cost -> guardrail scan
// (default policy). Pure CPU work: no I/O. Prints CPU µs per span for each processor and for the chain
// (CPU time via process.cpuUsage, so a loaded machine skews the figures less than wall time), and, apart
// from the chain, the CPU cost of building the store's rows from the processed spans (`prepareSpans`) and of
// encoding them as an OTLP/protobuf body for a forwarder (`encodeTraces`).
//
// The `collector-bench` shape is the span shape of bench/collector.mjs (an agent root + 511 chat spans
// with system instructions, ~1 KB input and ~1 KB output messages, usage incl. cache tokens), generated
// here by a copy of its generator, in batches of 512 as that bench sends them.
//
// Every span object and every attribute string is generated fresh, one batch at a time just before it
// is processed (as the OTLP decoder hands them over; the generation is not timed): no span is processed
// twice, so no per-span cache can serve a timed span, and the heap holds one batch, not the whole run.
//
// Usage: npx tsc -b tsconfig.build.json && node bench/collector-processors.mjs [spansPerShape=20480] [batch=100]
//   BENCH_COLLECTOR_DIST=<dir>  another build of collector/dist (e.g. a copy of the previous one).
//   BENCH_BASELINE_DIST=<dir>   also run this build, alternating with the other one shape by shape
//                               (BENCH_ROUNDS rounds each, default 3; the best round of each is printed,
//                               and the median chain figure),
//                               so both see the same machine load: a before/after comparison in one run.
//   BENCH_SHAPES=a,b            only these shapes.
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BATCH as COLLECTOR_BATCH, hex, spanRecords } from './_genai-spans.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.env.BENCH_COLLECTOR_DIST
  ? path.resolve(process.env.BENCH_COLLECTOR_DIST)
  : path.join(ROOT, 'collector', 'dist');
const BASELINE = process.env.BENCH_BASELINE_DIST ? path.resolve(process.env.BENCH_BASELINE_DIST) : undefined;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (BASELINE ? 3 : 1));
const builds = [
  ...(BASELINE ? [{ label: 'before', dist: BASELINE }] : []),
  { label: BASELINE ? 'after' : '', dist: DIST },
].map((b) => ({
  ...b,
  load: require(path.join(b.dist, 'processors-loader.js')).loadEnrichmentModules,
  prepareSpans: require(path.join(b.dist, 'exporters', 'span-rows.js')).prepareSpans,
  encodeTraces: require(path.join(b.dist, 'otlp', 'encode.js')).encodeTraces,
}));

const N = Number(process.argv[2] ?? 20480);
const BATCH = Number(process.argv[3] ?? 100);

/**
 * A user's question, different on every call (the collector's guardrail scan caches its verdicts on input
 * texts, which a real application repeats as system prompts and conversation history, not as new
 * questions); system prompts are the same text every time, as in an application.
 */
let question = 0;
const ask = () => `Summarize the quarterly report of unit ${++question} in three bullet points.`;
const msgs = () =>
  JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
    { role: 'user', parts: [{ type: 'text', content: ask() }] },
  ]);
const out = () =>
  JSON.stringify([
    {
      role: 'assistant',
      parts: [{ type: 'text', content: 'Revenue up. Costs flat. Margin up.' }],
      finish_reason: 'stop',
    },
  ]);

/** The ~4 KB system prompt an agent sends with every call (the same text; a fresh string per call). */
const AGENT_RULES = Array.from(
  { length: 40 },
  (_, i) =>
    `Rule ${i + 1}: answer billing questions from the knowledge base; never promise a refund above the limit.`,
);
let agentCall = 0;
let conversation = 0;
let conversationTurn = 0;
/** One message of a support chat (~300 characters), different for each conversation, turn and speaker. */
const chatText = (c, t, who) =>
  `${who} (conversation ${c}, turn ${t + 1}): ${'my order arrived damaged and the replacement has not shipped; '.repeat(5)}`;

/** Attribute factories of the single-call shapes (fresh strings on every call). */
const SHAPES = {
  // An agent's calls: the same long system prompt every time, a different ticket each time.
  'agent-system-prompt': () => {
    agentCall++;
    return {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 1400,
      'gen_ai.usage.output_tokens': 60,
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: AGENT_RULES.join('\n') }]),
      'gen_ai.input.messages': JSON.stringify([
        {
          role: 'user',
          parts: [{ type: 'text', content: `Ticket ${agentCall}: why was I charged twice this month?` }],
        },
      ]),
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [
            {
              type: 'text',
              content: `Ticket ${agentCall}: the second charge is a pending hold; it drops off in 3 days.`,
            },
          ],
          finish_reason: 'stop',
        },
      ]),
    };
  },
  // A support chat: each turn sends the system prompt and the whole conversation so far (as the chat
  // completions and messages APIs take it), 12 turns per conversation, ~300 characters per message.
  'agent-conversation': () => {
    const turn = conversationTurn++ % 12;
    if (turn === 0) conversation++;
    const history = [];
    for (let t = 0; t <= turn; t++) {
      history.push({
        role: 'user',
        parts: [{ type: 'text', content: chatText(conversation, t, 'Customer') }],
      });
      if (t < turn)
        history.push({
          role: 'assistant',
          parts: [{ type: 'text', content: chatText(conversation, t, 'Agent') }],
        });
    }
    return {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.conversation.id': `conv-${conversation}`,
      'gen_ai.usage.input_tokens': 400 + 150 * turn,
      'gen_ai.usage.output_tokens': 75,
      'gen_ai.system_instructions': JSON.stringify([
        { type: 'text', content: AGENT_RULES.slice(0, 10).join('\n') },
      ]),
      'gen_ai.input.messages': JSON.stringify(history),
      'gen_ai.output.messages': JSON.stringify([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: chatText(conversation, turn, 'Agent') }],
          finish_reason: 'stop',
        },
      ]),
    };
  },
  'otel-current': () => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 1200,
    'gen_ai.usage.output_tokens': 80,
    'gen_ai.usage.cache_read.input_tokens': 1024,
    'gen_ai.input.messages': msgs(),
    'gen_ai.output.messages': out(),
  }),
  'otel-legacy': () => ({
    'gen_ai.system': 'openai',
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.prompt_tokens': 1200,
    'gen_ai.usage.completion_tokens': 80,
    'gen_ai.openai.response.service_tier': 'default',
  }),
  openllmetry: () => ({
    'llm.request.type': 'chat',
    'gen_ai.system': 'Anthropic',
    'gen_ai.request.model': 'claude-sonnet-4-5',
    'gen_ai.prompt.0.role': 'system',
    'gen_ai.prompt.0.content': `${'You are terse.'}`,
    'gen_ai.prompt.1.role': 'user',
    'gen_ai.prompt.1.content': ask(),
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.content': ['Revenue up.', 'Costs flat.', 'Margin up.'].join(' '),
    'gen_ai.completion.0.finish_reason': 'end_turn',
    'gen_ai.usage.prompt_tokens': 1200,
    'gen_ai.usage.completion_tokens': 80,
    'gen_ai.usage.cache_read_input_tokens': 900,
    'gen_ai.usage.cache_creation_input_tokens': 200,
  }),
  openinference: () => ({
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.provider': 'openai',
    'llm.model_name': 'gpt-5',
    'llm.invocation_parameters': JSON.stringify({ model: 'gpt-5', max_completion_tokens: 500 }),
    'llm.input_messages.0.message.role': 'user',
    'llm.input_messages.0.message.content': ask(),
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': ['Revenue', 'up.'].join(' '),
    'llm.token_count.prompt': 1200,
    'llm.token_count.completion': 300,
    'llm.token_count.completion_details.reasoning': 220,
  }),
  'vercel-ai': () => ({
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.provider': 'google.generative-ai',
    'ai.model.id': 'gemini-2.5-pro',
    'ai.prompt.messages': JSON.stringify([{ role: 'user', content: [{ type: 'text', text: ask() }] }]),
    'ai.response.text': ['Revenue', 'up.'].join(' '),
    'ai.response.finishReason': 'stop',
    'ai.usage.inputTokens': 250000,
    'ai.usage.outputTokens': 400,
    'gen_ai.system': 'google.generative-ai',
  }),
};

function span(attributes, i) {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: i.toString(16).padStart(16, '0'),
    parentSpanId: '',
    name: 'chat',
    kind: 3,
    startTimeUnixNano: '1767225600000000000',
    endTimeUnixNano: '1767225601000000000',
    statusCode: 0,
    statusMessage: '',
    attributes,
    events: [],
    links: [],
    resource: { 'service.name': 'bench' },
    scopeName: 'bench',
    scopeVersion: '0',
    enrichment: {},
  };
}

/** The batches of a shape, generated one at a time (a decoder hands over one batch, not the whole run). */
function* batchesOf(shape, n) {
  if (shape === 'collector-bench') {
    for (let i = 0; i < n; i += COLLECTOR_BATCH) yield spanRecords(hex(16));
    return;
  }
  for (let i = 0; i < n; i += BATCH)
    yield Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => span(SHAPES[shape](), i + j));
}

const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

function run(shape, build) {
  const m = build.load(undefined, {});
  const chain = [m.normalize, m.cost, m.guardrails];
  // Warm-up on other spans than the timed ones.
  for (const b of batchesOf(shape, Math.min(N, 4096))) {
    let s = b;
    for (const p of chain) s = p.processSpans(s);
    build.prepareSpans(s);
  }
  const us = [0, 0, 0];
  let rowsUs = 0;
  let encodeUs = 0;
  let spans = 0;
  let batches = 0;
  let priced = 0;
  let verdicts = 0;
  let wall = 0;
  for (const b of batchesOf(shape, N)) {
    // Only the processors are timed: generating a batch (the decoder's work) is not.
    const t0 = performance.now();
    let s = b;
    for (let k = 0; k < chain.length; k++) {
      const c0 = cpu();
      s = chain[k].processSpans(s);
      us[k] += cpu() - c0;
    }
    wall += performance.now() - t0;
    // The rows the store appends (span-rows.ts), built from the processed spans: timed apart.
    const c1 = cpu();
    build.prepareSpans(s);
    rowsUs += cpu() - c1;
    // What a forwarder pays per span: the OTLP/protobuf body of the enriched spans.
    const c2 = cpu();
    build.encodeTraces(s, 'protobuf');
    encodeUs += cpu() - c2;
    spans += s.length;
    batches++;
    for (const x of s) {
      if (x.enrichment.cost?.totalUsd != null) priced++;
      verdicts += x.enrichment.guardrails?.length ?? 0;
    }
  }
  // Sanity: every span that counts usage is priced, every span with content gets its verdicts.
  const expectPriced = shape === 'collector-bench' ? spans - batches : spans;
  if (priced !== expectPriced) throw new Error(`${shape}: priced ${priced} of ${expectPriced}`);
  const total = us[0] + us[1] + us[2];
  return {
    spans,
    verdicts,
    per: us.map((u) => (u / spans).toFixed(1)),
    chain: (total / spans).toFixed(1),
    rows: (rowsUs / spans).toFixed(1),
    encode: (encodeUs / spans).toFixed(1),
    spansPerCpuSec: Math.round((spans / total) * 1e6),
    wall: ((wall * 1000) / spans).toFixed(1),
  };
}

const only = process.env.BENCH_SHAPES?.split(',');
const shapes = ['collector-bench', ...Object.keys(SHAPES)].filter((s) => !only || only.includes(s));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `node ${process.version}, ${N} spans per shape, batches of ${BATCH} (collector-bench: ${COLLECTOR_BATCH}), ` +
    `${builds.map((b) => `${b.label || 'dist'} ${path.relative(ROOT, b.dist) || b.dist}`).join(', ')}, ` +
    `${ROUNDS} round(s), load average ${load()}`,
);
console.log(
  `| shape${BASELINE ? ' | build' : ''} | normalize CPU µs/span | cost CPU µs/span | guardrails CPU µs/span | chain CPU µs/span | chain spans/CPU-s | chain wall µs/span | row building CPU µs/span | forwarder encoding CPU µs/span | verdicts |`,
);
console.log(
  `| ---${BASELINE ? ' | ---' : ''} | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
);
const medians = [];
for (const shape of shapes) {
  const all = builds.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    builds.forEach((b, i) => {
      all[i].push(run(shape, b));
    });
  }
  builds.forEach((b, i) => {
    const sorted = all[i].sort((x, y) => Number(x.chain) - Number(y.chain));
    const r = sorted[0];
    medians.push(
      `${shape}${BASELINE ? ` ${b.label}` : ''} ${sorted[Math.floor((sorted.length - 1) / 2)].chain}`,
    );
    console.log(
      `| ${shape}${BASELINE ? ` | ${b.label}` : ''} | ${r.per[0]} | ${r.per[1]} | ${r.per[2]} | ${r.chain} | ${r.spansPerCpuSec} | ${r.wall} | ${r.rows} | ${r.encode} | ${r.verdicts} |`,
    );
  });
}
if (ROUNDS > 1) console.log(`median chain CPU µs/span over the rounds: ${medians.join(', ')}`);
console.log(`load average after: ${load()}`);
