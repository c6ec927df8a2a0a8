import { diag } from '@opentelemetry/api';
import {
  type Component,
  type EncodedTracesConsumer,
  type IngestConsumer,
  isEncodedTracesConsumer,
  type LogBatch,
  type LogsConsumer,
  PipelineError,
  type RawBody,
  type SpanBatch,
  type SpanProcessor,
  type TracesConsumer,
} from './component.js';
import type { MetricDeltas } from './exporters/metric-deltas.js';
import type { CollectorMetrics } from './exporters/metrics.js';
import type { IngestEncoding, IngestEntry, IngestKind, IngestLog } from './ingest-log.js';
import { isPermanentLoadError, markLoadError, PERMANENT_ATTEMPTS } from './load-errors.js';
import type { RemoteLoader } from './loader-client.js';
import type { EncodedEntry } from './loader-process.js';
import type { LogRecordRecord, SpanRecord } from './model.js';
import { decodeLogs, decodeTraces } from './otlp/decode.js';
import { DEFAULT_QUARANTINE_MAX_BYTES, Quarantine } from './quarantine.js';
import type { BodyPool } from './receiver/body.js';

export interface PipelineConfig {
  processors: SpanProcessor[];
  /** Exporters whose success is required before the receiver acknowledges (DuckDB, forwarders). */
  exporters: Array<TracesConsumer & Partial<LogsConsumer>>;
  /**
   * Exporters told after the ack (metrics); their failures never fail a request. With the loader
   * worker they get the stored spans' metric increments (`applyDeltas`), computed off this thread.
   */
  observers?: Array<TracesConsumer & { applyDeltas?(d: MetricDeltas): void }>;
  /** Spans allowed in the pipeline at once; beyond it `consume*` rejects with a retryable error (429). */
  maxInFlightSpans: number;
  metrics?: CollectorMetrics;
  /**
   * Durable ingest log. When set, a batch is acknowledged once it is in the log (fsynced); a loader
   * then runs the processors and the exporters off the acknowledgement path, `store` last (it records
   * the log position with the rows), and replays on start what the log holds beyond that position.
   * Acknowledged but not yet stored spans count in `maxInFlightSpans`, which bounds the backlog.
   */
  ingestLog?: IngestLog;
  /** The exporter that records the log position (required with `ingestLog`; also in `exporters`). */
  store?: IngestConsumer & TracesConsumer;
  /** Spans (and log records) the loader stores per transaction. Default 4096. */
  loaderBatchSpans?: number;
  /** Test hook: the loader does not run (entries stay in the log). */
  holdLoader?: boolean;
  /**
   * The receiver's body pool: a queued body goes back to it once its entry is stored (the ingest
   * log has it on disk and the loader threads are done with it). A `consume*` call that rejects
   * keeps no reference to its body: the receiver gives a refused body back itself.
   */
  bodyPool?: BodyPool;
  /**
   * The loader worker (processors and DuckDB off the main thread). When set, the loader sends it the
   * entries as received instead of running `processors` and `store` here.
   */
  remote?: RemoteLoader;
  /**
   * Where the loader moves an ingest-log entry DuckDB can never store (a data error, see
   * `isPermanentLoadError`), so that it stops holding back every later one. Without it, a failing
   * commit is retried until it succeeds, whatever the error.
   */
  quarantineDir?: string;
  /**
   * Bound on the quarantine directory's bytes: beyond it the oldest files are deleted (and their records
   * counted in `genai_ops_quarantine_dropped_records_total`). Default 1 GiB.
   */
  quarantineMaxBytes?: number;
}

