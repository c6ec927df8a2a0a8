import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import { PipelineError } from '../component.js';

/** An HTTP-level refusal: status, message, and whether to close the connection afterwards. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Smallest pooled capacity. */
const MIN_CAPACITY = 64 * 1024;

/** The capacity a body of `size` bytes is read into: 64 KiB, then four sizes per doubling. */
export function bodyCapacity(size: number): number {
  if (size <= MIN_CAPACITY) return MIN_CAPACITY;
  const step = 2 ** Math.floor(Math.log2(size)) / 4;
  return Math.ceil(size / step) * step;
}

/**
 * Reuses the SharedArrayBuffers request bodies are read into. A fresh one costs its pages' first
 * touch: 5–7 ms of CPU for a 1.5 MB body on the receiving thread on our VMs, against 0.1 ms to copy
 * the same body into a reused one (`docs/bench/collector.md`). A body goes back (`give`) only once
 * nothing can read it any more: the pipeline gives it back when its ingest-log entry is stored (the
 * log has written it, the loader threads have decoded it and replied). A buffer is lent to one body
 * at a time; giving back one the pool did not lend, or twice, does nothing. The free buffers are
 * bounded (`maxPooledBytes`); beyond that they are left to the garbage collector.
 */
export class BodyPool {
  private readonly _free = new Map<number, SharedArrayBuffer[]>();
  private readonly _lent = new WeakSet<SharedArrayBuffer>();
  private _pooledBytes = 0;
  /** Bodies read into a reused buffer / a new one. */
  reused = 0;
  allocated = 0;

  constructor(readonly maxPooledBytes = 64 * 1024 * 1024) {}

  /** Bytes held by free buffers. */
  get pooledBytes(): number {
    return this._pooledBytes;
  }

  /** A Buffer of `size` bytes (contents unspecified) over a lent SharedArrayBuffer. */
  take(size: number): Buffer {
    const capacity = bodyCapacity(size);
    let sab = this._free.get(capacity)?.pop();
    if (sab) {
      this._pooledBytes -= capacity;
      this.reused++;
    } else {
      sab = new SharedArrayBuffer(capacity);
      this.allocated++;
    }
    this._lent.add(sab);
    return Buffer.from(sab, 0, size);
  }

  /** Gives a body `take` returned back, once nothing reads it any more. */
  give(body: Uint8Array): void {
    const sab = body.buffer;
    if (!(sab instanceof SharedArrayBuffer) || !this._lent.has(sab)) return;
    this._lent.delete(sab);
    if (this._pooledBytes + sab.byteLength > this.maxPooledBytes) return;
    let list = this._free.get(sab.byteLength);
    if (!list) {
      list = [];
      this._free.set(sab.byteLength, list);
    }
    list.push(sab);
    this._pooledBytes += sab.byteLength;
  }
}

/**
 * The bytes of `chunks` in one Buffer backed by a SharedArrayBuffer (from `pool` when given): the
 * body is then handed to the loader threads without a copy (a structured clone of a 1 MB body costs
 * a copy on each side), and stays readable here (the ingest log, a retry after a failed load).
 */
function shared(chunks: Buffer[], size: number, pool: BodyPool | undefined): Buffer {
  const out = pool ? pool.take(size) : Buffer.from(new SharedArrayBuffer(size));
  let at = 0;
  for (const c of chunks) {
    c.copy(out, at);
    at += c.length;
  }
  return out;
}

/**
 * The bytes of the request bodies being read at once, across requests. Each body is bounded by the
 * size limit, but without this their sum grows with the number of concurrent requests: the span
 * budget only counts a body once it has been read, so slow or many uploads held memory unbounded.
 */
export class ReadingBudget {
  bytes = 0;
  constructor(readonly maxBytes: number) {}
}

function tooManyBytes(): PipelineError {
  return new PipelineError('too many request bytes in flight', true, 1);
}

/**
 * Reads a request body up to `limit` bytes, gunzipping when `Content-Encoding: gzip`; the limit
 * applies to the compressed and to the decompressed size (a zip bomb gets 413 too). The result is
 * backed by a SharedArrayBuffer (see `shared`), taken from `pool` when given. With `budget`, a body
 * that would take the bytes being read past its bound is refused (429) unless it is the only one
 * being read: before reading when its Content-Length says so, else once its bytes do.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  pool?: BodyPool,
  budget?: ReadingBudget,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`);
  }
  if (budget && budget.bytes > 0 && Number.isFinite(declared) && budget.bytes + declared > budget.maxBytes) {
    throw tooManyBytes();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  /** This body's bytes in `budget`. */
  let held = 0;
  let settled = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        settled = true;
        req.off('data', onData);
        reject(err);
      };
      const onData = (c: Buffer): void => {
        if (settled) return;
        size += c.length;
        if (size > limit) {
          fail(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
          return;
        }
        if (budget) {
          budget.bytes += c.length;
          held += c.length;
          if (budget.bytes > budget.maxBytes && budget.bytes > held) {
            fail(tooManyBytes());
            return;
          }
        }
        chunks.push(c);
      };
      req.on('data', onData);
      req.on('end', () => {
        settled = true;
        resolve();
      });
      req.on('error', (err) => fail(new HttpError(400, `request stream error: ${err.message}`)));
      req.on('aborted', () => fail(new HttpError(400, 'request aborted')));
    });
    const enc = String(req.headers['content-encoding'] ?? 'identity')
      .toLowerCase()
      .trim();
    if (enc === 'identity' || enc === '') return shared(chunks, size, pool);
    const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    if (enc !== 'gzip') throw new HttpError(415, `unsupported Content-Encoding: ${enc}`);
    return await new Promise<Buffer>((resolve, reject) => {
      zlib.gunzip(raw, { maxOutputLength: limit }, (err, out) => {
        if (!err) return resolve(shared([out], out.length, pool));
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
          reject(new HttpError(413, `decompressed body exceeds the limit of ${limit} bytes`));
        } else reject(new HttpError(400, `invalid gzip body: ${err.message}`));
      });
    });
  } finally {
    // Until here this body's bytes (read, then being gunzipped) are held by this request alone.
    if (budget) budget.bytes -= held;
  }
}
