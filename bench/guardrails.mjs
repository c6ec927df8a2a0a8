// Speed of @genai-ops/guardrails: full input scan (all PII types + secrets + injection) of a realistic
// 4 KB prompt and of a 40 KB prompt; also Policy.evaluate with the default policy.
// Usage: npx tsc -b packages/guardrails && node bench/guardrails.mjs [iterations]
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);
const g = require('../packages/guardrails/dist/index.js');
const ITER = Number(process.argv[2] ?? 5000);

// A realistic support-bot prompt: instructions, a customer thread with PII, an order, a code snippet.
const BLOCKS = [
  `You are a helpful customer support assistant for Acme Online. Answer politely and concisely. Use the
order history below when relevant, never promise delivery dates, and escalate refunds above 500 EUR.\n`,
  `Customer: Hi, I'm Maria Silva. My order #88123 placed on 2024-03-15 never arrived. The tracking page
shows "in transit" since March 18. Can you check? You can reach me at maria.silva@example.pt or on
+351 912 345 678. My NIF for the invoice is 123456789.\n`,
  `Order history: order 88123, 2 items (SKU 4411-22, SKU 9031-07), total 149.90 EUR, paid by card ending
1111; shipped via CTT, parcel RR123456789PT. Previous order 87001 delivered 2024-01-02.\n`,
  `Agent note: customer asked last time how to ignore whitespace in git diff for the app's config export;
we answered with \`git diff -w\`. App version 2.4.1 fixes the tracking bug on Android 14.\n`,
  "```js\nfetch('/api/orders/88123', { headers: { Accept: 'application/json' } }).then((r) => r.json());\n```\n",
  `Customer: Also, can you tell me whether the refund goes back to the same card? I'd rather get a bank
transfer to my IBAN PT50 0002 0123 1234 5678 9015 4 if possible. Thanks a lot for your help!\n`,
];
function prompt(size) {
  let s = '';
  let i = 0;
  while (s.length < size) s += BLOCKS[i++ % BLOCKS.length];
  return s.slice(0, size);
}

// Wall-clock per call, and CPU time per call (process.cpuUsage: excludes time the OS ran other
// processes, which dominates wall-clock tails on a loaded shared machine).
function bench(name, fn, iterations) {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn();
  const t = new Float64Array(iterations);
  const c = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    t[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    const dc = process.cpuUsage(c0);
    c[i] = (dc.user + dc.system) / 1e3;
  }
  t.sort();
  c.sort();
  const q = (a, p) => a[Math.min(iterations - 1, Math.floor(p * iterations))];
  return {
    name,
    iterations,
    p50: q(t, 0.5),
    p90: q(t, 0.9),
    p99: q(t, 0.99),
    max: t[iterations - 1],
    cpu50: q(c, 0.5),
    cpu99: q(c, 0.99),
  };
}

const p4 = prompt(4096);
const p40 = prompt(40960);
const r4 = g.scan(p4);
const rows = [
  bench('scan 4 KB (pii+secrets+injection)', () => g.scan(p4), ITER),
  bench('  detectPii 4 KB (all 12 types)', () => g.detectPii(p4), ITER),
  bench('  detectInjection 4 KB', () => g.detectInjection(p4), ITER),
  bench(
    'defaultPolicy.evaluate 4 KB input',
    () => g.defaultPolicy.evaluate(p4, { direction: 'input' }),
    ITER,
  ),
  bench('scan 40 KB (pii+secrets+injection)', () => g.scan(p40), Math.max(200, Math.floor(ITER / 10))),
];
console.log(
  `node ${process.version}, ${ITER} iterations after warm-up; 4 KB prompt: ${r4.pii.length} PII findings, injection score ${r4.injection.score}`,
);
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${os.cpus().length} CPUs`,
);
console.log('| case | iterations | p50 ms | p90 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.iterations} | ${r.p50.toFixed(3)} | ${r.p90.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.max.toFixed(3)} | ${r.cpu50.toFixed(3)} | ${r.cpu99.toFixed(3)} |`,
  );