interface QueuedEntry {
  seq: number;
  spans: SpanRecord[];
  logs: LogRecordRecord[];
  n: number;
  /** The entry as logged (the remote loader decodes it again; the quarantine keeps it). */
  wire?: { kind: IngestKind; encoding: IngestEncoding; body: Buffer };
  /** Every forwarder has it (a retried commit does not send it again). */
  forwarded?: boolean;
  /** Written to the quarantine directory: loaded as an empty entry (only its position is stored). */
  quarantined?: boolean;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Spans processed per slice before the loader yields to the event loop (HTTP, acknowledgements). */
const PROCESS_SLICE = 128;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * decode → processors (normalize, cost, ...) → exporters. Without an ingest log, resolves once every
 * exporter has durably handled the batch; with one, once the batch is in the log (see
 * `PipelineConfig.ingestLog`). Bounded: at most `maxInFlightSpans` spans are held at once, so memory
 * stays flat under overload and the receiver answers 429 instead of queueing.
 */
export class Pipeline implements Component, TracesConsumer, LogsConsumer {
  private _inFlight = 0;
  private _stopped = false;
  private _queue: QueuedEntry[] = [];
  private _queuedSpans = 0;
  private _quarantine: Quarantine | undefined;
  private _loading?: Promise<void>;
  private _ackedSeq = 0;
  private _loadedSeq = 0;
  private _loadWaiters: Array<{ seq: number; resolve: () => void }> = [];
  private _abortLoader = false;
  /** Consecutive permanent commit failures of the group starting at `seq` (the queue's head). */
  private _failing?: { seq: number; count: number };
  /** Entries up to this sequence number are loaded one per group (isolating a failing group). */
  private _isolateThrough = 0;

  constructor(private readonly _config: PipelineConfig) {
    if (_config.ingestLog && !_config.store && !_config.remote)
      throw new Error('Pipeline: ingestLog needs a store or a remote loader');
  }

  get inFlightSpans(): number {
    return this._inFlight;
  }

  /** Spans acknowledged (in the ingest log) and not stored yet. */
  get backlogSpans(): number {
    return this._queuedSpans;
  }

  /**
   * True when a request of about `expected` spans (0: unknown) would be refused by the budget (as in
   * `_acquire`, an idle pipeline admits any size): the receiver then refuses it before reading the body.
   */
  saturated(expected = 0): boolean {
    return this._inFlight > 0 && this._inFlight + Math.max(expected, 1) > this._config.maxInFlightSpans;
  }

  async start(): Promise<void> {
    const log = this._config.ingestLog;
    if (!log) return;
    // The quarantine's size (files of earlier runs count toward its bound) is known from the start.
    const dir = this._config.quarantineDir;
    if (dir)
      await this._quarantineOf(dir)
        .open()
        .catch((err: unknown) =>
          diag.warn(`genai-ops collector: could not read the quarantine directory ${dir}`, err),
        );
    const loaded = await ((this._config.remote ?? this._config.store) as IngestConsumer).loadedSeq();
    this._loadedSeq = loaded;
    const replay = log.open(loaded);
    let last = loaded;
    for (const e of replay) {
      const q = this._decodeEntry(e);
      if (!q) continue;
      last = q.seq;
      // Replayed entries were acknowledged: admitted whatever the budget.
      this._inFlight += q.n;
      this._enqueue(q);
    }
    if (replay.length)
      diag.info(`genai-ops collector: loading ${replay.length} ingest-log entries left by the last run`);
    this._ackedSeq = last;
    this._kick();
  }

  /**
   * Stops accepting, then waits (bounded by `drainMs`) until the loader has stored the backlog; what
   * is left stays in the ingest log for the next start.
   */
  async shutdown(drainMs = 30_000): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    const log = this._config.ingestLog;
    if (!log) return;
    const deadline = Date.now() + drainMs;
    while ((this._queue.length || this._loading) && Date.now() < deadline && !this._config.holdLoader) {
      if (this._loading) await Promise.race([this._loading, sleep(100)]);
      else this._kick();
    }
    this._abortLoader = true;
    if (this._loading) await this._loading.catch(() => undefined);
    await log.close();
    for (const w of this._loadWaiters.splice(0)) w.resolve();
  }

