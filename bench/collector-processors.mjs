// Throughput of the collector's enrichment processors (NormalizeProcessor, then CostProcessor) on
// realistic spans of each source shape, in batches as the receiver hands them over. Pure CPU work:
// no I/O. Prints spans per CPU-second and CPU µs per span for normalize alone and normalize + cost, per
// shape (CPU time via process.cpuUsage, so a loaded machine skews the figures less than wall time).
// Usage: npx tsc -b collector && node bench/collector-processors.mjs [spansPerShape=20000] [batch=100]
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { NormalizeProcessor } = require('../collector/dist/processors/normalize.js');
const { CostProcessor } = require('../collector/dist/processors/cost.js');

const N = Number(process.argv[2] ?? 20000);
const BATCH = Number(process.argv[3] ?? 100);

const msgs = JSON.stringify([
  { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
  {
    role: 'user',
    parts: [{ type: 'text', content: 'Summarize the quarterly report in three bullet points.' }],
  },
]);
const out = JSON.stringify([
  {
    role: 'assistant',
    parts: [{ type: 'text', content: 'Revenue up. Costs flat. Margin up.' }],
    finish_reason: 'stop',
  },
]);

const SHAPES = {
  'otel-current': {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    'gen_ai.usage.input_tokens': 1200,
    'gen_ai.usage.output_tokens': 80,
    'gen_ai.usage.cache_read.input_tokens': 1024,
    'gen_ai.input.messages': msgs,
    'gen_ai.output.messages': out,
  },
  'otel-legacy': {
    'gen_ai.system': 'openai',
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.usage.prompt_tokens': 1200,
    'gen_ai.usage.completion_tokens': 80,
    'gen_ai.openai.response.service_tier': 'default',
  },
  openllmetry: {
    'llm.request.type': 'chat',
    'gen_ai.system': 'Anthropic',
    'gen_ai.request.model': 'claude-sonnet-4-5',
    'gen_ai.prompt.0.role': 'system',
    'gen_ai.prompt.0.content': 'You are terse.',
    'gen_ai.prompt.1.role': 'user',
    'gen_ai.prompt.1.content': 'Summarize the quarterly report in three bullet points.',
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.content': 'Revenue up. Costs flat. Margin up.',
    'gen_ai.completion.0.finish_reason': 'end_turn',
    'gen_ai.usage.prompt_tokens': 1200,
    'gen_ai.usage.completion_tokens': 80,
    'gen_ai.usage.cache_read_input_tokens': 900,
    'gen_ai.usage.cache_creation_input_tokens': 200,
  },
  openinference: {
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'llm.provider': 'openai',
    'llm.model_name': 'gpt-5',
    'llm.invocation_parameters': '{"model":"gpt-5","max_completion_tokens":500}',
    'llm.input_messages.0.message.role': 'user',
    'llm.input_messages.0.message.content': 'Summarize the quarterly report in three bullet points.',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.content': 'Revenue up.',
    'llm.token_count.prompt': 1200,
    'llm.token_count.completion': 300,
    'llm.token_count.completion_details.reasoning': 220,
  },
  'vercel-ai': {
    'ai.operationId': 'ai.generateText.doGenerate',
    'ai.model.provider': 'google.generative-ai',
    'ai.model.id': 'gemini-2.5-pro',
    'ai.prompt.messages':
      '[{"role":"user","content":[{"type":"text","text":"Summarize the quarterly report."}]}]',
    'ai.response.text': 'Revenue up.',
    'ai.response.finishReason': 'stop',
    'ai.usage.inputTokens': 250000,
    'ai.usage.outputTokens': 400,
    'gen_ai.system': 'google.generative-ai',
  },
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

function run(shape, withCost) {
  const normalize = new NormalizeProcessor();
  const cost = new CostProcessor();
  const batches = [];
  for (let i = 0; i < N; i += BATCH)
    batches.push(Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => span(SHAPES[shape], i + j)));
  // Warm-up on a copy, then time.
  for (const b of batches.slice(0, 20)) cost.processSpans(normalize.processSpans(b));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let priced = 0;
  for (const b of batches) {
    const n = normalize.processSpans(b);
    if (withCost) for (const s of cost.processSpans(n)) if (s.enrichment.cost?.totalUsd != null) priced++;
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuUs = c.user + c.system;
  if (withCost && priced !== N) throw new Error(`${shape}: priced ${priced} of ${N}`);
  // CPU time, not wall time: the figure stays meaningful on a shared, loaded machine.
  return {
    spansPerCpuSec: Math.round((N / cpuUs) * 1e6),
    cpuUsPerSpan: (cpuUs / N).toFixed(1),
    wallUsPerSpan: ((ms * 1000) / N).toFixed(1),
  };
}

console.log(`node ${process.version}, ${N} spans per shape, batches of ${BATCH}`);
console.log(
  '| shape | normalize spans/CPU-s | normalize CPU µs/span | normalize+cost spans/CPU-s | normalize+cost CPU µs/span | normalize+cost wall µs/span |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const shape of Object.keys(SHAPES)) {
  const a = run(shape, false);
  const b = run(shape, true);
  console.log(
    `| ${shape} | ${a.spansPerCpuSec} | ${a.cpuUsPerSpan} | ${b.spansPerCpuSec} | ${b.cpuUsPerSpan} | ${b.wallUsPerSpan} |`,
  );
}
