import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorMetrics, OtlpForwarder, type OtlpForwarderConfig, type SpanRecord } from '../dist/index.js';
import { Downstream, type Received } from './downstream.js';
import { COLLECTOR_DIR, randomHex, spanRecord, tmpDir, waitFor } from './helpers.js';

const root = protobuf.loadSync(path.join(COLLECTOR_DIR, 'proto', 'otlp.proto'));
const ExportTraceServiceResponse = root.lookupType('opentelemetry.proto.ExportTraceServiceResponse');

const forwarders: OtlpForwarder[] = [];
const downstreams: Downstream[] = [];
afterEach(async () => {
  for (const f of forwarders.splice(0)) await f.shutdown();
  for (const d of downstreams.splice(0)) await d.stop();
});

async function downstream(): Promise<Downstream> {
  const d = new Downstream();
  downstreams.push(d);
  await d.start();
  return d;
}

async function forwarder(cfg: Partial<OtlpForwarderConfig> & { url: string }): Promise<OtlpForwarder> {
  const f = new OtlpForwarder({
    spoolDir: tmpDir('genai-ops-spool-'),
    initialBackoffMs: 20,
    maxBackoffMs: 200,
    timeoutMs: 2000,
    ...cfg,
  });
  forwarders.push(f);
  await f.start();
  return f;
}

function spans(n: number): SpanRecord[] {
  return Array.from({ length: n }, () => spanRecord({ spanId: randomHex(8) }));
}

async function dropped(m: CollectorMetrics, reason: string): Promise<number> {
  const v = (await m.forwardDropped.get()).values.find((x) => x.labels.reason === reason);
  return v?.value ?? 0;
}

const segments = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.seg'));