  /**
   * Resolves once every batch acknowledged before the call is stored, or after `maxWaitMs`
   * (read-your-writes for the query API; the wait is bounded so a stuck store cannot hang reads).
   */
  whenLoaded(maxWaitMs = 5000): Promise<void> {
    const target = this._ackedSeq;
    if (!this._config.ingestLog || this._loadedSeq >= target) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      timer.unref?.();
      this._loadWaiters.push({
        seq: target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private _acquire(n: number): void {
    if (this._stopped) throw new PipelineError('collector is shutting down', true, 1);
    // A batch larger than the whole budget is still admitted when the pipeline is idle, so it can never be refused forever.
    if (this._inFlight > 0 && this._inFlight + n > this._config.maxInFlightSpans) {
      throw new PipelineError('too many spans in flight', true, 1);
    }
    this._inFlight += n;
    this._config.metrics?.inFlightSpans.set(this._inFlight);
  }

  private _release(n: number): void {
    this._inFlight -= n;
    this._config.metrics?.inFlightSpans.set(this._inFlight);
  }

  async consumeTraces(batch: SpanBatch): Promise<void> {
    const n = batch.spans.length;
    if (n === 0) return;
    this._acquire(n);
    if (this._config.ingestLog)
      return this._logged(Pipeline._wire(batch.spans, [], batch.raw), batch.spans, [], n);
    try {
      const spans = await this._processSpans(batch.spans, false);
      const out: SpanBatch = { spans };
      await Promise.all(this._config.exporters.map((e) => e.consumeTraces(out)));
      for (const o of this._config.observers ?? []) o.consumeTraces(out).catch(() => undefined);
    } finally {
      this._release(n);
    }
  }

  async consumeLogs(batch: LogBatch): Promise<void> {
    const n = batch.logs.length;
    if (n === 0) return;
    this._acquire(n);
    if (this._config.ingestLog)
      return this._logged(Pipeline._wire([], batch.logs, batch.raw), [], batch.logs, n);
    try {
      const logs = await this._processLogs(batch.logs);
      await Promise.all(
        this._config.exporters
          .filter((e) => e.consumeLogs)
          .map((e) => (e.consumeLogs as LogsConsumer['consumeLogs']).call(e, { logs })),
      );
    } finally {
      this._release(n);
    }
  }

  /**
   * True when a request body can be handed over undecoded (`consumeRaw`): with an ingest log and the
   * loader worker, which decodes it off the acknowledgement path. The receiver then only validates
   * and counts (see `otlp/scan.ts`) instead of building the records twice.
   */
  acceptsRaw(): boolean {
    return !!(this._config.ingestLog && this._config.remote);
  }

  /**
   * Logs an undecoded, already validated request body holding `n` spans or log records (see
   * `acceptsRaw`); resolves once it is in the ingest log, like `consumeTraces`.
   */
  async consumeRaw(kind: IngestKind, raw: RawBody, n: number): Promise<void> {
    if (!this.acceptsRaw()) throw new Error('Pipeline.consumeRaw needs an ingest log and a loader worker');
    if (n === 0) return;
    this._acquire(n);
    return this._logged({ kind, encoding: raw.encoding, body: raw.body }, [], [], n);
  }

  /** Appends to the ingest log (the acknowledgement point) and queues the entry for the loader. */
  private async _logged(
    wire: { kind: IngestKind; encoding: IngestEncoding; body: Buffer },
    spans: SpanRecord[],
    logs: LogRecordRecord[],
    n: number,
  ): Promise<void> {
    const log = this._config.ingestLog as IngestLog;
    let seq: number;
    try {
      seq = await log.append(wire.kind, wire.encoding, wire.body);
    } catch (err) {
      this._release(n);
      this._config.metrics?.errors.inc({ component: 'ingest-log' });
      throw new PipelineError(`ingest log write failed: ${(err as Error).message}`, true, 1);
    }
    if (seq > this._ackedSeq) this._ackedSeq = seq;
    // With a remote loader only the body is kept (it decodes it again): less memory per queued span.
    // The local loader keeps the records and the body (written to the quarantine if it cannot be stored).
    if (this._config.remote) this._enqueue({ seq, spans: [], logs: [], n, wire });
    else this._enqueue({ seq, spans, logs, n, wire });
    this._kick();
  }

  /** The ingest-log entry of decoded records: their request body, or the records as JSON. */
  private static _wire(
    spans: SpanRecord[],
    logs: LogRecordRecord[],
    raw: RawBody | undefined,
  ): { kind: IngestKind; encoding: IngestEncoding; body: Buffer } {
    return {
      kind: spans.length ? 'traces' : 'logs',
      encoding: raw ? raw.encoding : 'records',
      body: raw ? raw.body : Buffer.from(JSON.stringify(spans.length ? spans : logs)),
    };
  }

  private _decodeEntry(e: IngestEntry): QueuedEntry | undefined {
    try {
      let spans: SpanRecord[] = [];
      let logs: LogRecordRecord[] = [];
      if (e.encoding === 'records') {
        const parsed = JSON.parse(e.body.toString('utf8')) as unknown[];
        if (e.kind === 'traces') spans = parsed as SpanRecord[];
        else logs = parsed as LogRecordRecord[];
      } else if (e.kind === 'traces') spans = decodeTraces(e.body, e.encoding).spans;
      else logs = decodeLogs(e.body, e.encoding).logs;
      const n = spans.length + logs.length;
      if (this._config.remote) return { seq: e.seq, spans: [], logs: [], n, wire: e };
      return { seq: e.seq, spans, logs, n, wire: e };
    } catch (err) {
      this._config.metrics?.errors.inc({ component: 'ingest-log' });
      diag.error(
        `genai-ops collector: ingest-log entry ${e.seq} cannot be decoded: ${(err as Error).message}`,
      );
      return undefined;
    }
  }

  private _enqueue(q: QueuedEntry): void {
    this._queue.push(q);
    this._queuedSpans += q.n;
    this._config.metrics?.storageQueue.set(this._queuedSpans);
  }

  private _kick(): void {
    if (this._loading || this._config.holdLoader || !this._queue.length) return;
    this._loading = this._loadLoop().finally(() => {
      this._loading = undefined;
      if (this._queue.length && !this._abortLoader) this._kick();
    });
  }

  /**
   * Takes queued entries (up to `loaderBatchSpans`), runs the processors in slices that yield to the
   * event loop, hands the result to the forwarders, then to the store with the last entry's sequence
   * number; retries with back-off until it succeeds (the entries stay in the log meanwhile), except
   * that a group failing again and again on its data is isolated and its unstorable entry
   * quarantined (see `_onLoadFailure`).
   */
  private async _loadLoop(): Promise<void> {
    const store = this._config.store as IngestConsumer & TracesConsumer;
    const others = this._config.exporters.filter((e) => e !== store);
    if (this._config.remote) return this._loadRemoteLoop(others);
    while (this._queue.length && !this._abortLoader) {
      const { group, n } = this._takeGroup();
      // Forwarders get one batch per entry (one spool segment per request, as received).
      const processed: Array<{ spans: SpanRecord[]; logs: LogRecordRecord[] }> = [];
      for (const e of group) {
        processed.push({
          spans: e.spans.length && !e.quarantined ? await this._processSpans(e.spans, true) : [],
          logs: e.logs.length && !e.quarantined ? await this._processLogs(e.logs) : [],
        });
      }
      const spans = processed.length === 1 ? (processed[0]?.spans ?? []) : processed.flatMap((p) => p.spans);
      const logs = processed.length === 1 ? (processed[0]?.logs ?? []) : processed.flatMap((p) => p.logs);
      const seq = (group.at(-1) as QueuedEntry).seq;
      let regroup = false;
      for (let attempt = 0; ; attempt++) {
        try {
          for (let i = 0; i < group.length && others.length; i++) {
            const e = group[i] as QueuedEntry;
            const p = processed[i] as { spans: SpanRecord[]; logs: LogRecordRecord[] };
            if (e.forwarded || e.quarantined) continue;
            try {
              await Promise.all(
                others.flatMap((x) => [
                  p.spans.length ? x.consumeTraces({ spans: p.spans }) : undefined,
                  p.logs.length && x.consumeLogs ? x.consumeLogs({ logs: p.logs }) : undefined,
                ]),
              );
            } catch (err) {
              // A forwarder's failure is never a data error of the store.
              throw markLoadError(asError(err), false);
            }
            e.forwarded = true;
          }
          await store.consumeIngest(spans, logs, seq);
          break;
        } catch (err) {
          this._config.metrics?.errors.inc({ component: 'loader' });
          diag.error(`genai-ops collector: loading ingest-log entries failed: ${(err as Error).message}`);
          if (this._abortLoader) return;
          if (await this._onLoadFailure(group, err)) {
            // Isolating or quarantining: the entries go back to the queue and are taken again.
            this._queue.unshift(...group);
            regroup = true;
            break;
          }
          await sleep(Math.min(5000, 100 * 2 ** attempt));
        }
      }
      if (regroup) continue;
      if (spans.length)
        for (const o of this._config.observers ?? []) o.consumeTraces({ spans }).catch(() => undefined);
      this._loaded(group, n);
    }
  }

  /** The bounded quarantine directory (opened at start, or at the first entry to quarantine). */
  private _quarantineOf(dir: string): Quarantine {
    if (this._quarantine === undefined) {
      const metrics = this._config.metrics;
      this._quarantine = new Quarantine({
        dir,
        maxBytes: this._config.quarantineMaxBytes ?? DEFAULT_QUARANTINE_MAX_BYTES,
        onDrop: (kind, records, reason) => metrics?.quarantineDropped.inc({ kind, reason }, records),
        onSize: (bytes) => metrics?.quarantineBytes.set(bytes),
      });
    }
    return this._quarantine;
  }

  /**
   * After a failed commit of `group` (taken from the head of the queue): counts consecutive
   * permanent failures (`isPermanentLoadError`) of the group at the head; at `PERMANENT_ATTEMPTS`, a
   * group of several entries is isolated (they are then loaded one per group), a single entry is
   * written to the quarantine directory and marked so that only its position is stored. True when
   * the plan changed (the caller puts the group back and takes it again, without back-off).
   */
  private async _onLoadFailure(group: QueuedEntry[], err: unknown): Promise<boolean> {
    const dir = this._config.quarantineDir;
    const head = group[0] as QueuedEntry;
    if (!dir || head.quarantined || !isPermanentLoadError(err)) {
      this._failing = undefined;
      return false;
    }
    const failing = this._failing?.seq === head.seq ? this._failing : { seq: head.seq, count: 0 };
    failing.count++;
    this._failing = failing;
    if (failing.count < PERMANENT_ATTEMPTS) return false;
    const last = (group.at(-1) as QueuedEntry).seq;
    if (group.length > 1) {
      diag.warn(
        `genai-ops collector: ingest-log entries ${head.seq}..${last} failed to load ${failing.count} times on their data; loading them one by one`,
      );
      this._failing = undefined;
      this._isolateThrough = Math.max(this._isolateThrough, last);
      return true;
    }
    const message = (err as Error)?.message ?? String(err);
    const wire = head.wire;
    if (!wire) return false;
    try {
      const file = await this._quarantineOf(dir).write({ seq: head.seq, ...wire, records: head.n }, message);
      head.quarantined = true;
      this._failing = undefined;
      // Not written (larger than the bound alone): counted as dropped by the quarantine, not as quarantined.
      if (file !== undefined) this._config.metrics?.quarantined.inc({ kind: wire.kind }, head.n);
      this._config.metrics?.errors.inc({ component: 'quarantine' });
      const what = `ingest-log entry ${head.seq} (${head.n} ${wire.kind === 'traces' ? 'spans' : 'log records'})`;
      diag.error(
        file === undefined
          ? `genai-ops collector: ${what} cannot be stored and is larger than the quarantine bound (storage.quarantineMaxBytes); dropped: ${message}`
          : `genai-ops collector: ${what} cannot be stored and was moved to ${file}: ${message}`,
      );
      return true;
    } catch (qerr) {
      // Not quarantined (e.g. disk full): the entry stays first in line and is tried again.
      this._config.metrics?.errors.inc({ component: 'quarantine' });
      diag.error(
        `genai-ops collector: ingest-log entry ${head.seq} could not be quarantined: ${(qerr as Error).message}`,
      );
      return false;
    }
  }

  /**
   * Takes the next entries from the queue, up to `loaderBatchSpans` spans (at least one entry); a
   * single one while the entries are isolated (`_isolateThrough`).
   */
  private _takeGroup(): { group: QueuedEntry[]; n: number } {
    const max = this._config.loaderBatchSpans ?? 4096;
    const single = (this._queue[0] as QueuedEntry).seq <= this._isolateThrough;
    const group: QueuedEntry[] = [];
    let n = 0;
    while (this._queue.length && (n === 0 || (!single && n + (this._queue[0] as QueuedEntry).n <= max))) {
      const e = this._queue.shift() as QueuedEntry;
      group.push(e);
      n += e.n;
    }
    return { group, n };
  }

  /** The group is stored: advance the position, free the budget and the log, wake readers. */
  private _loaded(group: QueuedEntry[], n: number): void {
    const seq = (group.at(-1) as QueuedEntry).seq;
    this._loadedSeq = seq;
    this._failing = undefined;
    this._queuedSpans -= n;
    this._config.metrics?.storageQueue.set(this._queuedSpans);
    this._release(n);
    this._config.ingestLog?.markLoaded(seq);
    const pool = this._config.bodyPool;
    if (pool) for (const e of group) if (e.wire) pool.give(e.wire.body);
    if (this._loadWaiters.length) {
      const still: typeof this._loadWaiters = [];
      for (const w of this._loadWaiters) w.seq <= seq ? w.resolve() : still.push(w);
      this._loadWaiters = still;
    }
  }

  /**
   * Remote loading, one group ahead: while the worker commits group k (the DuckDB commit runs on its
   * thread pool), it already decodes and processes group k+1. The worker commits in order and, after
   * a failed commit, fails every later one until `discard`, so the stored position never skips a
   * group. Forwarders, when configured, get the processed batches (one per entry) before the commit.
   * On a failure the uncommitted groups go back to the front of the queue, in order, and are sent
   * again after a back-off (an entry every forwarder took is not forwarded again; one a forwarder
   * refused may reach the others twice: at least once). A group failing again and again on its data
   * is isolated and its unstorable entry quarantined (`_onLoadFailure`); the quarantined entry then
   * goes through as an empty group, in order, so only its position is committed.
   */
  private async _loadRemoteLoop(others: Array<TracesConsumer & Partial<LogsConsumer>>): Promise<void> {
    const remote = this._config.remote as RemoteLoader;
    type Result = { deltas?: MetricDeltas; stored: number; seconds: number; errors?: string[] };
    const outstanding: Array<{ group: QueuedEntry[]; n: number; result: Promise<Result> }> = [];
    // When every forwarder takes export bodies (and none takes log records), the spans are encoded on
    // the loader threads, once per encoding, instead of being cloned back here and encoded on this thread.
    const encodeFor =
      others.length > 0 && others.every((e) => !e.consumeLogs && isEncodedTracesConsumer(e))
        ? [...new Set((others as EncodedTracesConsumer[]).map((e) => e.encoding))]
        : undefined;
    let attempt = 0;
    let token = 0;
    const report = (errors: string[] | undefined): void => {
      for (const e of errors ?? []) {
        this._config.metrics?.errors.inc({ component: e.slice(0, e.indexOf(':', 10)) });
        diag.error(`genai-ops collector: ${e}`);
      }
    };
    /** Forwards one processed entry (as export bodies, or as records) to every forwarder. */
    const forward = async (
      enc: EncodedEntry | undefined,
      p: { spans: SpanRecord[]; logs: LogRecordRecord[] } | undefined,
    ): Promise<void> => {
      if (enc) {
        await Promise.all(
          (others as EncodedTracesConsumer[]).map((e) => {
            const body = enc.bodies[e.encoding];
            return enc.spans && body ? e.consumeEncoded(body, enc.spans) : undefined;
          }),
        );
      }
      if (p) {
        await Promise.all(
          others.flatMap((e) => [
            p.spans.length ? e.consumeTraces({ spans: p.spans }) : undefined,
            p.logs.length && e.consumeLogs ? e.consumeLogs({ logs: p.logs }) : undefined,
          ]),
        );
      }
    };
    while ((this._queue.length || outstanding.length) && !this._abortLoader) {
      if (this._queue.length && outstanding.length < 2) {
        const { group, n } = this._takeGroup();
        // A quarantined entry is not sent: an empty group commits its position.
        const live = group.filter((e) => !e.quarantined);
        const entries = live.map((e) => ({ seq: e.seq, ...(e.wire as NonNullable<QueuedEntry['wire']>) }));
        const seq = (group.at(-1) as QueuedEntry).seq;
        let result: Promise<Result>;
        // (Not `load` for a group with nothing left to forward: `load` and `process` + `commit` reach
        // the worker's commit order at different times, so one loop run uses one of them only.)
        if (others.length === 0) result = remote.load(entries, seq);
        else {
          const t = ++token;
          // Forwarders that take export bodies get them encoded by the loader threads (only bytes come
          // back); the others get the processed spans.
          result = remote.process(t, entries, !encodeFor, encodeFor).then(async (r) => {
            report(r.errors);
            try {
              for (let i = 0; i < live.length; i++) {
                const e = live[i] as QueuedEntry;
                if (e.forwarded) continue;
                await forward(r.encoded?.[i], r.perEntry?.[i]);
                e.forwarded = true;
              }
            } catch (err) {
              // A forwarder's failure is never a data error of the store.
              throw markLoadError(asError(err), false);
            }
            return remote.commit(t, seq);
          });
        }
        result.catch(() => undefined);
        outstanding.push({ group, n, result });
        if (this._queue.length && outstanding.length < 2) continue;
      }
      const oldest = outstanding.shift() as (typeof outstanding)[number];
      try {
        const r = await oldest.result;
        report(r.errors);
        this._config.metrics?.spansStored.inc(r.stored);
        this._config.metrics?.dbWriteLatency.observe(r.seconds);
        if (r.deltas)
          for (const o of this._config.observers ?? []) {
            try {
              o.applyDeltas?.(r.deltas);
            } catch {}
          }
        this._loaded(oldest.group, oldest.n);
        attempt = 0;
      } catch (err) {
        this._config.metrics?.errors.inc({ component: 'loader' });
        diag.error(`genai-ops collector: loading ingest-log entries failed: ${(err as Error).message}`);
        const groups = [oldest, ...outstanding.splice(0)];
        for (const g of groups.slice(1)) await g.result.catch(() => undefined);
        this._queue.unshift(...groups.flatMap((g) => g.group));
        await remote.discard().catch(() => undefined);
        if (this._abortLoader) break;
        // The oldest group's error is its own: after a failure the worker fails every later commit
        // until `discard`, and nothing is sent between a failure and its `discard`.
        if (await this._onLoadFailure(oldest.group, err)) attempt = 0;
        else await sleep(Math.min(5000, 100 * 2 ** attempt++));
      }
    }
  }

  private async _processSpans(input: SpanRecord[], yieldBetween: boolean): Promise<SpanRecord[]> {
    if (!yieldBetween || input.length <= PROCESS_SLICE) return this._runProcessors(input);
    const out: SpanRecord[] = [];
    for (let i = 0; i < input.length; i += PROCESS_SLICE) {
      for (const s of await this._runProcessors(input.slice(i, i + PROCESS_SLICE))) out.push(s);
      await tick();
    }
    return out;
  }

  private async _runProcessors(input: SpanRecord[]): Promise<SpanRecord[]> {
    let spans = input;
    for (const p of this._config.processors) {
      try {
        spans = await p.processSpans(spans);
      } catch (err) {
        // A processor bug must not lose data: store the spans as they are and count the error.
        this._config.metrics?.errors.inc({ component: `processor:${p.name}` });
        diag.error(`genai-ops collector: processor ${p.name} failed: ${(err as Error).message}`);
      }
    }
    return spans;
  }

  private async _processLogs(input: LogRecordRecord[]): Promise<LogRecordRecord[]> {
    let logs = input;
    for (const p of this._config.processors) {
      if (!p.processLogs) continue;
      try {
        logs = await p.processLogs(logs);
      } catch (err) {
        this._config.metrics?.errors.inc({ component: `processor:${p.name}` });
        diag.error(`genai-ops collector: processor ${p.name} failed on logs: ${(err as Error).message}`);
      }
    }
    return logs;
  }
}
