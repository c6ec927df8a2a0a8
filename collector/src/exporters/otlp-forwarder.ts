import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diag } from '@opentelemetry/api';
import { type Component, type EncodedTracesConsumer, PipelineError, type SpanBatch } from '../component.js';
import type { ForwardEndpointConfig } from '../config.js';
import type { OtlpEncoding } from '../otlp/decode.js';
import { encodeTraces } from '../otlp/encode.js';
import { otlpTypes } from '../otlp/proto.js';
import type { CollectorMetrics } from './metrics.js';

export interface OtlpForwarderConfig extends ForwardEndpointConfig {
  /** Root spool directory; this endpoint uses `<spoolDir>/<hash of url>/`. */
  spoolDir: string;
  /** Max bytes on disk; oldest segments are dropped (and counted) beyond it. Default 256 MiB. */
  spoolMaxBytes?: number;
  /** Default 500 ms. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** Default 10 s. */
  timeoutMs?: number;
  /**
   * How long `shutdown` lets the request in flight finish and goes on delivering spooled segments
   * (while the downstream accepts them) before it aborts; the rest stays spooled. Default 2 s.
   */
  shutdownTimeoutMs?: number;
  metrics?: CollectorMetrics;
}

interface Segment {
  file: string;
  seq: number;
  spans: number;
  bytes: number;
}

const SEGMENT_RE = /^(\d{16})-(\d+)\.seg$/;

/** Spool directories of the forwarders running in this process: two must never share one. */
const SPOOLS_IN_USE = new Set<string>();

