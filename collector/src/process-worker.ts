/**
 * The processing worker (`storage.processWorker: true`): decodes ingest-log entries, runs the span
 * processors (normalize → cost → guardrail scan) and builds the DuckDB rows, on its own thread, so
 * that the loader worker (which owns DuckDB) only appends and commits. With a core to spare the two
 * stages run in parallel: the stored rate is that of the slower stage, not of their sum.
 *
 * The main thread (`LoaderWorkerClient`) sends `process` requests here; the rows go straight to the
 * loader worker over a MessagePort (tagged with the request's token; the loader commits them when the
 * main thread says so, in order); the reply to the main thread carries what it needs itself (spans per
 * entry for the forwarders when asked, the metric increments of the spans, processor errors).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { SpanProcessor } from './component.js';
import { type MetricDeltas, metricDeltas } from './exporters/metric-deltas.js';
import { packPrepared, prepareSpans } from './exporters/span-rows.js';
import { isPermanentLoadError } from './load-errors.js';
import {
  type EncodedEntry,
  encodeEntries,
  type ProcessEntriesRequest,
  type Processed,
  processEntries,
} from './loader-process.js';
import type { LogRecordRecord } from './model.js';
import type { GuardrailScanConfig } from './processors/guardrails.js';
import { loadEnrichmentModules } from './processors-loader.js';
import { lowerThreadPriority } from './thread-priority.js';

export interface ProcessWorkerData {
  cost?: unknown;
  guardrails?: GuardrailScanConfig;
  nice?: number;
}

export type ProcessRequest = { type: 'port'; port: MessagePort } | ProcessEntriesRequest;

export interface ProcessReply {
  perEntry?: Processed[];
  encoded?: EncodedEntry[];
  deltas: MetricDeltas;
  errors: string[];
}

/** What the loader worker receives for a token: the rows to commit, or why there are none. */
export type PreparedMessage =
  | {
      token: number;
      /** `packPrepared` of the rows (its buffer is transferred). */
      packed: Uint8Array;
      logs: LogRecordRecord[];
      spans: number;
    }
  /** `permanent`: the rows cannot be built from these records (`isPermanentLoadError`). */
  | { token: number; error: string; permanent?: boolean };

function main(): void {
  const port = parentPort;
  if (!port) return;
  const data = workerData as ProcessWorkerData;
  lowerThreadPriority(data.nice);
  const modules = loadEnrichmentModules(data.cost, data.guardrails);
  const processors = [modules.normalize, modules.cost, modules.guardrails].filter(
    (p): p is NonNullable<typeof p> => p !== undefined,
  ) as SpanProcessor[];
  let loader: MessagePort | undefined;
  // The processors are built (price table, guardrail policy): the client's start() waits for this.
  port.postMessage({ type: 'ready' });

  // One request at a time, in arrival order (the loader commits in token order anyway).
  let chain: Promise<unknown> = Promise.resolve();
  port.on('message', (m: ProcessRequest) => {
    if (m.type === 'port') {
      loader = m.port;
      return;
    }
    chain = chain.then(async () => {
      const errors: string[] = [];
      try {
        if (!loader) throw new Error('processing worker has no loader port');
        const { perEntry, all } = await processEntries(processors, m.entries, errors);
        const packed = packPrepared(prepareSpans(all.spans));
        loader.postMessage(
          { token: m.token, packed, logs: all.logs, spans: all.spans.length } satisfies PreparedMessage,
          [packed.buffer as ArrayBuffer],
        );
        const reply: ProcessReply = {
          ...(m.wantProcessed ? { perEntry } : {}),
          encoded: encodeEntries(perEntry, m.encodeFor),
          deltas: metricDeltas(all.spans),
          errors,
        };
        port.postMessage({ id: m.id, ok: true, value: reply });
      } catch (err) {
        const error = (err as Error)?.message ?? String(err);
        const permanent = isPermanentLoadError(err);
        loader?.postMessage({ token: m.token, error, permanent } satisfies PreparedMessage);
        port.postMessage({ id: m.id, ok: false, error, name: (err as Error)?.name ?? 'Error', permanent });
      }
    });
  });
}

main();
