import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import { jsonRequest, post, randomHex, startTestCollector, waitFor } from './helpers.js';

let c: RunningCollector;
const BUDGET = 400;

beforeAll(async () => {
  // A long group-commit window holds batches in flight so the budget is reached.
  c = await startTestCollector({
    receiver: { maxInFlightSpans: BUDGET },
    storage: { flushIntervalMs: 200, maxBatchSpans: 100_000 },
  });
});
afterAll(async () => {
  await c?.shutdown();
});

it('answers 429 with Retry-After beyond the in-flight budget, never holds more, and recovers', async () => {
  const json = { 'content-type': 'application/json' };
  const bodies = Array.from({ length: 30 }, () => jsonRequest(100, { contentBytes: 1024 }));
  let maxInFlight = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      maxInFlight = Math.max(maxInFlight, (await c.metrics.inFlightSpans.get()).values[0]?.value ?? 0);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const statuses: number[] = [];
  const others: string[] = [];
  const retryAfter: string[] = [];
  // 5 rounds of 30 concurrent 100-span requests: 3,000 spans at once against a 400-span budget.
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(bodies.map((b) => post(`${c.url}/v1/traces`, b, json)));
    for (const r of results) {
      statuses.push(r.status);
      if (r.status !== 200 && r.status !== 429) others.push(`${r.status} ${r.body.toString().slice(0, 200)}`);
      if (r.status === 429) retryAfter.push(String(r.headers['retry-after']));
    }
  }
  sampling = false;
  await sampler;
  const ok = statuses.filter((s) => s === 200).length;
  const limited = statuses.filter((s) => s === 429).length;
  if (ok + limited !== statuses.length) console.log('other statuses', others);
  expect(ok + limited).toBe(statuses.length);
  // At least a full budget's worth is admitted (4 × 100 spans). Later rounds may get nothing: they come
  // back to back, the receiver refuses a request that would not fit before reading it (its size is
  // known from the bodies it counted), and the backlog of the first round is not stored yet.
  expect(ok).toBeGreaterThanOrEqual(BUDGET / 100);
  expect(limited).toBeGreaterThan(statuses.length / 2);
  expect(retryAfter.every((v) => Number(v) >= 1)).toBe(true);
  expect(maxInFlight).toBeGreaterThan(0);
  expect(maxInFlight).toBeLessThanOrEqual(BUDGET);
  // Refusals before the body is read count as requests (their spans are unknown), later ones as spans too.
  const requests = await c.metrics.httpRequests.get();
  const counted429 = requests.values.find(
    (v) => v.labels.path === '/v1/traces' && v.labels.status === '429',
  )?.value;
  expect(counted429).toBe(limited);
  // Once the burst is over and the acknowledged backlog is stored (it counts in the budget), a
  // request goes through, and every acknowledged span was stored.
  await waitFor(async () => ((await c.metrics.inFlightSpans.get()).values[0]?.value ?? 0) === 0, 20_000);
  const traceId = randomHex(16);
  expect((await post(`${c.url}/v1/traces`, jsonRequest(5, { traceId }), json)).status).toBe(200);
  expect((await c.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`)).rows).toEqual([
    { n: 5 },
  ]);
  const acked = new Set<string>();
  statuses.forEach((s, i) => {
    if (s === 200)
      acked.add(
        String(
          JSON.parse(bodies[i % bodies.length] as string).resourceSpans[0].scopeSpans[0].spans[0].traceId,
        ),
      );
  });
  const stored = (
    await c.store.sql("SELECT count(DISTINCT trace_id) AS n FROM spans WHERE service_name = 'raw-client'")
  ).rows[0]?.n;
  expect(Number(stored)).toBeGreaterThanOrEqual(acked.size);
});
