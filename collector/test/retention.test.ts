/**
 * storage.retentionDays through the whole collector (the loader worker owns DuckDB): traces older than the
 * retention are deleted when the collector starts (and hourly), the others stay.
 */
import { describe, expect, it } from 'vitest';
import { jsonRequest, post, randomHex, startTestCollector, tmpDir } from './helpers.js';

const json = { 'content-type': 'application/json' };

/** An OTLP/JSON request of 2 spans of a new trace that started `daysAgo` days ago. */
function requestAt(daysAgo: number): { traceId: string; body: string } {
  const traceId = randomHex(16);
  const req = JSON.parse(jsonRequest(2, { traceId }));
  const start = BigInt(Date.now() - daysAgo * 86_400_000) * 1_000_000n;
  for (const [i, s] of req.resourceSpans[0].scopeSpans[0].spans.entries()) {
    s.startTimeUnixNano = String(start + BigInt(i));
    s.endTimeUnixNano = String(start + BigInt(i) + 1_000_000n);
  }
  return { traceId, body: JSON.stringify(req) };
}

describe('storage.retentionDays', () => {
  it('deletes the traces older than the retention when the collector starts, and keeps the rest', async () => {
    const dataDir = tmpDir();
    const storage = { retentionDays: 7 };
    const first = await startTestCollector({ storage }, dataDir);
    const old = requestAt(30);
    const recent = requestAt(2);
    const count = async (c: typeof first, traceId: string): Promise<number> =>
      Number((await c.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`)).rows[0]?.n);
    try {
      for (const r of [old, recent])
        expect((await post(`${first.url}/v1/traces`, r.body, json)).status).toBe(200);
      // Stored after the start's pruning: both are there until the next one.
      await expect.poll(() => count(first, recent.traceId)).toBe(2);
      expect(await count(first, old.traceId)).toBe(2);
    } finally {
      await first.shutdown();
    }
    const again = await startTestCollector({ storage }, dataDir);
    try {
      await expect.poll(() => count(again, old.traceId), { timeout: 10_000 }).toBe(0);
      expect(await count(again, recent.traceId)).toBe(2);
    } finally {
      await again.shutdown();
    }
  });
});
