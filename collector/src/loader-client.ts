import * as path from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import type { Component, SpanProcessor } from './component.js';
import { QueryRejectedError, QueryTimeoutError } from './exporters/duckdb-store.js';
import type { MetricDeltas } from './exporters/metric-deltas.js';
import { markLoadError } from './load-errors.js';
import type { EncodedEntry } from './loader-process.js';
import type { LoaderWorkerData, WireEntry, WorkerReply, WorkerRequest } from './loader-worker.js';
import type { LogRecordRecord, SpanRecord } from './model.js';
import type { OtlpEncoding } from './otlp/decode.js';
import type { ProcessReply, ProcessRequest, ProcessWorkerData } from './process-worker.js';

type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What the main thread's pipeline needs from the loader worker. */
export interface RemoteLoader {
  /**
   * Decodes and processes entries; keeps the result for `commit`; returns it per entry when asked
   * (`wantProcessed`), and per entry encoded as export bodies in `encodeFor`'s encodings.
   */
  process(
    token: number,
    entries: WireEntry[],
    wantProcessed: boolean,
    encodeFor?: OtlpEncoding[],
  ): Promise<{
    perEntry?: Array<{ spans: SpanRecord[]; logs: LogRecordRecord[] }>;
    encoded?: EncodedEntry[];
    errors: string[];
  }>;
  /** Stores what `process` produced under `token`, recording `seq` in the same transaction. */
  commit(token: number, seq: number): Promise<{ deltas: MetricDeltas; stored: number; seconds: number }>;
  /** `process` + `commit` in one message (when nothing needs the processed spans in between). */
  load(
    entries: WireEntry[],
    seq: number,
  ): Promise<{ deltas: MetricDeltas; stored: number; seconds: number; errors: string[] }>;
  /** Forgets every processed, uncommitted group (after a failure, before a retry). */
  discard(): Promise<void>;
  loadedSeq(): Promise<number>;
}

/**
 * The main-thread side of the loader worker (`loader-worker.ts`), which owns the DuckDB instance:
 * ingest loading and the query API both go through it (two instances cannot open one file). Reads
 * first await `readBarrier` (read-your-writes), like `DuckDBStore`'s.
 */
export class LoaderWorkerClient implements Component, RemoteLoader {
  private _worker?: Worker;
  private _nextId = 1;
  private _calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private _loadedSeq = 0;
  private _stopped = false;
  private _exitError?: Error;
  /** The processing worker (decode, processors, row building), when `processWorker` is on. */
  private _proc?: Worker;
  private _procStarting?: Promise<Worker>;
  private _procCalls = new Map<
    number,
    { token: number; resolve: (v: ProcessReply) => void; reject: (e: Error) => void }
  >();
  /** Tokens of the rows the processing worker posts to the loader worker (ours, increasing). */
  private _nextToken = 1;
  /** The pipeline's `process` tokens → ours, and the metric increments of processed groups. */
  private _tokens = new Map<number, number>();
  private _deltas = new Map<number, MetricDeltas>();

  constructor(
    private readonly _data: LoaderWorkerData,
    private readonly _readBarrier?: () => Promise<void>,
    /**
     * Run decoding, the processors and row building in a second worker, so they overlap with the
     * DuckDB appends and commits of the loader worker. false (default): the loader worker does
     * everything (one thread).
     */
    private readonly _processWorker = false,
  ) {}

