import { connect } from 'node:http2';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeEventStream, type FakeProvider, startFakeProvider } from '../src/index';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterEach(() => {
  fake.setFault(undefined);
});
afterAll(async () => {
  await fake.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('server', () => {
  it('binds 127.0.0.1 on a random port and records requests', async () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
    expect(fake.port).toBeGreaterThan(0);
    const before = fake.requests.length;
    await post('/v1/chat/completions?x=1', CHAT, { 'x-custom': 'yes' });
    const rec = fake.requests[before]!;
    expect(rec).toMatchObject({ method: 'POST', path: '/v1/chat/completions?x=1', body: CHAT });
    expect(rec.headers['x-custom']).toBe('yes');
  });

  it('unknown routes are 404', async () => {
    const res = await post('/nope', {});
    expect(res.status).toBe(404);
  });

  it('setFault with count applies to the next N requests only', async () => {
    fake.setFault({ status: 500, count: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/v1/chat/completions', CHAT)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it('setFault without count applies until cleared; headers override it', async () => {
    fake.setFault({ status: 429 });
    expect((await post('/v1/messages', { model: 'm', max_tokens: 5, messages: [] })).status).toBe(429);
    expect((await post('/v1/chat/completions', CHAT)).status).toBe(429);
    expect((await post('/v1/chat/completions', CHAT, { 'x-fake-status': '503' })).status).toBe(503);
    fake.setFault(undefined);
    expect((await post('/v1/chat/completions', CHAT)).status).toBe(200);
  });

  it('error bodies follow each provider shape', async () => {
    const h = { 'x-fake-status': '503' };
    expect(await (await post('/v1/chat/completions', CHAT, h)).json()).toEqual({
      error: { message: 'fake provider: injected HTTP 503', type: 'server_error', param: null, code: null },
    });
    expect(await (await post('/v1/messages', {}, { 'x-fake-status': '529' })).json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'fake provider: injected HTTP 529' },
    });
    expect(await (await post('/v1beta/models/gemini-2.0-flash:generateContent', {}, h)).json()).toEqual({
      error: { code: 503, message: 'fake provider: injected HTTP 503', status: 'UNAVAILABLE' },
    });
    const bedrock = await post('/model/amazon.nova-lite-v1%3A0/converse', {}, { 'x-fake-status': '429' });
    expect(bedrock.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
    expect(await bedrock.json()).toEqual({ message: 'fake provider: injected HTTP 429' });
  });

  it('latency is applied before responding', async () => {
    fake.setFault({ latencyMs: 120, count: 1 });
    const t0 = performance.now();
    await post('/v1/chat/completions', CHAT);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    const t1 = performance.now();
    await post('/v1/chat/completions', CHAT, { 'x-fake-latency-ms': '80' });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(70);
  });

  it('chunkDelayMs spaces stream chunks', async () => {
    const slow = await startFakeProvider({ chunkDelayMs: 30 });
    try {
      const t0 = performance.now();
      const res = await fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fake-chunks': '4' },
        body: JSON.stringify({ ...CHAT, stream: true }),
      });
      await res.text();
      // role chunk + 4 text chunks + finish chunk + [DONE] = 7 chunks, 6 gaps.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(6 * 30 - 10);
    } finally {
      await slow.close();
    }
  });

  it('dropAfterChunks via setFault cuts a stream without a clean end', async () => {
    fake.setFault({ dropAfterChunks: 2, count: 1 });
    const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      ...CHAT,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of stream) n++;
      })(),
    ).rejects.toThrow();
    expect(n).toBe(2);
  });

  it('a client that aborts mid-stream leaves the server healthy', async () => {
    const slow = await startFakeProvider({ chunkDelayMs: 20 });
    try {
      const client = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'k', maxRetries: 0 });
      const stream = await client.chat.completions.create(
        { ...CHAT, stream: true },
        { headers: { 'x-fake-chunks': '100' } },
      );
      let n = 0;
      for await (const _ of stream) {
        if (++n === 2) break; // the SDK aborts the request
      }
      expect(n).toBe(2);
      const res = await client.chat.completions.create(CHAT);
      expect(res.choices[0]!.message.content).toBe('Echo: hi lorem ipsum dolor');
    } finally {
      await slow.close();
    }
  });

  it('dropAfterChunks on a non-streaming request drops before any response', async () => {
    await expect(post('/v1/chat/completions', CHAT, { 'x-fake-drop-after-chunks': '0' })).rejects.toThrow();
  });

  it('raw OpenAI SSE ends with data: [DONE]', async () => {
    const res = await post('/v1/chat/completions', { ...CHAT, stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('raw Anthropic SSE names each event and includes ping', async () => {
    const res = await post('/v1/messages', {
      model: 'claude',
      max_tokens: 50,
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    });
    const events = [...(await res.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events).toContain('ping');
    expect(events[0]).toBe('message_start');
    expect(events[events.length - 1]).toBe('message_stop');
  });

  it('Gemini streamGenerateContent without alt=sse answers one JSON array', async () => {
    const res = await post('/v1beta/models/gemini-2.0-flash:streamGenerateContent', {
      contents: [{ role: 'user', parts: [{ text: 'array please' }] }],
    });
    const body = (await res.json()) as unknown[];
    expect(body).toHaveLength(5);
  });

  it('serves HTTP/2 with prior knowledge on the same port (Bedrock event stream, valid CRCs)', async () => {
    const session = connect(fake.url);
    try {
      const req = session.request({
        ':method': 'POST',
        ':path': '/model/amazon.nova-micro-v1%3A0/converse-stream',
        'content-type': 'application/json',
        'x-fake-chunks': '2',
      });
      req.end(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'h2 please' }] }] }));
      const parts: Buffer[] = [];
      const status = await new Promise<number>((resolve, reject) => {
        let code = 0;
        req.on('response', (h) => {
          code = Number(h[':status']);
        });
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => resolve(code));
        req.on('error', reject);
      });
      expect(status).toBe(200);
      const messages = decodeEventStream(Buffer.concat(parts));
      expect(messages.map((m) => m.headers[':event-type'])).toEqual([
        'messageStart',
        'contentBlockDelta',
        'contentBlockDelta',
        'contentBlockStop',
        'messageStop',
        'metadata',
      ]);
      expect(messages.every((m) => m.headers[':message-type'] === 'event')).toBe(true);
      expect(JSON.parse(messages[1]!.payload.toString())).toEqual({
        contentBlockIndex: 0,
        delta: { text: 'Echo: h2' },
      });
    } finally {
      session.close();
    }
  });

  it('close is safe twice', async () => {
    const other = await startFakeProvider();
    await other.close();
    await other.close();
    await expect(fetch(`${other.url}/v1/models`)).rejects.toThrow();
  });
});
