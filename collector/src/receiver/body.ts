import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';

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

/**
 * The bytes of `chunks` in one Buffer backed by a SharedArrayBuffer: the body is then handed to the
 * loader threads without a copy (a structured clone of a 1 MB body costs a copy on each side), and
 * stays readable here (the ingest log, a retry after a failed load).
 */
function shared(chunks: Buffer[], size: number): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(size));
  let at = 0;
  for (const c of chunks) {
    c.copy(out, at);
    at += c.length;
  }
  return out;
}

/**
 * Reads a request body up to `limit` bytes, gunzipping when `Content-Encoding: gzip`; the limit
 * applies to the compressed and to the decompressed size (a zip bomb gets 413 too). The result is
 * backed by a SharedArrayBuffer (see `shared`).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve());
    req.on('error', (err) => reject(new HttpError(400, `request stream error: ${err.message}`)));
    req.on('aborted', () => reject(new HttpError(400, 'request aborted')));
  });
  const enc = String(req.headers['content-encoding'] ?? 'identity')
    .toLowerCase()
    .trim();
  if (enc === 'identity' || enc === '') return shared(chunks, size);
  const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  if (enc !== 'gzip') throw new HttpError(415, `unsupported Content-Encoding: ${enc}`);
  return new Promise<Buffer>((resolve, reject) => {
    zlib.gunzip(raw, { maxOutputLength: limit }, (err, out) => {
      if (!err) return resolve(shared([out], out.length));
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        reject(new HttpError(413, `decompressed body exceeds the limit of ${limit} bytes`));
      } else reject(new HttpError(400, `invalid gzip body: ${err.message}`));
    });
  });
}
