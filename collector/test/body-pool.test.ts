import { afterEach, describe, expect, it } from 'vitest';
import { encodeTraces, type RunningCollector, type SpanRecord } from '../dist/index.js';
import { BodyPool, bodyCapacity } from '../dist/receiver/body.js';
import { post, randomHex, startTestCollector, waitFor } from './helpers.js';

describe('BodyPool', () => {
  it('sizes buffers in classes of four per doubling, from 64 KiB', () => {
    expect(bodyCapacity(1)).toBe(65536);
    expect(bodyCapacity(65536)).toBe(65536);
    expect(bodyCapacity(65537)).toBe(65536 + 16384);
    expect(bodyCapacity(1_481_152)).toBe(1_572_864); // 1.5 MiB
    expect(bodyCapacity(1_572_864)).toBe(1_572_864);
    expect(bodyCapacity(1_572_865)).toBe(1_835_008); // 1.75 MiB
  });

  it('lends a buffer to one body at a time: reused once given back, never twice', () => {
    const pool = new BodyPool();
    const a = pool.take(100_000);
    expect(a.length).toBe(100_000);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    pool.give(a);
    pool.give(a); // a second give of the same body is ignored
    expect(bodyCapacity(110_000)).toBe(bodyCapacity(100_000));
    const b = pool.take(110_000); // the same size class
    const c = pool.take(110_000);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
    expect(pool.reused).toBe(1);
    expect(pool.allocated).toBe(2);
    // Buffers it did not lend are not taken in.
    pool.give(Buffer.alloc(110_000));
    pool.give(Buffer.from(new SharedArrayBuffer(114_688)));
    expect(pool.pooledBytes).toBe(0);
  });

  it('keeps at most maxPooledBytes of free buffers', () => {
    const pool = new BodyPool(200_000);
    const bodies = [pool.take(65_536), pool.take(65_536), pool.take(65_536), pool.take(65_536)];
    for (const b of bodies) pool.give(b);
    expect(pool.pooledBytes).toBe(3 * 65_536);
  });
});

function spans(traceId: string, n: number, content: string): SpanRecord[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: randomHex(8),
    parentSpanId: '',
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: String(now + BigInt(i)),
    endTimeUnixNano: String(now + BigInt(i) + 1_000_000n),
    statusCode: 0,
    statusMessage: '',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: `${traceId}/${i}: ${content}` }] },
      ]),
    },
    events: [],
    links: [],
    resource: { 'service.name': 'pool-test' },
    scopeName: 'test',
    scopeVersion: '1',
    enrichment: {},
  }));
}

/** An OTLP/protobuf body of 40 spans with ~2 KB of content each (`k` picks the content letter). */
function fortySpanBody(k: number): ReturnType<typeof encodeTraces> {
  return encodeTraces(spans(randomHex(16), 40, String.fromCharCode(97 + k).repeat(2000)), 'protobuf');
}

let c: RunningCollector | undefined;
afterEach(async () => {
  await c?.shutdown();
  c = undefined;
});

