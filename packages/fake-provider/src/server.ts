import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { ANTHROPIC_ROUTES, anthropicErrorBody } from './anthropic';
import { BEDROCK_ROUTES, bedrockError } from './bedrock';
import { DEFAULT_SHAPING, isRecord, type Shaping } from './content';
import {
  dropConnection,
  intHeader,
  isGone,
  type ProviderKind,
  type RequestContext,
  type Route,
  sendJson,
  sleep,
} from './context';
import { GEMINI_ROUTES, geminiErrorBody } from './gemini';
import { OPENAI_ROUTES, openAIErrorBody } from './openai';
import { OPENAI_RESPONSES_ROUTES } from './openai-responses';
import type { FakeProvider, FakeProviderOptions, Fault, RecordedRequest } from './types';

const ROUTES: Route[] = [
  ...OPENAI_ROUTES,
  ...OPENAI_RESPONSES_ROUTES,
  ...ANTHROPIC_ROUTES,
  ...GEMINI_ROUTES,
  ...BEDROCK_ROUTES,
];

/** Upper bound for `x-fake-chunks`, so a typo cannot make the server build a huge stream. */
const MAX_CHUNKS = 10_000;
/** Upper bound for injected latency (ms), so a fault can never hang a test run. */
const MAX_LATENCY_MS = 120_000;

/** Write the provider-specific error response for `status`. */
export function sendProviderError(
  res: ServerResponse,
  provider: ProviderKind,
  status: number,
  message: string,
): void {
  switch (provider) {
    case 'openai':
      sendJson(res, status, openAIErrorBody(status, message), { 'x-request-id': 'req_fake_error' });
      return;
    case 'anthropic':
      sendJson(res, status, anthropicErrorBody(status, message), { 'request-id': 'req_fake_error' });
      return;
    case 'gemini':
      sendJson(res, status, geminiErrorBody(status, message));
      return;
    case 'bedrock': {
      const e = bedrockError(status, message);
      sendJson(res, status, e.body, e.headers);
      return;
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function matchRoute(
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) {
      // Match on the raw path so an encoded '/' (Bedrock ARNs) stays inside its segment; decode afterwards.
      if (v !== undefined) params[k] = safeDecode(v);
    }
    return { route, params };
  }
  return undefined;
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function shapingFrom(req: IncomingMessage): Shaping {
  const h = req.headers;
  const chunks = intHeader(h['x-fake-chunks']);
  return {
    chunks: chunks !== undefined && chunks >= 1 ? Math.min(chunks, MAX_CHUNKS) : DEFAULT_SHAPING.chunks,
    cachedTokens: intHeader(h['x-fake-cached-tokens']) ?? 0,
    cacheWriteTokens: intHeader(h['x-fake-cache-write-tokens']) ?? 0,
    reasoningTokens: intHeader(h['x-fake-reasoning-tokens']) ?? 0,
  };
}

/** Whether the request asks for a streamed answer. */
function isStreaming(pathname: string, body: unknown): boolean {
  return (isRecord(body) && body.stream === true) || /stream/i.test(pathname);
}

/**
 * Start a fake LLM provider that speaks the OpenAI, Azure OpenAI, Anthropic, Gemini / Vertex and Bedrock
 * runtime wire formats, with deterministic replies and fault injection.
 *
 * @example
 * const fake = await startFakeProvider();
 * const client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'test', maxRetries: 0 });
 * await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
 * await fake.close();
 */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const host = options.host ?? '127.0.0.1';
  const chunkDelayMs = Math.max(0, options.chunkDelayMs ?? 0);
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let fault: Fault | undefined;
  let remaining: number | undefined;
  let seq = 0;
  const nextId = (prefix: string): string => `${prefix}fake${(++seq).toString().padStart(6, '0')}`;

  /** The server fault for this request, consuming one use of a counted fault. */
  const takeFault = (): Fault | undefined => {
    if (!fault) return undefined;
    const current = fault;
    if (remaining !== undefined) {
      remaining--;
      if (remaining <= 0) {
        fault = undefined;
        remaining = undefined;
      }
    }
    return current;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.local');
    const body = parseBody(raw);
    const headers: RecordedRequest['headers'] = {};
    for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':')) headers[k] = v;
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body });

    const matched = matchRoute(req.method ?? 'GET', url.pathname);
    if (!matched) {
      sendJson(res, 404, {
        error: { message: `fake provider: no route for ${req.method} ${url.pathname}`, type: 'not_found' },
      });
      return;
    }
    const serverFault = takeFault();
    const h = req.headers;
    const status = intHeader(h['x-fake-status']) ?? serverFault?.status;
    const latencyMs = intHeader(h['x-fake-latency-ms']) ?? serverFault?.latencyMs;
    const dropAfterChunks = intHeader(h['x-fake-drop-after-chunks']) ?? serverFault?.dropAfterChunks;

    if (latencyMs !== undefined && latencyMs > 0) await sleep(Math.min(latencyMs, MAX_LATENCY_MS));
    if (isGone(res)) return;
    if (status !== undefined && status >= 400) {
      sendProviderError(res, matched.route.provider, status, `fake provider: injected HTTP ${status}`);
      return;
    }
    if (dropAfterChunks !== undefined && !isStreaming(url.pathname, body)) {
      dropConnection(res);
      return;
    }
    const ctx: RequestContext = {
      req,
      res,
      url,
      body,
      params: matched.params,
      shaping: shapingFrom(req),
      dropAfterChunks,
      chunkDelayMs,
      nextId,
    };
    await matched.route.handle(ctx);
  };

  const onRequest = (
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
  ): void => {
    // The HTTP/2 compatibility objects implement the subset of the HTTP/1 API used by the handlers.
    const res1 = res as unknown as ServerResponse;
    handle(req as unknown as IncomingMessage, res1).catch((err: unknown) => {
      if (!res1.headersSent) {
        sendJson(res1, 500, { error: { message: `fake provider: ${String(err)}`, type: 'server_error' } });
      } else {
        dropConnection(res1);
      }
    });
  };
  const http1 = createHttp1Server(onRequest);
  const http2 = createHttp2Server(onRequest);
  // A client that resets or vanishes is routine here (fault tests); never let it become an unhandled error.
  http2.on('sessionError', () => {});
  // One port for both protocols: the Bedrock SDK speaks HTTP/2 with prior knowledge (h2c) on http:// endpoints,
  // the other SDKs HTTP/1.1. A connection that opens with the HTTP/2 preface ("PRI * HTTP/2.0") goes to the
  // HTTP/2 server; anything else to the HTTP/1 server. The sniffed bytes are pushed back before handing over.
  const server = createTcpServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Stream chunks are small writes; without this, Nagle + delayed ACK add ~40 ms stalls per stream.
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const isHttp2 = first.subarray(0, 4).toString('latin1') === 'PRI ';
      if (isHttp2) {
        // The HTTP/2 session reads the bytes already buffered, then consumes the handle directly.
        http2.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        socket.resume();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests,
    setFault(next: Fault | undefined): void {
      fault = next;
      remaining = next?.count !== undefined && next.count > 0 ? next.count : undefined;
      if (next?.count !== undefined && next.count <= 0) fault = undefined;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        http1.close();
        http2.close();
      });
      return closing;
    },
  };
}
