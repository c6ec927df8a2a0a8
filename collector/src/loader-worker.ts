/**
 * The loader worker: owns the DuckDB instance, off the main thread, so the event loop that receives,
 * validates and acknowledges requests is never blocked by a DuckDB append, flush or commit, nor by
 * the processors. By default it decodes the logged bodies, runs the processors and stores the rows
 * itself (`load`, or `process` + `commit` when forwarders need the processed spans). With
 * `storage.processWorker: true` the processing worker (`process-worker.ts`) does the decoding,
 * processing and row building and posts the rows here over a MessagePort; this thread then only
 * appends and commits them, in order (`commitPrepared`). The main thread (`LoaderWorkerClient`)
 * sends requests and queries.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { SpanProcessor } from './component.js';
import { DuckDBStore, type DuckDBStoreConfig } from './exporters/duckdb-store.js';
import { type MetricDeltas, metricDeltas } from './exporters/metric-deltas.js';
import { unpackPrepared } from './exporters/span-rows.js';
import { isPermanentLoadError, markLoadError } from './load-errors.js';
import {
  encodeEntries,
  type ProcessEntriesRequest,
  processEntries,
  type WireEntry,
} from './loader-process.js';
import type { LogRecordRecord, SpanRecord } from './model.js';
import type { PreparedMessage } from './process-worker.js';
import type { GuardrailScanConfig } from './processors/guardrails.js';
import { foldLegacyEvents } from './processors/legacy-events.js';
import { loadEnrichmentModules } from './processors-loader.js';
import { lowerThreadPriority } from './thread-priority.js';

export type { WireEntry } from './loader-process.js';

export interface LoaderWorkerData {
  store: Omit<DuckDBStoreConfig, 'metrics' | 'foldLegacyEvents' | 'readBarrier'>;
  cost?: unknown;
  guardrails?: GuardrailScanConfig;
  /** Nice value of this thread and of the processing worker (see `lowerThreadPriority`); 0: unchanged. */
  nice?: number;
}

export type WorkerRequest =
  | { id: number; type: 'start' }
  | ProcessEntriesRequest
  | { id: number; type: 'commit'; token: number; seq: number }
  | { id: number; type: 'load'; entries: WireEntry[]; seq: number }
  /** The port on which the processing worker posts prepared rows (`PreparedMessage`). */
  | { id: number; type: 'port'; port: MessagePort }
  /** Commits the rows the processing worker posted under `token`, once they arrive. */
  | { id: number; type: 'commitPrepared'; token: number; seq: number }
  /** The processing worker died: the rows of these tokens will never arrive. */
  | { id: number; type: 'fail'; tokens: number[]; error: string }
  /** Forgets every uncommitted group; prepared rows of tokens up to `upTo` arriving later are dropped. */
  | { id: number; type: 'discard'; upTo?: number }
  | { id: number; type: 'query'; method: 'sql' | 'listTraces' | 'getTrace' | 'reprice'; args: unknown[] }
  | { id: number; type: 'shutdown' };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  /** `permanent`: `isPermanentLoadError` of the error, classified here where its name and cause are known. */
  | { id: number; ok: false; error: string; name: string; permanent?: boolean };

const errors: string[] = [];
const NO_DELTAS: MetricDeltas = { tokens: [], cost: [], latency: [], verdicts: [], findings: [] };

