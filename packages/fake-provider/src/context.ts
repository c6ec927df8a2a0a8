import type { IncomingMessage, ServerResponse } from 'node:http';
import { Http2ServerResponse, constants as http2Constants } from 'node:http2';
import type { Shaping } from './content';

/**
 * Everything a route handler needs to answer one request. Over HTTP/2 (the Bedrock SDK's default transport),
 * `req`/`res` are the `node:http2` compatibility objects, which implement the same methods used here.
 */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Parsed JSON body, raw string, or undefined. */
  body: unknown;
  /** Path parameters captured by the route. */
  params: Record<string, string>;
  shaping: Shaping;
  /** Socket drop after N chunks, when a fault asks for it. */
  dropAfterChunks?: number;
  chunkDelayMs: number;
  /** Deterministic id source, unique per server. */
  nextId(prefix: string): string;
}

/** The provider whose error shape a route uses. */
export type ProviderKind = 'openai' | 'anthropic' | 'gemini' | 'bedrock';

export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path without the query string; named groups become `params`. */
  pattern: RegExp;
  provider: ProviderKind;
  handle(ctx: RequestContext): Promise<void> | void;
}

/** Whether the response can no longer be written (client gone, or dropped). */
export function isGone(res: ServerResponse): boolean {
  const r: unknown = res;
  return r instanceof Http2ServerResponse ? r.stream.destroyed || r.stream.closed : res.destroyed;
}

/**
 * Break the connection without a clean end: HTTP/1.1 destroys the socket; HTTP/2 resets the stream with
 * INTERNAL_ERROR (the HTTP/2 equivalent, which leaves other streams of the session alone).
 */
export function dropConnection(res: ServerResponse): void {
  const r: unknown = res;
  if (r instanceof Http2ServerResponse) {
    r.stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  (res.socket ?? res).destroy();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Write a complete JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (isGone(res) || res.headersSent) return;
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(payload.length),
    ...headers,
  });
  res.end(payload);
}

/**
 * Writes stream chunks with the configured delay between them, and destroys the socket (no clean end)
 * after `dropAfter` chunks. `send` resolves `false` once the connection is gone, so producers stop.
 */
export class ChunkWriter {
  private _count = 0;
  private _gone = false;

  constructor(
    private readonly _res: ServerResponse,
    private readonly _delayMs: number,
    private readonly _dropAfter: number | undefined,
    status: number,
    headers: Record<string, string>,
  ) {
    _res.on('close', () => {
      this._gone = true;
    });
    _res.writeHead(status, headers);
    _res.flushHeaders();
    if (_dropAfter !== undefined && _dropAfter <= 0) this._drop();
  }

  /** Number of chunks written so far. */
  get count(): number {
    return this._count;
  }

  async send(chunk: string | Uint8Array): Promise<boolean> {
    if (this._gone) return false;
    if (this._count > 0 && this._delayMs > 0) await sleep(this._delayMs);
    if (this._gone || isGone(this._res)) return false;
    // Wait for the chunk to reach the socket (so a drop never discards it), or for the client to go away:
    // a write on a connection the client closed may never call back.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this._res.off('close', done);
        resolve();
      };
      this._res.once('close', done);
      this._res.write(chunk, done);
    });
    this._count++;
    if (this._dropAfter !== undefined && this._count >= this._dropAfter) {
      this._drop();
      return false;
    }
    return !this._gone;
  }

  end(): void {
    if (!this._gone && !isGone(this._res)) this._res.end();
  }

  private _drop(): void {
    this._gone = true;
    dropConnection(this._res);
  }
}

/** Format one server-sent event. */
export function sseEvent(data: unknown, event?: string): string {
  const line = typeof data === 'string' ? data : JSON.stringify(data);
  return (event ? `event: ${event}\n` : '') + `data: ${line}\n\n`;
}

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
};

/** Parse a non-negative integer header, or undefined. */
export function intHeader(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}
