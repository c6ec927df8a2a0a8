import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import { Downstream } from './downstream.js';
import { jsonRequest, post, startTestCollector, tmpDir, waitFor } from './helpers.js';

const collectors: RunningCollector[] = [];
const downstreams: Downstream[] = [];
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.shutdown();
  for (const d of downstreams.splice(0)) await d.stop();
});

function spanIds(body: string): string[] {
  return JSON.parse(body).resourceSpans[0].scopeSpans[0].spans.map((s: { spanId: string }) => s.spanId);
}

const json = { 'content-type': 'application/json' };
const fast = { initialBackoffMs: 20, maxBackoffMs: 200, timeoutMs: 2000 };

describe.each(['protobuf', 'json'] as const)('OTLP forwarder (%s)', (protocol) => {
  it('delivers every span across a downstream outage, with enrichment in genai_ops.*', async () => {
    const down = new Downstream();
    downstreams.push(down);
    await down.start();
    const c = await startTestCollector({ forward: { endpoints: [{ url: down.url, protocol }], ...fast } });
    collectors.push(c);
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 4) await down.stop();
      if (i === 9) await down.start();
      const body = jsonRequest(25);
      sent.push(...spanIds(body));
      expect((await post(`${c.url}/v1/traces`, body, json)).status).toBe(200);
    }
    await waitFor(() => sent.every((id) => down.spans.has(id)), 20_000);
    expect(down.spans.size).toBe(sent.length);
    const attrs = down.spans.get(sent[0] as string) as Record<string, unknown>;
    expect(attrs['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(Number(attrs['genai_ops.cost.usd'])).toBeGreaterThan(0);
    expect(attrs['genai_ops.cost.price_version']).toBeTruthy();
    expect(
      Object.keys(attrs).filter((k) => k.startsWith('gen_ai.usage.cost') || k.startsWith('gen_ai.guardrail')),
    ).toEqual([]);
    // The downstream records a batch before the forwarder has read its response: wait for the count.
    await waitFor(() => c.forwarders[0]?.sentSpans === sent.length, 5000);
    expect(c.forwarders[0]?.sentSpans).toBe(sent.length);
    await waitFor(() => c.forwarders[0]?.spoolBytes === 0, 5000);
  });
});

it('encodes on the loader threads, once per encoding, for forwarders of both protocols', async () => {
  const [downJson, downProto] = [new Downstream(), new Downstream()];
  downstreams.push(downJson, downProto);
  await downJson.start();
  await downProto.start();
  const c = await startTestCollector({
    forward: {
      endpoints: [
        { url: downJson.url, protocol: 'json' },
        { url: downProto.url, protocol: 'protobuf' },
      ],
      ...fast,
    },
  });
  collectors.push(c);
  // What reaches each forwarder: export bodies in its own encoding, never span objects.
  const calls: Array<{ protocol: string; via: string; json: boolean }> = [];
  for (const f of c.forwarders) {
    const encoded = f.consumeEncoded.bind(f);
    const traces = f.consumeTraces.bind(f);
    f.consumeEncoded = (body, spans) => {
      calls.push({
        protocol: f.encoding,
        via: 'encoded',
        json: Buffer.from(body).subarray(0, 1).toString() === '{',
      });
      return encoded(body, spans);
    };
    f.consumeTraces = (batch) => {
      calls.push({ protocol: f.encoding, via: 'spans', json: false });
      return traces(batch);
    };
  }
  const sent: string[] = [];
  for (let i = 0; i < 4; i++) {
    const body = jsonRequest(25);
    sent.push(...spanIds(body));
    expect((await post(`${c.url}/v1/traces`, body, json)).status).toBe(200);
  }
  await waitFor(() => sent.every((id) => downJson.spans.has(id) && downProto.spans.has(id)), 20_000);
  expect(downJson.spans.size).toBe(sent.length);
  expect(downProto.spans.size).toBe(sent.length);
  expect(Number(downProto.spans.get(sent[0] as string)?.['genai_ops.cost.usd'])).toBeGreaterThan(0);
  expect(calls.length).toBeGreaterThanOrEqual(8);
  expect(calls.every((x) => x.via === 'encoded' && x.json === (x.protocol === 'json'))).toBe(true);
});

it('the spool survives a collector restart while the downstream is down', async () => {
  const down = new Downstream();
  downstreams.push(down);
  await down.start();
  await down.stop(); // reserve a port, then be down
  const dataDir = tmpDir();
  const cfg = { forward: { endpoints: [{ url: down.url }], ...fast } };
  const c1 = await startTestCollector(cfg, dataDir);
  const sent: string[] = [];
  for (let i = 0; i < 5; i++) {
    const body = jsonRequest(20);
    sent.push(...spanIds(body));
    expect((await post(`${c1.url}/v1/traces`, body, json)).status).toBe(200);
  }
  await c1.shutdown();
  const spoolDir = path.join(dataDir, 'spool', c1.forwarders[0]?.id as string);
  expect(fs.readdirSync(spoolDir).filter((f) => f.endsWith('.seg'))).toHaveLength(5);
  await down.start();
  expect(down.spans.size).toBe(0);
  const c2 = await startTestCollector(cfg, dataDir);
  collectors.push(c2);
  await waitFor(() => sent.every((id) => down.spans.has(id)), 20_000);
  expect(down.spans.size).toBe(100);
  await waitFor(() => fs.readdirSync(spoolDir).filter((f) => f.endsWith('.seg')).length === 0, 5000);
});

it('the spool size limit drops the oldest segments and counts them', async () => {
  const down = new Downstream();
  downstreams.push(down);
  await down.start();
  await down.stop();
  const c = await startTestCollector({
    forward: { endpoints: [{ url: down.url }], spoolMaxBytes: 30_000, ...fast },
  });
  collectors.push(c);
  const bodies = Array.from({ length: 6 }, () => jsonRequest(10, { contentBytes: 1000 }));
  for (const b of bodies) expect((await post(`${c.url}/v1/traces`, b, json)).status).toBe(200);
  // Acknowledged batches reach the spool through the loader: a query waits until it has caught up.
  await c.store.sql('SELECT 1');
  const fwd = c.forwarders[0];
  // The segment being sent is kept until its attempt fails (the downstream is down): then the limit holds.
  await waitFor(() => (fwd?.spoolBytes ?? Infinity) <= 30_000, 5_000);
  expect(fwd?.droppedSpans).toBeGreaterThan(0);
  expect((fwd?.droppedSpans ?? 0) % 10).toBe(0);
  const dropped = (await c.metrics.forwardDropped.get()).values.find((v) => v.labels.reason === 'spool_full');
  expect(dropped?.value).toBe(fwd?.droppedSpans);
  await down.start();
  // The newest batch survives and is delivered; the dropped (oldest) ones are not.
  const newest = spanIds(bodies[5] as string);
  await waitFor(() => newest.every((id) => down.spans.has(id)), 20_000);
  expect(spanIds(bodies[0] as string).some((id) => down.spans.has(id))).toBe(false);
});
