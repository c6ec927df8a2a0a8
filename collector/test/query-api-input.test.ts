import * as http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import { post, type RawResponse, startTestCollector } from './helpers.js';

let c: RunningCollector;
beforeAll(async () => {
  c = await startTestCollector();
});
afterAll(async () => {
  await c?.shutdown();
});

function get(url: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject);
  });
}

/** A JSON `{error}` with a message, and no HTML page or stack trace. */
function expectJsonError(res: RawResponse, status: number, message?: RegExp): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body.toString()) as { error: string };
  expect(body.error.length).toBeGreaterThan(0);
  expect(body.error).not.toMatch(/\bat .*node_modules/);
  if (message) expect(body.error).toMatch(message);
}

it.each([
  ['malformed JSON', '{"query": ', { 'content-type': 'application/json' }, 400],
  ['a JSON string, not an object', '"SELECT 1"', { 'content-type': 'application/json' }, 400],
  [
    'a body over 1 MB',
    JSON.stringify({ query: `SELECT '${'x'.repeat(1 << 20)}'` }),
    { 'content-type': 'application/json' },
    413,
  ],
  [
    'an unsupported charset',
    '{"query": "SELECT 1"}',
    { 'content-type': 'application/json; charset=latin9' },
    415,
  ],
] as const)('POST /api/sql with %s gets a JSON error', async (_name, body, headers, status) => {
  expectJsonError(await post(`${c.url}/api/sql`, body, headers), status);
  // And the API still answers.
  const ok = await post(`${c.url}/api/sql`, '{"query": "SELECT 1 AS one"}', {
    'content-type': 'application/json',
  });
  expect(JSON.parse(ok.body.toString()).rows).toEqual([{ one: 1 }]);
});

it.each([
  ['a repeated service', '/api/traces?service=a&service=b', /service/],
  ['a repeated since', '/api/traces?since=1h&since=2h', /since/],
  ['a repeated limit', '/api/traces?limit=1&limit=2', /limit/],
  ['a badly encoded trace id', '/api/traces/%E0%A4%A', undefined],
] as const)('GET with %s is a clear 400', async (_name, path, message) => {
  expectJsonError(await get(`${c.url}${path}`), 400, message);
});
