// Throughput and latency of the fake provider itself, so test and benchmark authors know its overhead.
// Usage: npx tsc -b packages/fake-provider && node bench/fake-provider.mjs [requestsPerScenario=2000] [concurrency=16]
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { startFakeProvider } = require('../packages/fake-provider/dist/index.js');

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 16);

const user = [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog' }];
const scenarios = [
  ['openai chat, non-streaming', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: user }, {}],
  [
    'openai chat, stream 5 chunks',
    '/v1/chat/completions',
    { model: 'gpt-4o-mini', messages: user, stream: true, stream_options: { include_usage: true } },
    {},
  ],
  [
    'openai chat, stream 50 chunks',
    '/v1/chat/completions',
    { model: 'gpt-4o-mini', messages: user, stream: true },
    { 'x-fake-chunks': '50' },
  ],
  [
    'openai responses, stream 5 chunks',
    '/v1/responses',
    { model: 'gpt-4o-mini', input: 'hello', stream: true },
    {},
  ],
  [
    'anthropic messages, stream 5 chunks',
    '/v1/messages',
    { model: 'claude-sonnet-4-5', max_tokens: 100, messages: user, stream: true },
    {},
  ],
  [
    'gemini streamGenerateContent (sse)',
    '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] },
    {},
  ],
  [
    'bedrock converse-stream (event-stream)',
    '/model/amazon.nova-lite-v1%3A0/converse-stream',
    { messages: [{ role: 'user', content: [{ text: 'hello' }] }] },
    {},
  ],
  [
    'openai embeddings, 1536 floats',
    '/v1/embeddings',
    { model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' },
    {},
  ],
];

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fake = await startFakeProvider();
const rows = [];
try {
  for (const [name, path, body, headers] of scenarios) {
    const payload = JSON.stringify(body);
    const one = async () => {
      const t0 = performance.now();
      const res = await fetch(fake.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 50; i++) await one(); // warm-up
    const latencies = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next++;
          latencies.push(await one());
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    rows.push({
      scenario: name,
      'req/s': Math.round(latencies.length / elapsed),
      'p50 ms': pct(latencies, 50).toFixed(2),
      'p99 ms': pct(latencies, 99).toFixed(2),
    });
    fake.requests.length = 0;
  }
} finally {
  await fake.close();
}
console.log(
  `fake provider: ${total} requests per scenario, concurrency ${concurrency}, Node ${process.version}`,
);
console.table(rows);