  async start(): Promise<void> {
    this._worker = new Worker(path.join(__dirname, 'loader-worker.js'), { workerData: this._data });
    this._worker.on('message', (r: WorkerReply) => {
      const call = this._calls.get(r.id);
      if (!call) return;
      this._calls.delete(r.id);
      if (r.ok) call.resolve(r.value);
      else {
        // The query errors the API answers with their own status keep their class across the thread.
        const err =
          r.name === 'QueryRejectedError'
            ? new QueryRejectedError(r.error)
            : r.name === 'QueryTimeoutError'
              ? new QueryTimeoutError(r.error)
              : new Error(r.error);
        call.reject(r.permanent === undefined ? err : markLoadError(err, r.permanent));
      }
    });
    this._worker.on('error', (err) => {
      diag.error(`genai-ops collector: loader worker failed: ${err.message}`);
      this._exitError = err;
    });
    this._worker.on('exit', (code) => {
      const err = this._exitError ?? new Error(`loader worker exited (${code})`);
      for (const c of this._calls.values()) c.reject(err);
      this._calls.clear();
      this._worker = undefined;
    });
    this._loadedSeq = (await this._call({ type: 'start' })) as number;
    if (this._processWorker) await this._startProcessWorker();
  }

  /**
   * Starts the processing worker and connects it to the loader worker with a MessagePort (the rows
   * go straight there). If it dies, the groups in flight fail (the pipeline sends them again after a
   * back-off) and the next request starts a new one.
   */
  private async _startProcessWorker(): Promise<Worker> {
    const data: ProcessWorkerData = {
      cost: this._data.cost,
      guardrails: this._data.guardrails,
      nice: this._data.nice,
    };
    const w = new Worker(path.join(__dirname, 'process-worker.js'), { workerData: data });
    let ready!: () => void;
    let notReady!: (e: Error) => void;
    const started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      notReady = reject;
    });
    started.catch(() => undefined);
    w.on('message', (r: WorkerReply | { type: 'ready' }) => {
      if ('type' in r) return ready();
      const call = this._procCalls.get(r.id);
      if (!call) return;
      this._procCalls.delete(r.id);
      if (r.ok) call.resolve(r.value as ProcessReply);
      else {
        const err = new Error(r.error);
        call.reject(r.permanent === undefined ? err : markLoadError(err, r.permanent));
      }
    });
    w.once('exit', (code) => notReady(new Error(`processing worker exited (${code}) while starting`)));
    const channel = new MessageChannel();
    w.postMessage({ type: 'port', port: channel.port1 } satisfies ProcessRequest, [channel.port1]);
    await this._call({ type: 'port', port: channel.port2 }, [channel.port2]);
    let failure: Error | undefined;
    w.on('error', (err) => {
      diag.error(`genai-ops collector: processing worker failed: ${err.message}`);
      failure = err;
    });
    w.on('exit', (code) => {
      if (this._proc === w) this._proc = undefined;
      const err = failure ?? new Error(`processing worker exited (${code})`);
      const tokens = [...this._procCalls.values()].map((c) => c.token);
      for (const c of this._procCalls.values()) c.reject(err);
      this._procCalls.clear();
      // Their rows will never reach the loader worker: fail the commits waiting for them.
      if (tokens.length && this._worker)
        this._call({ type: 'fail', tokens, error: err.message }).catch(() => undefined);
    });
    this._proc = w;
    await started;
    return w;
  }

  /** Sends entries to the processing worker under a new token; the rows go to the loader worker. */
  private _processRemote(
    entries: WireEntry[],
    wantProcessed: boolean,
    encodeFor: OtlpEncoding[] | undefined,
  ): { token: number; reply: Promise<ProcessReply> } {
    const token = this._nextToken++;
    const reply = (async () => {
      if (this._stopped) throw new Error('storage is not running');
      let w = this._proc;
      if (!w) {
        this._procStarting ??= this._startProcessWorker().finally(() => {
          this._procStarting = undefined;
        });
        w = await this._procStarting;
      }
      const id = this._nextId++;
      return new Promise<ProcessReply>((resolve, reject) => {
        this._procCalls.set(id, { token, resolve, reject });
        w.postMessage({
          id,
          type: 'process',
          token,
          entries,
          wantProcessed,
          encodeFor,
        } satisfies ProcessRequest);
      });
    })();
    return { token, reply };
  }

  async shutdown(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    if (!this._worker) return;
    try {
      await this._call({ type: 'shutdown' });
    } catch (err) {
      diag.warn(`genai-ops collector: loader worker shutdown: ${(err as Error).message}`);
    }
    await this._worker?.terminate();
    await this._proc?.terminate();
  }

  private _call(req: Req, transfer: Array<ArrayBuffer | MessagePort> = []): Promise<unknown> {
    const w = this._worker;
    if (!w) return Promise.reject(this._exitError ?? new Error('storage is not running'));
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._calls.set(id, { resolve, reject });
      w.postMessage({ ...req, id }, transfer);
    });
  }

  async loadedSeq(): Promise<number> {
    return this._loadedSeq;
  }

  process(
    token: number,
    entries: WireEntry[],
    wantProcessed: boolean,
    encodeFor?: OtlpEncoding[],
  ): ReturnType<RemoteLoader['process']> {
    if (!this._processWorker)
      return this._call({ type: 'process', token, entries, wantProcessed, encodeFor }) as ReturnType<
        RemoteLoader['process']
      >;
    const r = this._processRemote(entries, wantProcessed, encodeFor);
    this._tokens.set(token, r.token);
    return r.reply.then((v) => {
      this._deltas.set(r.token, v.deltas);
      return { perEntry: v.perEntry, encoded: v.encoded, errors: v.errors };
    });
  }

  commit(token: number, seq: number): ReturnType<RemoteLoader['commit']> {
    if (!this._processWorker)
      return this._call({ type: 'commit', token, seq }) as ReturnType<RemoteLoader['commit']>;
    const ours = this._tokens.get(token);
    this._tokens.delete(token);
    if (ours === undefined) return Promise.reject(new Error('nothing processed to commit'));
    const deltas = this._deltas.get(ours);
    this._deltas.delete(ours);
    return (
      this._call({ type: 'commitPrepared', token: ours, seq }) as ReturnType<RemoteLoader['commit']>
    ).then((r) => ({ ...r, deltas: deltas ?? r.deltas }));
  }

  load(entries: WireEntry[], seq: number): ReturnType<RemoteLoader['load']> {
    if (!this._processWorker)
      return this._call({ type: 'load', entries, seq }) as ReturnType<RemoteLoader['load']>;
    const r = this._processRemote(entries, false, undefined);
    const committed = this._call({ type: 'commitPrepared', token: r.token, seq }) as ReturnType<
      RemoteLoader['commit']
    >;
    committed.catch(() => undefined);
    return Promise.all([r.reply, committed]).then(([p, c]) => ({
      deltas: p.deltas,
      stored: c.stored,
      seconds: c.seconds,
      errors: p.errors,
    }));
  }

  async discard(): Promise<void> {
    this._tokens.clear();
    this._deltas.clear();
    await this._call({ type: 'discard', upTo: this._nextToken - 1 });
  }

  private async _query<T>(
    method: 'sql' | 'listTraces' | 'getTrace' | 'reprice',
    args: unknown[],
  ): Promise<T> {
    if (this._stopped) throw new Error('storage is not running');
    if (this._readBarrier) await this._readBarrier();
    return (await this._call({ type: 'query', method, args })) as T;
  }

  sql(query: string): Promise<{ columns: string[]; rows: Record<string, unknown>[]; truncated: boolean }> {
    return this._query('sql', [query]);
  }

  listTraces(
    opts: { service?: string; since?: string; limit?: number } = {},
  ): Promise<Record<string, unknown>[]> {
    return this._query('listTraces', [opts]);
  }

  getTrace(traceId: string): Promise<Record<string, unknown>[]> {
    return this._query('getTrace', [traceId]);
  }

  /** Reprices with the worker's own cost processor (built from the collector's cost config). */
  reprice(since: string, _cost?: SpanProcessor): Promise<{ repriced: number; unpriced: number }> {
    return this._query('reprice', [since]);
  }
}
