import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diag } from '@opentelemetry/api';
import { type Component, type EncodedTracesConsumer, PipelineError, type SpanBatch } from '../component.js';
import type { ForwardEndpointConfig } from '../config.js';
import type { OtlpEncoding } from '../otlp/decode.js';
import { encodeTraces } from '../otlp/encode.js';
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
  metrics?: CollectorMetrics;
}

interface Segment {
  file: string;
  seq: number;
  spans: number;
  bytes: number;
}

const SEGMENT_RE = /^(\d{16})-(\d+)\.seg$/;

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
 * failures (network, 429, 5xx) back off exponentially with full jitter (honouring Retry-After), and
 * segments survive restarts. A permanent 4xx drops the segment and counts it; so does the size limit,
 * oldest first.
 */
export class OtlpForwarder implements Component, EncodedTracesConsumer {
  readonly id: string;
  private readonly _dir: string;
  private _segments: Segment[] = [];
  private _bytes = 0;
  private _seq = 0;
  private _started = false;
  private _stopped = false;
  private _wake?: () => void;
  private _loop?: Promise<void>;
  private _abort = new AbortController();
  private _dropped = 0;
  private _sent = 0;

  constructor(private readonly _config: OtlpForwarderConfig) {
    this.id = endpointId(_config.url);
    this._dir = path.join(_config.spoolDir, this.id);
  }

  /** Spans delivered since start. */
  get sentSpans(): number {
    return this._sent;
  }
  /** Spans dropped since start (size limit or permanent rejection). */
  get droppedSpans(): number {
    return this._dropped;
  }
  /** Bytes currently spooled. */
  get spoolBytes(): number {
    return this._bytes;
  }

  async start(): Promise<void> {
    if (this._started || this._stopped) return;
    fs.mkdirSync(this._dir, { recursive: true });
    fs.writeFileSync(path.join(this._dir, 'endpoint.json'), JSON.stringify({ url: this._config.url }));
    for (const name of fs.readdirSync(this._dir)) {
      if (name.endsWith('.tmp')) {
        fs.rmSync(path.join(this._dir, name), { force: true });
        continue;
      }
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const file = path.join(this._dir, name);
      const bytes = fs.statSync(file).size;
      this._segments.push({ file, seq: Number(m[1]), spans: Number(m[2]), bytes });
      this._bytes += bytes;
    }
    this._segments.sort((a, b) => a.seq - b.seq);
    this._seq = (this._segments.at(-1)?.seq ?? 0) + 1;
    this._gauge();
    this._started = true;
    this._loop = this._run();
  }

  /** Stops sending; spooled segments stay on disk for the next start. Safe twice and before start. */
  async shutdown(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    this._abort.abort();
    this._wake?.();
    await this._loop;
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
    try {
      const fh = await fs.promises.open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, file);
      await fsyncDir(this._dir);
    } catch (err) {
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
    // Keep the newest segment even when it alone exceeds the limit.
    while (this._bytes > max && this._segments.length > 1) {
      const seg = this._segments.shift() as Segment;
      this._remove(seg);
      this._drop(seg, 'spool_full');
    }
  }

  private _drop(seg: Segment, reason: string): void {
    this._dropped += seg.spans;
    this._config.metrics?.forwardDropped.inc({ endpoint: this.id, reason }, seg.spans);
    diag.warn(`genai-ops forwarder ${this._config.url}: dropped ${seg.spans} spans (${reason})`);
  }

  private _remove(seg: Segment): void {
    this._bytes -= seg.bytes;
    fs.rmSync(seg.file, { force: true });
    this._gauge();
  }

  private _gauge(): void {
    this._config.metrics?.spoolBytes.set({ endpoint: this.id }, this._bytes);
  }

  private _sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this._wake = done;
    });
  }

  private async _run(): Promise<void> {
    const initial = this._config.initialBackoffMs ?? 500;
    const cap = this._config.maxBackoffMs ?? 30000;
    let attempt = 0;
    while (!this._stopped) {
      const seg = this._segments[0];
      if (!seg) {
        await this._sleep(60_000);
        continue;
      }
      let body: Buffer;
      try {
        body = await fs.promises.readFile(seg.file);
      } catch {
        // Dropped by the size limit meanwhile.
        if (this._segments[0] === seg) this._segments.shift();
        continue;
      }
      const outcome = await this._send(body);
      if (this._stopped) return;
      if (outcome.ok || outcome.permanent) {
        if (this._segments[0] === seg) {
          this._segments.shift();
          this._remove(seg);
        }
        if (outcome.ok) {
          this._sent += seg.spans;
          this._config.metrics?.forwardSent.inc({ endpoint: this.id }, seg.spans);
        } else this._drop(seg, `rejected_${outcome.status}`);
        attempt = 0;
        continue;
      }
      attempt++;
      const backoff = Math.min(cap, initial * 2 ** Math.min(attempt - 1, 20));
      const jittered = Math.random() * backoff;
      const wait = Math.max(jittered, outcome.retryAfterMs ?? 0);
      await this._sleep(Math.min(wait, cap));
    }
  }

  private async _send(
    body: Buffer,
  ): Promise<{ ok: boolean; permanent?: boolean; status?: number; retryAfterMs?: number }> {
    const protocol = this._config.protocol ?? 'protobuf';
    try {
      const signal = AbortSignal.any([
        this._abort.signal,
        AbortSignal.timeout(this._config.timeoutMs ?? 10000),
      ]);
      const res = await fetch(this._config.url, {
        method: 'POST',
        headers: {
          ...(this._config.headers ?? {}),
          'content-type': protocol === 'json' ? 'application/json' : 'application/x-protobuf',
        },
        body,
        signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true };
      // OTLP/HTTP: 429, 502, 503, 504 are retryable; other 4xx/5xx are not.
      const retryable = [408, 429, 502, 503, 504].includes(res.status);
      const ra = Number(res.headers.get('retry-after'));
      return {
        ok: false,
        permanent: !retryable,
        status: res.status,
        retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined,
      };
    } catch {
      return { ok: false };
    }
  }
}