describe('request bodies in reused buffers', () => {
  it('stores every span of bodies read into reused buffers exactly as sent', {
    timeout: 60_000,
  }, async () => {
    c = await startTestCollector();
    // (dist/index.js and dist/receiver/body.js load as separate module instances here: no instanceof.)
    const pool = c.bodyPool as BodyPool;
    expect(pool.reused).toBe(0);
    const sent = new Map<string, string>();
    const sizes: number[] = [];
    const proto = { 'content-type': 'application/x-protobuf' };
    for (let k = 0; k < 8; k++) {
      const traceId = randomHex(16);
      // Bodies of different lengths within one size class: a shorter one follows a longer one in
      // the same buffer, so stale bytes past its end would show.
      const batch = spans(traceId, 40, String.fromCharCode(97 + k).repeat(2000 - 20 * k));
      for (const s of batch) sent.set(s.spanId, s.attributes['gen_ai.input.messages'] as string);
      const body = encodeTraces(batch, 'protobuf');
      sizes.push(body.length);
      const r = await post(`${c.url}/v1/traces`, body, proto);
      expect(r.status).toBe(200);
      // Stored (and so given back) before the next one is read.
      await waitFor(async () => {
        const rows = (await c?.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`))
          ?.rows;
        return Number(rows?.[0]?.n) === 40;
      }, 20_000);
    }
    // One size class, shrinking bodies: the first allocates, the seven after it reuse that buffer.
    expect(new Set(sizes.map(bodyCapacity)).size).toBe(1);
    expect(sizes[7]).toBeLessThan(sizes[0] as number);
    expect(pool.reused).toBe(7);
    const reusedBefore = pool.reused;
    // Then bursts of concurrent requests: bodies queue up acknowledged but not stored while new ones
    // arrive, so a buffer handed out again too early would overwrite a body the loader has not read.
    for (let wave = 0; wave < 4; wave++) {
      const bodies = Array.from({ length: 12 }, (_, k) => {
        const batch = spans(randomHex(16), 40, String.fromCharCode(65 + k).repeat(1900 + k));
        for (const s of batch) sent.set(s.spanId, s.attributes['gen_ai.input.messages'] as string);
        return encodeTraces(batch, 'protobuf');
      });
      const statuses = await Promise.all(bodies.map((b) => post(`${c?.url}/v1/traces`, b, proto)));
      expect(statuses.map((r) => r.status)).toEqual(Array(12).fill(200));
    }
    const rows = (await c.store.sql('SELECT span_id, input_messages::VARCHAR AS m FROM spans')).rows;
    expect(rows.length).toBe(sent.size);
    for (const r of rows) expect(r.m).toBe(sent.get(r.span_id as string));
    expect(pool.reused).toBeGreaterThan(reusedBefore);
  });

  it('takes back the bodies of refused requests (429 after the budget check, 400)', {
    timeout: 60_000,
  }, async () => {
    // Room for one 40-span request at a time. The ten arrive together, before the receiver has counted
    // a body of this content type (no size estimate yet): they pass the pre-read check, are read into
    // pooled buffers, then the ones that do not fit are refused by the budget (40 + 40 > 60).
    c = await startTestCollector({ receiver: { maxInFlightSpans: 60 } });
    const pool = c.bodyPool as BodyPool;
    const proto = { 'content-type': 'application/x-protobuf' };
    const bodies = Array.from({ length: 10 }, (_, k) => fortySpanBody(k));
    const capacity = bodyCapacity(bodies[0]?.length as number);
    expect(new Set(bodies.map((b) => bodyCapacity(b.length)))).toEqual(new Set([capacity]));
    const statuses = (await Promise.all(bodies.map((b) => post(`${c?.url}/v1/traces`, b, proto)))).map(
      (r) => r.status,
    );
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    // Stored bodies come back once loaded, refused ones at once: every buffer lent is free again.
    const allBack = (): boolean => pool.pooledBytes === pool.allocated * capacity;
    await waitFor(allBack, 20_000);
    const allocated = pool.allocated;
    // A body that fails validation (the same size class) goes back as well, and is reused.
    const garbage = Buffer.alloc(bodies[0]?.length as number, 0xff);
    expect((await post(`${c.url}/v1/traces`, garbage, proto)).status).toBe(400);
    expect(allBack()).toBe(true);
    expect((await post(`${c.url}/v1/traces`, bodies[0] as Buffer, proto)).status).toBe(200);
    await waitFor(allBack, 20_000);
    expect(pool.allocated).toBe(allocated);
    // The counters as Prometheus sees them.
    const text = await (await fetch(`${c.url}/metrics`)).text();
    expect(text).toContain(`genai_ops_receiver_body_buffers_total{source="allocated"} ${allocated}`);
    expect(text).toContain(`genai_ops_receiver_body_buffers_total{source="reused"} ${pool.reused}`);
    expect(pool.reused).toBeGreaterThan(0);
  });

  it('refuses a request that would not fit the budget before reading its body', {
    timeout: 60_000,
  }, async () => {
    // Room for one 40-span request: once the receiver has counted one body, it knows the bytes per
    // span of this content type, and a request that would not fit next to the one in flight gets its
    // 429 from its Content-Length, without a buffer taken for its body.
    c = await startTestCollector({ receiver: { maxInFlightSpans: 60 } });
    const pool = c.bodyPool as BodyPool;
    const proto = { 'content-type': 'application/x-protobuf' };
    expect((await post(`${c.url}/v1/traces`, fortySpanBody(0), proto)).status).toBe(200);
    const read = () => pool.reused + pool.allocated;
    expect(read()).toBe(1);
    // Stored: the budget is free again.
    await waitFor(async () => {
      const rows = (await c?.store.sql('SELECT count(*) AS n FROM spans'))?.rows;
      return Number(rows?.[0]?.n) === 40;
    }, 20_000);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, k) => post(`${c?.url}/v1/traces`, fortySpanBody(k + 1), proto)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    for (const r of responses.filter((x) => x.status === 429)) expect(r.headers['retry-after']).toBe('1');
    // Bodies read: the first request, and fewer than the ten after it (refused ones were not read).
    expect(read() - 1).toBeLessThan(10);
    expect(read() - 1).toBeGreaterThanOrEqual(statuses.filter((st) => st === 200).length);
  });
});