describe('OTLP forwarder delivery', () => {
  it('keeps backing off while new batches arrive (a new batch does not cut the back-off short)', async () => {
    const down = await downstream();
    down.reply = () => ({ status: 503, headers: { 'retry-after': '5' } });
    const f = await forwarder({ url: down.url, maxBackoffMs: 10_000 });
    await f.consumeTraces({ spans: spans(2) });
    await waitFor(() => down.received.length === 1, 5000);
    for (let i = 0; i < 10; i++) {
      await f.consumeTraces({ spans: spans(2) });
      await new Promise((r) => setTimeout(r, 100));
    }
    // About 1 s into a 5 s Retry-After: no second attempt yet.
    expect(down.received.length).toBe(1);
  });

  it('honours Retry-After as an HTTP date, and a date in the past means now', async () => {
    const down = await downstream();
    let n = 0;
    down.reply = () => {
      n++;
      if (n === 1)
        return { status: 429, headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() } };
      if (n === 2)
        return { status: 503, headers: { 'retry-after': new Date(Date.now() - 60_000).toUTCString() } };
      return { status: 200 };
    };
    const f = await forwarder({ url: down.url, maxBackoffMs: 10_000 });
    await f.consumeTraces({ spans: spans(3) });
    await waitFor(() => f.sentSpans === 3, 10_000);
    const [a, b, c] = down.received as [Received, Received, Received];
    // An HTTP date has second resolution: "in 3 s" is at least 2 s away.
    expect(b.at - a.at).toBeGreaterThanOrEqual(1900);
    // A past date: retried after the ordinary back-off (initial 20 ms here), not after a long wait.
    expect(c.at - b.at).toBeLessThan(1000);
  });

  it('does not retry a 408 (only 429, 502, 503, 504 are retryable): drops and counts it', async () => {
    const down = await downstream();
    down.reply = () => ({ status: 408 });
    const metrics = new CollectorMetrics();
    const f = await forwarder({ url: down.url, metrics });
    await f.consumeTraces({ spans: spans(4) });
    await waitFor(() => f.droppedSpans === 4, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(down.received.length).toBe(1);
    expect(await dropped(metrics, 'rejected_408')).toBe(4);
    expect(f.spoolBytes).toBe(0);
  });

  it('times out a downstream that accepts the request but never answers, and retries', async () => {
    const down = await downstream();
    let n = 0;
    down.reply = () => (n++ === 0 ? { status: 200, delayMs: 60_000 } : { status: 200 });
    const f = await forwarder({ url: down.url, timeoutMs: 300 });
    await f.consumeTraces({ spans: spans(2) });
    await waitFor(() => f.sentSpans === 2, 5000);
    expect(down.received.length).toBe(2);
  });

  it('drops and counts a 413 once, and delivers the next segment', async () => {
    const down = await downstream();
    let n = 0;
    down.reply = () => (n++ === 0 ? { status: 413 } : { status: 200 });
    const metrics = new CollectorMetrics();
    const f = await forwarder({ url: down.url, metrics });
    await f.consumeTraces({ spans: spans(5) });
    await f.consumeTraces({ spans: spans(2) });
    await waitFor(() => f.sentSpans === 2, 5000);
    expect(await dropped(metrics, 'rejected_413')).toBe(5);
    expect(down.received.length).toBe(2);
  });

  describe.each(['json', 'protobuf'] as const)('partial success (%s)', (protocol) => {
    it('counts the spans a 200 with partial_success.rejected_spans rejected', async () => {
      const down = await downstream();
      down.reply = () =>
        protocol === 'json'
          ? {
              status: 200,
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ partialSuccess: { rejectedSpans: '3', errorMessage: 'too old' } }),
            }
          : {
              status: 200,
              headers: { 'content-type': 'application/x-protobuf' },
              body: Buffer.from(
                ExportTraceServiceResponse.encode(
                  ExportTraceServiceResponse.fromObject({
                    partialSuccess: { rejectedSpans: 3, errorMessage: 'too old' },
                  }),
                ).finish(),
              ),
            };
      const metrics = new CollectorMetrics();
      const f = await forwarder({ url: down.url, protocol, metrics });
      await f.consumeTraces({ spans: spans(10) });
      await waitFor(() => f.spoolBytes === 0 && down.received.length === 1, 5000);
      await waitFor(() => f.sentSpans + f.droppedSpans === 10, 2000).catch(() => undefined);
      expect({
        sent: f.sentSpans,
        dropped: f.droppedSpans,
        metric: await dropped(metrics, 'partial_success'),
      }).toEqual({ sent: 7, dropped: 3, metric: 3 });
    });
  });

  it('a segment in flight is not also dropped by the size limit (each span counted once)', async () => {
    const down = await downstream();
    down.reply = () => ({ status: 200, delayMs: 1500 });
    const f = await forwarder({ url: down.url, spoolMaxBytes: 1 });
    await f.consumeTraces({ spans: spans(3) });
    await waitFor(() => down.received.length === 1, 5000);
    // Over the limit while the first segment is in flight: the next oldest go instead.
    await f.consumeTraces({ spans: spans(4) });
    await f.consumeTraces({ spans: spans(5) });
    await waitFor(() => f.sentSpans + f.droppedSpans >= 12 && f.spoolBytes === 0, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect({ sent: f.sentSpans, dropped: f.droppedSpans }).toEqual({ sent: 3 + 5, dropped: 4 });
  });

  it('enforces a lowered spool limit at start', async () => {
    const down = await downstream();
    await down.stop();
    const spoolDir = tmpDir('genai-ops-spool-');
    const f1 = await forwarder({ url: down.url, spoolDir });
    for (let i = 0; i < 4; i++) await f1.consumeTraces({ spans: spans(10) });
    await f1.shutdown();
    const total = f1.spoolBytes;
    const metrics = new CollectorMetrics();
    const f2 = await forwarder({ url: down.url, spoolDir, spoolMaxBytes: Math.ceil(total / 2), metrics });
    expect(f2.spoolBytes).toBeLessThanOrEqual(Math.ceil(total / 2));
    expect(await dropped(metrics, 'spool_full')).toBeGreaterThan(0);
  });

  it('delivers a spool written with the other protocol after the endpoint protocol changed', async () => {
    const down = await downstream();
    await down.stop();
    const spoolDir = tmpDir('genai-ops-spool-');
    const f1 = await forwarder({ url: down.url, spoolDir, protocol: 'json' });
    const sent = spans(6);
    await f1.consumeTraces({ spans: sent });
    await f1.shutdown();
    await down.start();
    const f2 = await forwarder({ url: down.url, spoolDir, protocol: 'protobuf' });
    const more = spans(2);
    await f2.consumeTraces({ spans: more });
    await waitFor(() => f2.spoolBytes === 0, 5000);
    expect(f2.droppedSpans).toBe(0);
    expect(down.spanIds.sort()).toEqual([...sent, ...more].map((s) => s.spanId).sort());
  });

  it('counts an empty or unreadable spool segment as dropped (corrupt), never as sent', async () => {
    const down = await downstream();
    const spoolDir = tmpDir('genai-ops-spool-');
    const probe = new OtlpForwarder({ url: down.url, spoolDir });
    const dir = path.join(spoolDir, probe.id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, '0000000000000001-5.seg'), '');
    fs.mkdirSync(path.join(dir, '0000000000000002-7.seg'));
    const metrics = new CollectorMetrics();
    const f = await forwarder({ url: down.url, spoolDir, metrics });
    const good = spans(2);
    await f.consumeTraces({ spans: good });
    await waitFor(() => f.sentSpans >= 2, 5000);
    // The empty segment is skipped and counted; a directory is not a segment at all.
    expect({ sent: f.sentSpans, dropped: f.droppedSpans, bytes: f.spoolBytes }).toEqual({
      sent: 2,
      dropped: 5,
      bytes: 0,
    });
    expect(await dropped(metrics, 'corrupt')).toBe(5);
    expect(down.spanIds).toEqual(good.map((s) => s.spanId));
  });

  it('a failed spool write leaves no temp file behind', async () => {
    const down = await downstream();
    await down.stop();
    const spoolDir = tmpDir('genai-ops-spool-');
    const f = await forwarder({ url: down.url, spoolDir });
    const dir = path.join(spoolDir, f.id);
    // The next segment's name is taken by a non-empty directory: the rename fails.
    fs.mkdirSync(path.join(dir, '0000000000000001-3.seg', 'x'), { recursive: true });
    await expect(f.consumeTraces({ spans: spans(3) })).rejects.toThrow(/spool write failed/);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('recreates a spool directory removed while running (ingest does not stall on it)', async () => {
    const down = await downstream();
    const spoolDir = tmpDir('genai-ops-spool-');
    const f = await forwarder({ url: down.url, spoolDir });
    fs.rmSync(path.join(spoolDir, f.id), { recursive: true, force: true });
    const batch = spans(3);
    await f.consumeTraces({ spans: batch });
    await waitFor(() => f.sentSpans === 3, 5000);
    expect(down.spanIds).toEqual(batch.map((s) => s.spanId));
  });

  it('refuses a second endpoint with the same URL, which would share (and corrupt) its spool', async () => {
    const down = await downstream();
    const spoolDir = tmpDir('genai-ops-spool-');
    await forwarder({ url: down.url, spoolDir, headers: { 'x-org': 'a' } });
    await expect(forwarder({ url: down.url, spoolDir, headers: { 'x-org': 'b' } })).rejects.toThrow(
      /in use by another forwarder/,
    );
    // Once the first one has shut down, the spool is free again (a restart in the same process).
    for (const f of forwarders.splice(0)) await f.shutdown();
    await forwarder({ url: down.url, spoolDir });
  });

  it('shutdown lets a request in flight finish, so the segment is not sent twice after a restart', async () => {
    const down = await downstream();
    down.reply = () => ({ status: 200, delayMs: 400 });
    const spoolDir = tmpDir('genai-ops-spool-');
    const f1 = await forwarder({ url: down.url, spoolDir });
    await f1.consumeTraces({ spans: spans(4) });
    await waitFor(() => down.received.length === 1, 5000);
    const t0 = Date.now();
    await f1.shutdown();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(f1.sentSpans).toBe(4);
    expect(segments(path.join(spoolDir, f1.id))).toEqual([]);
    const f2 = await forwarder({ url: down.url, spoolDir });
    await new Promise((r) => setTimeout(r, 300));
    expect(f2.sentSpans).toBe(0);
    expect(down.received.length).toBe(1);
  });

  it('shutdown is bounded when the downstream never answers, and keeps the segment', async () => {
    const down = await downstream();
    down.reply = () => ({ status: 200, delayMs: 60_000 });
    const spoolDir = tmpDir('genai-ops-spool-');
    const f = await forwarder({ url: down.url, spoolDir, timeoutMs: 30_000 });
    await f.consumeTraces({ spans: spans(4) });
    await waitFor(() => down.received.length === 1, 5000);
    const t0 = Date.now();
    await f.shutdown();
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(segments(path.join(spoolDir, f.id))).toHaveLength(1);
  });

  it('sends the endpoint headers (an API key) and sends userinfo in the URL as basic auth', async () => {
    const down = await downstream();
    const f = await forwarder({
      url: down.url.replace('http://', 'http://user:s3cret@'),
      headers: { 'DD-API-KEY': 'abc123' },
    });
    await f.consumeTraces({ spans: spans(1) });
    await waitFor(() => f.sentSpans === 1, 5000);
    const h = (down.received[0] as Received).headers;
    expect(h['dd-api-key']).toBe('abc123');
    expect(h.authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
  });
});
