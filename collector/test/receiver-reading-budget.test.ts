import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { otlpHttpReceiver } from '../dist/receiver/otlp-http-receiver.js';
import { jsonRequest, post, type RawResponse } from './helpers.js';

const MiB = 1024 * 1024;
let server: http.Server;
let url: string;
let stored = 0;

beforeAll(async () => {
  const app = express();
  app.use(
    otlpHttpReceiver({
      consumer: {
        consumeTraces: async (b) => {
          stored += b.spans.length;
        },
        consumeLogs: async () => undefined,
      },
      maxBodyBytes: MiB,
      maxReadingBytes: 2 * MiB,
    }),
  );
  server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A POST whose body is sent up to `sent` bytes and then held; `finish()` sends the rest. */
function held(body: Buffer, sent: number, chunked = false) {
  let resolve!: (r: RawResponse) => void;
  const response = new Promise<RawResponse>((r) => {
    resolve = r;
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!chunked) headers['content-length'] = String(body.length);
  const req = http.request(`${url}/v1/traces`, { method: 'POST', headers }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
    );
  });
  req.on('error', () => undefined);
  req.write(body.subarray(0, sent));
  return { response, finish: () => req.end(body.subarray(sent)), abort: () => req.destroy() };
}

/** A valid OTLP/JSON body of exactly `size` bytes (padded with JSON whitespace). */
function padded(spans: number, size: number): Buffer {
  const base = jsonRequest(spans);
  return Buffer.from(`${base.slice(0, -1)}${' '.repeat(size - Buffer.byteLength(base))}}`);
}

const settled = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('bodies being read at once are bounded: beyond the bound 429 with Retry-After, not memory', async () => {
  // Two bodies of almost 1 MiB each are being read (the bound is 2 MiB).
  const a = held(padded(2, MiB - 10), MiB - 20);
  const b = held(padded(3, MiB - 10), MiB - 20);
  await settled(300);
  // A third declares 1 MiB: refused before a byte of it is read.
  const declared = await post(`${url}/v1/traces`, padded(1, MiB - 10), {
    'content-type': 'application/json',
  });
  expect(declared.status).toBe(429);
  expect(Number(declared.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(declared.body.toString()).code).toBe(8);
  // One without a length (chunked) is refused once its bytes pass the bound.
  const chunked = held(padded(1, 512 * 1024), 512 * 1024, true);
  chunked.finish();
  expect((await chunked.response).status).toBe(429);
  // The two held ones complete and are accepted; then the bound is free again.
  a.finish();
  b.finish();
  expect([(await a.response).status, (await b.response).status]).toEqual([200, 200]);
  expect(stored).toBe(5);
  const after = await post(`${url}/v1/traces`, padded(4, MiB - 10), { 'content-type': 'application/json' });
  expect(after.status).toBe(200);
  expect(stored).toBe(9);
});

it('one body larger than the bound alone is still read (up to maxBodyBytes)', async () => {
  // (The bound is at least maxBodyBytes in practice; an idle receiver never refuses for it.)
  const r = await post(`${url}/v1/traces`, padded(2, MiB), { 'content-type': 'application/json' });
  expect(r.status).toBe(200);
});

it('a client that aborts mid-body gives its bytes back', async () => {
  const gone = held(padded(1, MiB - 10), MiB - 20);
  await settled(300);
  gone.abort();
  await settled(300);
  // Were the aborted bytes still counted, 2 × (1 MiB - 20) + (1 MiB - 10) would be over the bound.
  const a = held(padded(2, MiB - 10), MiB - 20);
  await settled(300);
  const r = await post(`${url}/v1/traces`, padded(1, MiB - 10), { 'content-type': 'application/json' });
  expect(r.status).toBe(200);
  a.finish();
  expect((await a.response).status).toBe(200);
});
