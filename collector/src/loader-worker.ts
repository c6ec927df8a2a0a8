/**
 * The loader worker: owns the DuckDB instance and runs the span processors, off the main thread, so
 * the event loop that receives, decodes and acknowledges requests is never blocked by a DuckDB append,
 * flush or commit, nor by the processors (the guardrail scan costs ~0.1 ms per span). The main thread
 * (`LoaderWorkerClient`) sends ingest-log entries as received (raw bodies, transferred) and queries.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
} from '@genai-ops/core';
import type { SpanProcessor } from './component.js';
import { DuckDBStore, type DuckDBStoreConfig } from './exporters/duckdb-store.js';
import type { IngestEncoding, IngestKind } from './ingest-log.js';
import type { Attributes, LogRecordRecord, SpanRecord } from './model.js';
import { decodeLogs, decodeTraces } from './otlp/decode.js';
import type { GuardrailScanConfig } from './processors/guardrails.js';
import { loadEnrichmentModules } from './processors-loader.js';

export interface LoaderWorkerData {
  store: Omit<DuckDBStoreConfig, 'metrics' | 'foldLegacyEvents' | 'readBarrier'>;
  cost?: unknown;
  guardrails?: GuardrailScanConfig;
}

export interface WireEntry {
  seq: number;
  kind: IngestKind;
  encoding: IngestEncoding;
  body: Uint8Array;
}

export type WorkerRequest =
  | { id: number; type: 'start' }
  | { id: number; type: 'process'; token: number; entries: WireEntry[]; wantProcessed: boolean }
  | { id: number; type: 'commit'; token: number; seq: number }
  | { id: number; type: 'load'; entries: WireEntry[]; seq: number }
  | { id: number; type: 'discard' }
  | { id: number; type: 'query'; method: 'sql' | 'listTraces' | 'getTrace' | 'reprice'; args: unknown[] }
  | { id: number; type: 'shutdown' };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string; name: string };

const MESSAGE_KEYS: readonly string[] = [
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
];

/** A span without message content, events or links: what the metrics observer needs, cheap to post. */
export function slimSpan(s: SpanRecord): SpanRecord {
  const attributes: Attributes = {};
  for (const k in s.attributes)
    if (!MESSAGE_KEYS.includes(k)) attributes[k] = s.attributes[k] as Attributes[string];
  return { ...s, attributes, events: [], links: [] };
}

function runProcessors(
  processors: SpanProcessor[],
  spans: SpanRecord[],
): Promise<SpanRecord[]> | SpanRecord[] {
  let out: SpanRecord[] | Promise<SpanRecord[]> = spans;
  for (const p of processors) {
    out = Promise.resolve(out).then(async (cur) => {
      try {
        return await p.processSpans(cur);
      } catch (err) {
        errors.push(`processor:${p.name}: ${(err as Error).message}`);
        return cur;
      }
    });
  }
  return out;
}

const errors: string[] = [];

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as LoaderWorkerData;
  const modules = loadEnrichmentModules(data.cost, data.guardrails);
  const processors = [modules.normalize, modules.cost, modules.guardrails].filter(
    (p): p is NonNullable<typeof p> => p !== undefined,
  ) as SpanProcessor[];
  const store = new DuckDBStore({ ...data.store, foldLegacyEvents: modules.foldLegacyEvents });
  // Processed groups waiting for their commit, by token (the loader processes one group ahead).
  const pending = new Map<number, { spans: SpanRecord[]; logs: LogRecordRecord[] }>();
  // Commits run one after the other; after a failed one every later one fails too until 'discard',
  // so the stored position never skips a group (the loader then sends the groups again, in order).
  let lastCommit: Promise<unknown> = Promise.resolve();
  let poisoned = false;
  const commit = (p: { spans: SpanRecord[]; logs: LogRecordRecord[] }, seq: number): Promise<unknown> => {
    const prev = lastCommit;
    const run = (async () => {
      await prev.catch(() => undefined);
      if (poisoned) throw new Error('an earlier group failed to commit');
      const t0 = performance.now();
      try {
        await store.consumeIngest(p.spans, p.logs, seq);
      } catch (err) {
        poisoned = true;
        throw err;
      }
      const seconds = (performance.now() - t0) / 1000;
      return { observed: p.spans.map(slimSpan), stored: p.spans.length, seconds };
    })();
    lastCommit = run;
    return run;
  };
  const processEntries = async (entries: WireEntry[]) => {
    const perEntry: Array<{ spans: SpanRecord[]; logs: LogRecordRecord[] }> = [];
    for (const e of entries) {
      const body = Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength);
      let spans: SpanRecord[] = [];
      let logs: LogRecordRecord[] = [];
      if (e.encoding === 'records') {
        const parsed = JSON.parse(body.toString('utf8')) as unknown[];
        if (e.kind === 'traces') spans = parsed as SpanRecord[];
        else logs = parsed as LogRecordRecord[];
      } else if (e.kind === 'traces') spans = decodeTraces(body, e.encoding).spans;
      else logs = decodeLogs(body, e.encoding).logs;
      if (spans.length) spans = await runProcessors(processors, spans);
      for (const p of processors) {
        if (!p.processLogs || !logs.length) continue;
        try {
          logs = await p.processLogs(logs);
        } catch (err) {
          errors.push(`processor:${p.name}: ${(err as Error).message}`);
        }
      }
      perEntry.push({ spans, logs });
    }
    const all = {
      spans: perEntry.length === 1 ? (perEntry[0]?.spans ?? []) : perEntry.flatMap((p) => p.spans),
      logs: perEntry.length === 1 ? (perEntry[0]?.logs ?? []) : perEntry.flatMap((p) => p.logs),
    };
    return { perEntry, all };
  };

  const handle = async (m: WorkerRequest): Promise<unknown> => {
    switch (m.type) {
      case 'start':
        await store.start();
        return store.loadedSeq();
      case 'process': {
        const { perEntry, all } = await processEntries(m.entries);
        pending.set(m.token, all);
        return { perEntry: m.wantProcessed ? perEntry : undefined, errors: errors.splice(0) };
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
        const { all } = await processEntries(m.entries);
        const r = (await commit(all, m.seq)) as { observed: SpanRecord[]; stored: number };
        return { ...r, errors: errors.splice(0) };
      }
      case 'query': {
        if (m.method === 'reprice') {
          return store.reprice(String(m.args[0]), modules.createCostProcessor(data.cost));
        }
        const fn = store[m.method] as (...a: unknown[]) => Promise<unknown>;
        return fn.apply(store, m.args);
      }
      case 'discard':
        await lastCommit.catch(() => undefined);
        pending.clear();
        poisoned = false;
        return undefined;
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
        } satisfies WorkerReply),
    );
  });
}

void main();
