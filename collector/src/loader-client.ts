import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { diag } from '@opentelemetry/api';
import type { Component, SpanProcessor } from './component.js';
import { QueryRejectedError } from './exporters/duckdb-store.js';
import type { LoaderWorkerData, WireEntry, WorkerReply, WorkerRequest } from './loader-worker.js';
import type { LogRecordRecord, SpanRecord } from './model.js';

type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What the main thread's pipeline needs from the loader worker. */
export interface RemoteLoader {
  /** Decodes and processes entries; keeps the result for `commit`; returns it per entry when asked. */
  process(
    token: number,
    entries: WireEntry[],
    wantProcessed: boolean,
  ): Promise<{ perEntry?: Array<{ spans: SpanRecord[]; logs: LogRecordRecord[] }>; errors: string[] }>;
  /** Stores what `process` produced under `token`, recording `seq` in the same transaction. */
  commit(token: number, seq: number): Promise<{ observed: SpanRecord[]; stored: number; seconds: number }>;
  /** `process` + `commit` in one message (when nothing needs the processed spans in between). */
  load(
    entries: WireEntry[],
    seq: number,
  ): Promise<{ observed: SpanRecord[]; stored: number; seconds: number; errors: string[] }>;
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

  constructor(
    private readonly _data: LoaderWorkerData,
    private readonly _readBarrier?: () => Promise<void>,
  ) {}

  async start(): Promise<void> {
    this._worker = new Worker(path.join(__dirname, 'loader-worker.js'), { workerData: this._data });
    this._worker.on('message', (r: WorkerReply) => {
      const call = this._calls.get(r.id);
      if (!call) return;
      this._calls.delete(r.id);
      if (r.ok) call.resolve(r.value);
      else {
        const err = r.name === 'QueryRejectedError' ? new QueryRejectedError(r.error) : new Error(r.error);
        call.reject(err);
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
  }

  private _call(req: Req, transfer: ArrayBuffer[] = []): Promise<unknown> {
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

  process(token: number, entries: WireEntry[], wantProcessed: boolean): ReturnType<RemoteLoader['process']> {
    return this._call({ type: 'process', token, entries, wantProcessed }) as ReturnType<
      RemoteLoader['process']
    >;
  }

  commit(token: number, seq: number): ReturnType<RemoteLoader['commit']> {
    return this._call({ type: 'commit', token, seq }) as ReturnType<RemoteLoader['commit']>;
  }

  load(entries: WireEntry[], seq: number): ReturnType<RemoteLoader['load']> {
    return this._call({ type: 'load', entries, seq }) as ReturnType<RemoteLoader['load']>;
  }

  async discard(): Promise<void> {
    await this._call({ type: 'discard' });
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
