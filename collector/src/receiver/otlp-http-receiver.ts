import { type Request, type Response, Router } from 'express';
import { type LogsConsumer, PipelineError, type RawBody, type TracesConsumer } from '../component.js';
import type { CollectorMetrics } from '../exporters/metrics.js';
import {
  decodeLogs,
  decodeTraces,
  OtlpDecodeError,
  type OtlpEncoding,
  scanTracesJson,
} from '../otlp/decode.js';
import { otlpTypes } from '../otlp/proto.js';
import { scanLogsProtobuf, scanTracesProtobuf } from '../otlp/scan.js';
import { bearerAuth } from './auth.js';
import { type BodyPool, HttpError, ReadingBudget, readBody } from './body.js';

/**
 * What the receiver hands requests to. With `acceptsRaw()` true, a protobuf body is only validated
 * and counted (`otlp/scan.ts`) and handed over undecoded (`consumeRaw`): the consumer decodes it
 * later, off the acknowledgement path.
 */
export interface ReceiverConsumer extends TracesConsumer, LogsConsumer {
  /**
   * True when a request of about `expected` spans or log records (0: size unknown) would be refused
   * for the budget: the receiver then answers 429 without reading the body.
   */
  saturated?(expected: number): boolean;
  acceptsRaw?(): boolean;
  consumeRaw?(kind: 'traces' | 'logs', raw: RawBody, count: number): Promise<void>;
}

export interface OtlpHttpReceiverConfig {
  consumer: ReceiverConsumer;
  /** Max body bytes, compressed and decompressed. */
  maxBodyBytes: number;
  /**
   * Max bytes of the request bodies being read at once (all requests together); beyond it a request
   * gets 429 with Retry-After. Default the larger of 64 MiB and 4 × `maxBodyBytes`.
   */
  maxReadingBytes?: number;
  /** Bearer token for /v1/*. Default none. */
  authToken?: string;
  metrics?: CollectorMetrics;
  /**
   * Where bodies are read into (reused buffers). Only with a consumer that gives each body back once
   * nothing reads it any more (the pipeline with an ingest log does).
   */
  bodyPool?: BodyPool;
}

/** google.rpc.Code values used in error bodies. */
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNAVAILABLE = 14;

/**
 * Runs a decode or scan of a request body. The body is all it reads, so whatever it throws is the
 * request's fault: a value the decoder cannot convert (`{"toString": 1}` as a name, a null
 * `bytesValue`) throws a TypeError, not an `OtlpDecodeError`, and would otherwise be answered 503
 * (retryable: the exporter sends the same body again and again) instead of 400.
 */
function decoding<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof OtlpDecodeError) throw err;
    throw new OtlpDecodeError(`invalid request: ${(err as Error)?.message ?? String(err)}`);
  }
}

const UNSUPPORTED_MEDIA_TYPE = JSON.stringify({
  code: RPC_INVALID_ARGUMENT,
  message: 'Content-Type must be application/json or application/x-protobuf',
});

function encodingOf(req: Request): OtlpEncoding | undefined {
  const ct = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (ct === 'application/json') return 'json';
  if (ct === 'application/x-protobuf') return 'protobuf';
  return undefined;
}

/** Sends a google.rpc.Status body in the request's encoding (OTLP/HTTP failure responses). */
function sendStatus(
  res: Response,
  encoding: OtlpEncoding,
  http: number,
  code: number,
  message: string,
  retryAfter?: number,
): void {
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
  if (encoding === 'json') {
    res.status(http).type('application/json').send(JSON.stringify({ code, message }));
    return;
  }
  const T = otlpTypes().RpcStatus;
  res
    .status(http)
    .type('application/x-protobuf')
    .send(Buffer.from(T.encode(T.create({ code, message })).finish()));
}