type Arrival =
  | { packed: Uint8Array; logs: LogRecordRecord[]; spans: number }
  | { error: string; permanent?: boolean };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as LoaderWorkerData;
  lowerThreadPriority(data.nice);
  // Built on first use: with the processing worker (the default) this thread never runs the
  // processors, and building them (price table, guardrail policy) would only slow the start.
  let modules: ReturnType<typeof loadEnrichmentModules> | undefined;
  const mods = (): ReturnType<typeof loadEnrichmentModules> => {
    modules ??= loadEnrichmentModules(data.cost, data.guardrails);
    return modules;
  };
  let processors: SpanProcessor[] | undefined;
  const getProcessors = (): SpanProcessor[] => {
    const m = mods();
    processors ??= [m.normalize, m.cost, m.guardrails].filter(
      (p): p is NonNullable<typeof p> => p !== undefined,
    ) as SpanProcessor[];
    return processors;
  };
  const store = new DuckDBStore({ ...data.store, foldLegacyEvents: foldLegacyEvents });
  // Processed groups waiting for their commit, by token (the loader processes one group ahead).
  const pending = new Map<number, { spans: SpanRecord[]; logs: LogRecordRecord[] }>();
  // Commits run one after the other; after a failed one every later one fails too until 'discard',
  // so the stored position never skips a group (the loader then sends the groups again, in order).
  let lastCommit: Promise<unknown> = Promise.resolve();
  let poisoned = false;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lastCommit.catch(() => undefined).then(fn);
    lastCommit = run;
    return run;
  };
  const write = async (
    rows: () => Promise<void>,
    stored: number,
    deltas: () => MetricDeltas,
  ): Promise<{ deltas: MetricDeltas; stored: number; seconds: number }> => {
    if (poisoned) throw new Error('an earlier group failed to commit');
    const t0 = performance.now();
    try {
      await rows();
    } catch (err) {
      poisoned = true;
      throw err;
    }
    return { deltas: deltas(), stored, seconds: (performance.now() - t0) / 1000 };
  };
  const commit = (p: { spans: SpanRecord[]; logs: LogRecordRecord[] }, seq: number): Promise<unknown> =>
    serial(() =>
      write(
        () => store.consumeIngest(p.spans, p.logs, seq),
        p.spans.length,
        () => metricDeltas(p.spans),
      ),
    );

  // Rows from the processing worker, by token, until their commit; and commits waiting for them.
  const arrived = new Map<number, Arrival>();
  const awaiting = new Map<number, (a: Arrival) => void>();
  let discardedUpTo = 0;
  const arrive = (token: number, a: Arrival): void => {
    if (token <= discardedUpTo) return;
    const w = awaiting.get(token);
    if (w) {
      awaiting.delete(token);
      w(a);
    } else arrived.set(token, a);
  };
  const rowsOf = (token: number): Promise<Arrival> => {
    const a = arrived.get(token);
    if (a) {
      arrived.delete(token);
      return Promise.resolve(a);
    }
    return new Promise((resolve) => awaiting.set(token, resolve));
  };
  const commitPrepared = (token: number, seq: number): Promise<unknown> => {
    const rows = rowsOf(token);
    // In order like `commit`: a commit never overtakes an earlier one, whatever order rows arrive in.
    return serial(async () => {
      const a = await rows;
      if ('error' in a) {
        poisoned = true;
        throw markLoadError(new Error(a.error), a.permanent === true);
      }
      // The metric increments went to the main thread with the processing worker's reply.
      return write(
        () => store.consumeIngestPrepared(unpackPrepared(a.packed), a.logs, seq),
        a.spans,
        () => NO_DELTAS,
      );
    });
  };
  const processLocal = (entries: WireEntry[]) => processEntries(getProcessors(), entries, errors);

  const handle = async (m: WorkerRequest): Promise<unknown> => {
    switch (m.type) {
      case 'start':
        await store.start();
        return store.loadedSeq();
      case 'process': {
        const { perEntry, all } = await processLocal(m.entries);
        pending.set(m.token, all);
        return {
          perEntry: m.wantProcessed ? perEntry : undefined,
          encoded: encodeEntries(perEntry, m.encodeFor),
          errors: errors.splice(0),
        };
      }
      case 'commit': {
        const p = pending.get(m.token);
        if (!p) throw new Error('nothing processed to commit');
        pending.delete(m.token);
        return commit(p, m.seq);
      }
      case 'load': {
        // Process and commit in one message (no forwarders): the next group is processed while
        // this one commits.
        const { all } = await processLocal(m.entries);
        const r = (await commit(all, m.seq)) as { deltas: MetricDeltas; stored: number };
        return { ...r, errors: errors.splice(0) };
      }
      case 'query': {
        if (m.method === 'reprice') {
          return store.reprice(String(m.args[0]), mods().createCostProcessor(data.cost));
        }
        const fn = store[m.method] as (...a: unknown[]) => Promise<unknown>;
        return fn.apply(store, m.args);
      }
      case 'port':
        m.port.on('message', (p: PreparedMessage) => arrive(p.token, p));
        return undefined;
      case 'commitPrepared':
        return commitPrepared(m.token, m.seq);
      case 'fail':
        for (const t of m.tokens) arrive(t, { error: m.error });
        return undefined;
      case 'discard': {
        if (m.upTo !== undefined && m.upTo > discardedUpTo) discardedUpTo = m.upTo;
        for (const [t, w] of awaiting) {
          if (t > discardedUpTo) continue;
          awaiting.delete(t);
          w({ error: 'discarded' });
        }
        await lastCommit.catch(() => undefined);
        for (const t of arrived.keys()) if (t <= discardedUpTo) arrived.delete(t);
        pending.clear();
        poisoned = false;
        return undefined;
      }
      case 'shutdown':
        await store.shutdown();
        return undefined;
    }
  };

  port.on('message', (m: WorkerRequest) => {
    handle(m).then(
      (value) => port.postMessage({ id: m.id, ok: true, value } satisfies WorkerReply),
      (err: unknown) =>
        port.postMessage({
          id: m.id,
          ok: false,
          error: (err as Error)?.message ?? String(err),
          name: (err as Error)?.name ?? 'Error',
          permanent: isPermanentLoadError(err),
        } satisfies WorkerReply),
    );
  });
}

void main();
