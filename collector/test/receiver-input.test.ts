import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import { jsonRequest, post, type RawResponse, randomHex, startTestCollector } from './helpers.js';

const LIMIT = 64 * 1024;
const json = { 'content-type': 'application/json' };
const proto = { 'content-type': 'application/x-protobuf' };

let c: RunningCollector;
/** Without an ingest log: requests are decoded (records built) on the receiving thread. */
let mem: RunningCollector;

beforeAll(async () => {
  [c, mem] = await Promise.all([
    startTestCollector({ receiver: { maxBodyBytes: LIMIT } }),
    startTestCollector({ storage: { ingestLog: false } }),
  ]);
});
afterAll(async () => {
  await Promise.all([c?.shutdown(), mem?.shutdown()]);
});

async function stored(col: RunningCollector, traceId: string): Promise<number> {
  const rows = (await col.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`)).rows;
  return Number(rows[0]?.n);
}

/** A trace request whose first span (or its scope) is changed by `edit`. */
function traceWith(edit: (req: any) => void): string {
  const req = JSON.parse(jsonRequest(2));
  edit(req);
  return JSON.stringify(req);
}

function logWith(record: Record<string, unknown>): string {
  return JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [record] }] }] });
}

function expectInvalidArgument(res: RawResponse): void {
  expect(res.status).toBe(400);
  expect(res.headers['retry-after']).toBeUndefined();
  const body = JSON.parse(res.body.toString()) as { code: number; message: string };
  expect(body.code).toBe(3);
  expect(body.message.length).toBeGreaterThan(0);
}

describe('JSON the decoder cannot read is a permanent 400, never a retryable 503', () => {
  // `{"toString": 1}` cannot be converted to a string, `bytesValue: null` not to bytes: the decoder
  // throws a TypeError, not an OtlpDecodeError. A 503 with Retry-After makes the exporter send the
  // same body again and again.
  it.each([
    [
      'traces, a scope name that is an object',
      () => c,
      '/v1/traces',
      traceWith((r) => {
        r.resourceSpans[0].scopeSpans[0].scope = { name: { toString: 1 } };
      }),
    ],
    [
      'logs, a severityText that is an object',
      () => c,
      '/v1/logs',
      logWith({ severityText: { toString: 1 } }),
    ],
    ['logs, a null bytesValue', () => c, '/v1/logs', logWith({ body: { bytesValue: null } })],
    [
      'traces without an ingest log, a null bytesValue',
      () => mem,
      '/v1/traces',
      traceWith((r) => {
        r.resourceSpans[0].scopeSpans[0].spans[0].attributes.push({ key: 'b', value: { bytesValue: null } });
      }),
    ],
    [
      'traces without an ingest log, a span name that is an object',
      () => mem,
      '/v1/traces',
      traceWith((r) => {
        r.resourceSpans[0].scopeSpans[0].spans[0].name = { toString: 1 };
      }),
    ],
    // With the ingest log the receiver only scans the body, and the loader decodes it after the 200:
    // the scan must refuse what the decoder refuses, or one acknowledged request stalls the loader.
    ...(
      [
        ['a span name', (s: any) => Object.assign(s, { name: { toString: 1 } })],
        ['a status message', (s: any) => Object.assign(s, { status: { code: 2, message: ['x'] } })],
        ['an event name', (s: any) => Object.assign(s, { events: [{ name: { a: 1 }, timeUnixNano: '1' }] })],
        [
          'a stringValue',
          (s: any) => s.attributes.push({ key: 'o', value: { stringValue: { toString: 1 } } }),
        ],
        ['a bytesValue', (s: any) => s.attributes.push({ key: 'b', value: { bytesValue: null } })],
        [
          'a doubleValue',
          (s: any) => s.attributes.push({ key: 'd', value: { doubleValue: { toString: 1 } } }),
        ],
      ] as const
    ).map(
      ([what, edit]) =>
        [
          `traces through the ingest log, ${what} that is not one`,
          () => c,
          '/v1/traces',
          traceWith((r) => edit(r.resourceSpans[0].scopeSpans[0].spans[0])),
        ] as const,
    ),
  ] as const)('%s', async (_name, col, path, body) => {
    expectInvalidArgument(await post(`${col().url}${path}`, body, json));
    const traceId = randomHex(16);
    expect((await post(`${col().url}/v1/traces`, jsonRequest(2, { traceId }), json)).status).toBe(200);
    expect(await stored(col(), traceId)).toBe(2);
  });
});

describe('media types, sizes and empty bodies', () => {
  const base = jsonRequest(1);
  // A valid body of exactly LIMIT bytes (padding is JSON whitespace).
  const exact = `${base.slice(0, -1)}${' '.repeat(LIMIT - Buffer.byteLength(base))}}`;

  it.each([
    [
      'Content-Type with a charset',
      '/v1/traces',
      base,
      { 'content-type': 'application/json; charset=utf-8' },
      200,
    ],
    ['upper-case Content-Type', '/v1/traces', base, { 'content-type': 'Application/JSON' }, 200],
    [
      'upper-case Content-Encoding',
      '/v1/traces',
      gzipSync(base),
      { ...json, 'content-encoding': 'GZIP' },
      200,
    ],
    ['an empty protobuf request (no spans)', '/v1/traces', Buffer.alloc(0), proto, 200],
    ['an empty protobuf logs request', '/v1/logs', Buffer.alloc(0), proto, 200],
    ['a body of exactly the limit', '/v1/traces', exact, json, 200],
    ['one byte over the limit', '/v1/traces', `${exact} `, json, 413],
    [
      'a gzip body of exactly the limit once inflated',
      '/v1/traces',
      gzipSync(exact),
      { ...json, 'content-encoding': 'gzip' },
      200,
    ],
    [
      'a gzip body one byte over once inflated',
      '/v1/traces',
      gzipSync(`${exact} `),
      { ...json, 'content-encoding': 'gzip' },
      413,
    ],
    ['an empty gzip body', '/v1/logs', Buffer.alloc(0), { ...json, 'content-encoding': 'gzip' }, 400],
    ['/v1/logs over the limit', '/v1/logs', 'x'.repeat(LIMIT + 1), json, 413],
    ['/v1/logs wrong content type', '/v1/logs', '{}', { 'content-type': 'text/plain' }, 415],
  ] as const)('%s', async (_name, path, body, headers, status) => {
    const res = await post(`${c.url}${path}`, body, headers);
    expect(res.status).toBe(status);
  });

  it('/v1/metrics answers a wrong content type with a reason', async () => {
    const res = await post(`${c.url}/v1/metrics`, '{}', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.body.toString()).message).toMatch(/Content-Type/);
  });
});