function sendSuccess(
  res: Response,
  encoding: OtlpEncoding,
  kind: 'traces' | 'logs',
  rejected: number,
  reason?: string,
): void {
  const partial =
    rejected > 0
      ? kind === 'traces'
        ? { partialSuccess: { rejectedSpans: rejected, errorMessage: reason ?? '' } }
        : { partialSuccess: { rejectedLogRecords: rejected, errorMessage: reason ?? '' } }
      : {};
  if (encoding === 'json') {
    const body =
      rejected > 0
        ? JSON.stringify(partial, (_k, v) =>
            typeof v === 'number' && _k.startsWith('rejected') ? String(v) : v,
          )
        : '{}';
    res.status(200).type('application/json').send(body);
    return;
  }
  const T =
    kind === 'traces' ? otlpTypes().ExportTraceServiceResponse : otlpTypes().ExportLogsServiceResponse;
  res
    .status(200)
    .type('application/x-protobuf')
    .send(Buffer.from(T.encode(T.fromObject(partial)).finish()));
}

function handleError(
  res: Response,
  encoding: OtlpEncoding,
  err: unknown,
  metrics: CollectorMetrics | undefined,
  count: number,
): void {
  if (err instanceof HttpError) {
    if (err.status === 413) res.setHeader('Connection', 'close');
    sendStatus(
      res,
      encoding,
      err.status,
      err.status === 413 ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT,
      err.message,
      err.retryAfterSeconds,
    );
    metrics?.spansRejected.inc({ reason: 'invalid' }, count);
    return;
  }
  if (err instanceof OtlpDecodeError) {
    sendStatus(res, encoding, 400, RPC_INVALID_ARGUMENT, err.message);
    return;
  }
  if (err instanceof PipelineError) {
    if (err.retryable) {
      const overload = err.message.includes('in flight');
      metrics?.spansRejected.inc({ reason: overload ? 'overload' : 'unavailable' }, count);
      sendStatus(
        res,
        encoding,
        overload ? 429 : 503,
        overload ? RPC_RESOURCE_EXHAUSTED : RPC_UNAVAILABLE,
        err.message,
        err.retryAfterSeconds ?? 1,
      );
    } else {
      metrics?.spansRejected.inc({ reason: 'invalid' }, count);
      sendStatus(res, encoding, 400, RPC_INVALID_ARGUMENT, err.message);
    }
    return;
  }
  metrics?.errors.inc({ component: 'receiver' });
  metrics?.spansRejected.inc({ reason: 'error' }, count);
  sendStatus(
    res,
    encoding,
    503,
    RPC_UNAVAILABLE,
    `internal error: ${(err as Error)?.message ?? String(err)}`,
    1,
  );
}

/**
 * Bytes per span (or log record) of the bodies this receiver counted, by kind, content type and content
 * encoding (a moving average): the size of a request from its Content-Length before its body is read.
 * Under saturation, a request that would not fit the budget is then refused (429) without reading,
 * copying and validating its body; before, every request refused for the budget had been read and
 * scanned first (a 512-span OTLP/protobuf body: ~1.5 MB, a few ms of the receiving thread).
 */
class ItemSizes {
  private readonly _bytesPerItem = new Map<string, number>();

  /** Spans (records) a body of `contentLength` bytes is expected to hold; 0 when unknown. */
  estimate(key: string, contentLength: string | undefined): number {
    const per = this._bytesPerItem.get(key);
    const bytes = Number(contentLength);
    if (per === undefined || !Number.isFinite(bytes) || bytes <= 0) return 0;
    return Math.max(1, Math.floor(bytes / per));
  }

  record(key: string, contentLength: string | undefined, items: number): void {
    const bytes = Number(contentLength);
    if (items <= 0 || !Number.isFinite(bytes) || bytes <= 0) return;
    const per = bytes / items;
    const prev = this._bytesPerItem.get(key);
    this._bytesPerItem.set(key, prev === undefined ? per : prev + (per - prev) / 8);
  }
}

/**
 * OTLP/HTTP receiver routes (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/traces
 * and /v1/logs in JSON or protobuf, gzip or not. 200 only after the pipeline has durably handled
 * the batch; partial success carries the rejected count; 400 (google.rpc.Status) for bad input, 415
 * for another content type, 413 over the size limit, 429/503 with Retry-After when busy or failing.
 * POST /v1/metrics is answered 200 and ignored, so an SDK exporting metrics to the same endpoint
 * does not log errors.
 * @example app.use(otlpHttpReceiver({ consumer: pipeline, maxBodyBytes: 16 << 20 }))
 */