/** OTLP/HTTP: only these statuses (and network errors) are retryable; see https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** `Retry-After` in ms: delay-seconds or an HTTP date (a past date is 0), per RFC 9110 section 10.2.3. */
function parseRetryAfter(v: string | null): number | undefined {
  const s = v?.trim();
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A JSON export body starts with `{`; a protobuf one with a field tag (0x0a for resource_spans). */
function isJsonBody(body: Uint8Array): boolean {
  return body[0] === 0x7b;
}

/** `partial_success.rejected_spans` of a 2xx export response (0 when absent or unreadable). */
function rejectedSpans(body: Buffer, contentType: string | null): number {
  if (!body.length) return 0;
  const json = contentType ? contentType.includes('json') : isJsonBody(body);
  // Some receivers answer with text or HTML: only an OTLP response is read.
  if (!json && contentType && !contentType.includes('protobuf')) return 0;
  let n: unknown;
  try {
    if (json) {
      const msg = JSON.parse(body.toString('utf8'));
      const ps = msg?.partialSuccess ?? msg?.partial_success;
      n = ps?.rejectedSpans ?? ps?.rejected_spans;
    } else {
      const T = otlpTypes().ExportTraceServiceResponse;
      n = (T.toObject(T.decode(body), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number } })
        .partialSuccess?.rejectedSpans;
    }
  } catch {
    return 0;
  }
  const v = Number(n ?? 0);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/** Short stable id of an endpoint, used as its spool directory name and metric label. */
export function endpointId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** fsyncs a directory (a rename in it is then durable), off the event loop. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Forwards enriched spans to one downstream OTLP/HTTP endpoint through a durable spool. Each batch is
 * encoded once, written to a segment file and fsynced (file and directory) before `consumeTraces`
 * resolves; a sender loop then delivers segments oldest first, deleting each on a 2xx. Retryable
 * failures (network, 429, 502, 503, 504) back off exponentially with full jitter (honouring Retry-After,
 * seconds or HTTP date), and segments survive restarts. Any other status drops the segment and counts
 * it; so does the size limit, oldest first; a 2xx with `partial_success` counts the rejected spans.
 */
export class OtlpForwarder implements Component, EncodedTracesConsumer {
  readonly id: string;
  private readonly _dir: string;
  private _segments: Segment[] = [];
  private _bytes = 0;
  private _seq = 0;
  private _started = false;
  private _stopped = false;
  /** Ends the sleep when the loop is idle (no segments); a back-off is not cut short by new batches. */
  private _wake?: () => void;
  /** Ends any sleep (idle or back-off), for shutdown. */
  private _interrupt?: () => void;
  /** The segment being read or sent: the size limit does not drop it (its outcome counts it). */
  private _inflight?: Segment;
  private _loop?: Promise<void>;
  private _abort = new AbortController();
  private _dropped = 0;
  private _sent = 0;
  /** The URL without userinfo (fetch refuses credentials in a URL; never logged with them). */
  private readonly _url: string;
  private readonly _headers: Record<string, string>;

  constructor(private readonly _config: OtlpForwarderConfig) {
    this.id = endpointId(_config.url);
    this._dir = path.join(_config.spoolDir, this.id);
    this._url = _config.url;
    this._headers = { ...(_config.headers ?? {}) };
    try {
      const u = new URL(_config.url);
      if (u.username || u.password) {
        const auth = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
        if (!Object.keys(this._headers).some((k) => k.toLowerCase() === 'authorization'))
          this._headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
        u.username = '';
        u.password = '';
        this._url = u.toString();
      }
    } catch {
      // Not a URL: fetch fails and the attempt is retried, as for a network error.
    }
  }

  /** Spans delivered since start. */
  get sentSpans(): number {
    return this._sent;
  }
  /** Spans dropped since start (size limit, permanent rejection, partial success, corrupt segment). */
  get droppedSpans(): number {
    return this._dropped;
  }
  /** Bytes currently spooled. */
  get spoolBytes(): number {
    return this._bytes;
  }

  async start(): Promise<void> {
    if (this._started || this._stopped) return;
    // The directory is named after the URL only: a second endpoint with the same URL (other headers)
    // would write, send and delete the first one's segments.
    const key = path.resolve(this._dir);
    if (SPOOLS_IN_USE.has(key))
      throw new Error(
        `genai-ops forwarder ${this._url}: spool ${key} is in use by another forwarder (endpoint URL configured twice?)`,
      );
    SPOOLS_IN_USE.add(key);
    try {
      this._scan();
    } catch (err) {
      SPOOLS_IN_USE.delete(key);
      throw err;
    }
    this._started = true;
    this._loop = this._run();
  }

  /** Loads the spool left by an earlier run (removing temp files of unfinished writes). */
  private _scan(): void {
    fs.mkdirSync(this._dir, { recursive: true });
    fs.writeFileSync(path.join(this._dir, 'endpoint.json'), JSON.stringify({ url: this._url }));
    let lastSeq = 0;
    for (const name of fs.readdirSync(this._dir)) {
      if (name.endsWith('.tmp')) {
        fs.rmSync(path.join(this._dir, name), { force: true });
        continue;
      }
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const file = path.join(this._dir, name);
      lastSeq = Math.max(lastSeq, Number(m[1]));
      const st = fs.statSync(file);
      if (!st.isFile()) continue;
      this._segments.push({ file, seq: Number(m[1]), spans: Number(m[2]), bytes: st.size });
      this._bytes += st.size;
    }
    this._segments.sort((a, b) => a.seq - b.seq);
    this._seq = lastSeq + 1;
    // The limit may have been lowered since the spool was written.
    this._enforceLimit();
    this._gauge();
  }

  /**
   * Stops sending within `shutdownTimeoutMs`: the request in flight may finish (so a delivered segment
   * is not sent again after a restart) and spooled segments go on being delivered while the downstream
   * accepts them; then the request in flight is aborted. What is left stays on disk for the next start.
   * Safe twice and before start.
   */
  async shutdown(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    this._interrupt?.();
    if (!this._loop) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this._config.shutdownTimeoutMs ?? 2000);
    });
    await Promise.race([this._loop, expired]);
    clearTimeout(timer);
    this._abort.abort();
    await this._loop;
    SPOOLS_IN_USE.delete(path.resolve(this._dir));
  }

  /** The body encoding sent downstream (`protocol`). */
  get encoding(): OtlpEncoding {
    return this._config.protocol ?? 'protobuf';
  }

  /** Resolves once the batch is fsynced to the spool. */
  async consumeTraces(batch: SpanBatch): Promise<void> {
    const n = batch.spans.length;
    await this.consumeEncoded(n ? encodeTraces(batch.spans, this.encoding) : new Uint8Array(), n);
  }

  /** A body of `spans` spans already encoded in `encoding`; resolves once it is fsynced to the spool. */
  async consumeEncoded(body: Uint8Array, spans: number): Promise<void> {
    if (!this._started || this._stopped) throw new PipelineError('forwarder is not running', true, 1);
    if (spans === 0) return;
    const seq = this._seq++;
    const name = `${String(seq).padStart(16, '0')}-${spans}.seg`;
    const file = path.join(this._dir, name);
    const tmp = `${file}.tmp`;
    const write = async (): Promise<void> => {
      const fh = await fs.promises.open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, file);
      await fsyncDir(this._dir);
    };
    try {
      try {
        await write();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The spool directory was removed (by hand, to clear it): recreate it, or every batch (and
        // the ingest pipeline behind it) would fail until a restart.
        await fs.promises.mkdir(this._dir, { recursive: true });
        await write();
      }
    } catch (err) {
      // A partial temp file (disk full) would otherwise hold its space until the next start.
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      this._config.metrics?.errors.inc({ component: 'forwarder' });
      throw new PipelineError(`spool write failed: ${(err as Error).message}`, true, 1);
    }
    this._segments.push({ file, seq, spans, bytes: body.length });
    this._bytes += body.length;
    this._enforceLimit();
    this._gauge();
    this._wake?.();
  }

  private _enforceLimit(): void {
    const max = this._config.spoolMaxBytes ?? 256 * 1024 * 1024;
    // Keep the newest segment even when it alone exceeds the limit, and the one being sent (its
    // outcome counts it: dropping it too would count its spans twice).
    let i = 0;
    while (this._bytes > max && i < this._segments.length - 1) {
      const seg = this._segments[i] as Segment;
      if (seg === this._inflight) {
        i++;
        continue;
      }
      this._segments.splice(i, 1);
      this._remove(seg);
      this._drop(seg.spans, 'spool_full');
    }
  }

  private _drop(spans: number, reason: string): void {
    this._dropped += spans;
    this._config.metrics?.forwardDropped.inc({ endpoint: this.id, reason }, spans);
    diag.warn(`genai-ops forwarder ${this._url}: dropped ${spans} spans (${reason})`);
  }

  private _remove(seg: Segment): void {
    this._bytes -= seg.bytes;
    try {
      fs.rmSync(seg.file, { force: true });
    } catch {
      // Not a removable file (it was skipped and counted): the next start ignores it.
    }
    this._gauge();
  }

  private _gauge(): void {
    this._config.metrics?.spoolBytes.set({ endpoint: this.id }, this._bytes);
  }

  /** Sleeps `ms`; a new batch ends it only when `idle`, shutdown always. */
  private _sleep(ms: number, idle: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this._wake = undefined;
        this._interrupt = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this._interrupt = done;
      this._wake = idle ? done : undefined;
    });
  }

  private async _run(): Promise<void> {
    const initial = this._config.initialBackoffMs ?? 500;
    const cap = this._config.maxBackoffMs ?? 30000;
    let attempt = 0;
    for (;;) {
      const seg = this._segments[0];
      if (!seg) {
        if (this._stopped) return;
        await this._sleep(60_000, true);
        continue;
      }
      if (this._abort.signal.aborted) return;
      this._inflight = seg;
      let body: Buffer | undefined;
      try {
        body = await fs.promises.readFile(seg.file);
      } catch {
        body = undefined;
      }
      if (!body?.length) {
        // Unreadable or empty (a spool damaged outside our atomic writes): skip it, counted.
        this._inflight = undefined;
        if (this._segments[0] === seg) this._segments.shift();
        this._remove(seg);
        this._drop(seg.spans, 'corrupt');
        continue;
      }
      const outcome = await this._send(body);
      this._inflight = undefined;
      if (outcome.ok || outcome.permanent) {
        if (this._segments[0] === seg) this._segments.shift();
        this._remove(seg);
        if (outcome.ok) {
          const rejected = Math.min(seg.spans, outcome.rejected ?? 0);
          this._sent += seg.spans - rejected;
          this._config.metrics?.forwardSent.inc({ endpoint: this.id }, seg.spans - rejected);
          if (rejected) this._drop(rejected, 'partial_success');
        } else this._drop(seg.spans, `rejected_${outcome.status}`);
        attempt = 0;
        continue;
      }
      // A failure while shutting down: the segment stays spooled for the next start.
      if (this._stopped) return;
      // The segment was kept over the limit while it was being sent: it is the oldest, now droppable.
      this._enforceLimit();
      attempt++;
      const backoff = Math.min(cap, initial * 2 ** Math.min(attempt - 1, 20));
      const jittered = Math.random() * backoff;
      const wait = Math.max(jittered, outcome.retryAfterMs ?? 0);
      await this._sleep(Math.min(wait, cap), false);
      if (this._stopped) return;
    }
  }

  private async _send(body: Buffer): Promise<{
    ok: boolean;
    permanent?: boolean;
    status?: number;
    retryAfterMs?: number;
    rejected?: number;
  }> {
    try {
      const signal = AbortSignal.any([
        this._abort.signal,
        AbortSignal.timeout(this._config.timeoutMs ?? 10000),
      ]);
      const res = await fetch(this._url, {
        method: 'POST',
        headers: {
          ...this._headers,
          // From the body, not `protocol`: a spool written before the protocol was changed still
          // goes out with its own content type.
          'content-type': isJsonBody(body) ? 'application/json' : 'application/x-protobuf',
        },
        body,
        signal,
      });
      const reply = await res.arrayBuffer().then(
        (b) => Buffer.from(b),
        () => Buffer.alloc(0),
      );
      if (res.ok) return { ok: true, rejected: rejectedSpans(reply, res.headers.get('content-type')) };
      return {
        ok: false,
        permanent: !RETRYABLE_STATUS.has(res.status),
        status: res.status,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      };
    } catch {
      return { ok: false };
    }
  }
}