export function otlpHttpReceiver(config: OtlpHttpReceiverConfig): Router {
  const router = Router();
  router.use('/v1', bearerAuth(config.authToken));

  const sizes = new ItemSizes();
  const reading = new ReadingBudget(
    config.maxReadingBytes ?? Math.max(64 * 1024 * 1024, 4 * config.maxBodyBytes),
  );
  const handler = (kind: 'traces' | 'logs') => async (req: Request, res: Response) => {
    const encoding = encodingOf(req);
    if (!encoding) {
      req.resume();
      res.status(415).type('application/json').send(UNSUPPORTED_MEDIA_TYPE);
      return;
    }
    let count = 0;
    // The body until the pipeline has taken it: a refused one (429 after the budget check, 400, a
    // failed log write) is referenced by nothing and goes back to the pool for the next request.
    let unclaimed: Buffer | undefined;
    const sizeKey = `${kind} ${encoding} ${req.headers['content-encoding'] ?? ''}`;
    try {
      if (config.consumer.saturated?.(sizes.estimate(sizeKey, req.headers['content-length']))) {
        req.resume();
        throw new PipelineError('too many spans in flight', true, 1);
      }
      const body = await readBody(req, config.maxBodyBytes, config.bodyPool, reading);
      unclaimed = body;
      const consumer = config.consumer;
      if ((encoding === 'protobuf' || kind === 'traces') && consumer.consumeRaw && consumer.acceptsRaw?.()) {
        // Validate and count only; the loader decodes the body (once) off the acknowledgement path.
        // (OTLP/JSON log bodies, rare, are still decoded here.)
        if (kind === 'traces') {
          const scanned = decoding(() =>
            encoding === 'protobuf' ? scanTracesProtobuf(body) : scanTracesJson(body),
          );
          count = scanned.spans;
          config.metrics?.spansReceived.inc(count);
          if (scanned.rejected) config.metrics?.spansRejected.inc({ reason: 'invalid' }, scanned.rejected);
          await consumer.consumeRaw(kind, { body, encoding }, count);
          unclaimed = undefined;
          sendSuccess(res, encoding, kind, scanned.rejected, scanned.rejectReason);
        } else {
          count = decoding(() => scanLogsProtobuf(body)).logs;
          config.metrics?.logsReceived.inc(count);
          await consumer.consumeRaw(kind, { body, encoding }, count);
          unclaimed = undefined;
          sendSuccess(res, encoding, kind, 0);
        }
        return;
      }
      if (kind === 'traces') {
        const decoded = decoding(() => decodeTraces(body, encoding));
        count = decoded.spans.length;
        config.metrics?.spansReceived.inc(count);
        if (decoded.rejected) config.metrics?.spansRejected.inc({ reason: 'invalid' }, decoded.rejected);
        await config.consumer.consumeTraces({ spans: decoded.spans, raw: { body, encoding } });
        unclaimed = undefined;
        sendSuccess(res, encoding, kind, decoded.rejected, decoded.rejectReason);
      } else {
        const decoded = decoding(() => decodeLogs(body, encoding));
        count = decoded.logs.length;
        config.metrics?.logsReceived.inc(count);
        await config.consumer.consumeLogs({ logs: decoded.logs, raw: { body, encoding } });
        unclaimed = undefined;
        sendSuccess(res, encoding, kind, decoded.rejected, decoded.rejectReason);
      }
    } catch (err) {
      if (unclaimed) config.bodyPool?.give(unclaimed);
      handleError(res, encoding, err, config.metrics, count);
      if (err instanceof HttpError && err.status === 413) res.on('finish', () => req.destroy());
    } finally {
      // A counted body, accepted or refused after counting: its size teaches the pre-read estimate.
      if (count) sizes.record(sizeKey, req.headers['content-length'], count);
    }
  };

  router.post('/v1/traces', handler('traces'));
  router.post('/v1/logs', handler('logs'));
  router.post('/v1/metrics', (req, res) => {
    const encoding = encodingOf(req);
    req.resume();
    if (!encoding) {
      res.status(415).type('application/json').send(UNSUPPORTED_MEDIA_TYPE);
      return;
    }
    if (encoding === 'json') res.status(200).type('application/json').send('{}');
    else res.status(200).type('application/x-protobuf').send(Buffer.alloc(0));
  });
  return router;
}
