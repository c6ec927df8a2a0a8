import * as fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { diag } from '@opentelemetry/api';
import express from 'express';
import { type QueryStore, queryApi } from './api/query-api.js';
import type { Component, SpanProcessor } from './component.js';
import { type CollectorConfig, type CollectorConfigInput, loadConfig, resolvePaths } from './config.js';
import { DuckDBStore, type DuckDBStoreConfig } from './exporters/duckdb-store.js';
import { CollectorMetrics } from './exporters/metrics.js';
import { OtlpForwarder } from './exporters/otlp-forwarder.js';
import { IngestLog } from './ingest-log.js';
import { LoaderWorkerClient } from './loader-client.js';
import { Pipeline } from './pipeline.js';
import { loadEnrichmentModules } from './processors-loader.js';
import { BodyPool } from './receiver/body.js';
import { otlpHttpReceiver } from './receiver/otlp-http-receiver.js';

/** A running collector. */
export interface RunningCollector {
  /** Base URL, e.g. `http://127.0.0.1:4318` (OTLP at `/v1/traces`). */
  url: string;
  /** Base URL of the query API (same server: `/api/*`, `/metrics`). */
  apiUrl: string;
  config: CollectorConfig;
  /**
   * The store's reads (SQL, traces, reprice). With a database file this is the loader worker's client
   * (the worker owns the DuckDB instance); with `:memory:` the `DuckDBStore` itself.
   */
  store: QueryStore;
  metrics: CollectorMetrics;
  forwarders: OtlpForwarder[];
  /** The buffers request bodies are read into (with the ingest log and the loader worker). */
  bodyPool?: BodyPool;
  /** Stops the receiver, drains the pipeline, closes the store. Safe twice. */
  shutdown(): Promise<void>;
}

export interface StartCollectorOptions {
  /** Config file; default `GENAI_OPS_CONFIG`. */
  configFile?: string;
  /** Environment for `GENAI_OPS_*`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Write `<dataDir>/collector.json` (URL and pid) so the CLI can find this collector. Default true. */
  lockFile?: boolean;
  /**
   * Test hook: acknowledged batches stay in the ingest log and are not loaded into DuckDB (until a
   * restart without it). Also env `GENAI_OPS_TEST_HOLD_LOADER=1`.
   */
  holdLoader?: boolean;
  /** @internal Test hook: writes holding these spans fail (see `DuckDBStoreConfig.faults`). */
  storeFaults?: DuckDBStoreConfig['faults'];
}

/** The ingest log directory of a DuckDB file (none for `:memory:`). */
export function ingestLogDir(dbPath: string): string | undefined {
  return dbPath === ':memory:' ? undefined : `${dbPath}.ingest`;
}

const KNOWN_PATHS = new Set([
  '/v1/traces',
  '/v1/logs',
  '/v1/metrics',
  '/metrics',
  '/api/traces',
  '/api/sql',
  '/api/reprice',
  '/api/health',
]);

function pathLabel(p: string): string {
  if (KNOWN_PATHS.has(p)) return p;
  if (p.startsWith('/api/traces/')) return '/api/traces/:id';
  return 'other';
}

/**
 * Loads what a stopped collector's ingest log still holds into its DuckDB file (processors and
 * forwarder spools included), as the collector would at start. The CLI runs it before it opens the
 * file directly, so acknowledged spans are visible even after a crash.
 */
export async function loadIngestBacklog(cfg: CollectorConfig): Promise<void> {
  const paths = resolvePaths(cfg);
  const logDir = ingestLogDir(paths.dbPath);
  if (!logDir || !fs.existsSync(logDir) || !fs.readdirSync(logDir).some((f) => f.endsWith('.log'))) return;
  const modules = loadEnrichmentModules(cfg.cost, cfg.guardrails);
  const store = new DuckDBStore({ path: paths.dbPath, foldLegacyEvents: modules.foldLegacyEvents });
  const forwarders = cfg.forward.endpoints.map(
    (e) => new OtlpForwarder({ ...e, spoolDir: paths.spoolDir, spoolMaxBytes: cfg.forward.spoolMaxBytes }),
  );
  const pipeline = new Pipeline({
    processors: [modules.normalize, modules.cost, modules.guardrails].filter(
      (p): p is SpanProcessor => p !== undefined,
    ),
    exporters: [store, ...forwarders],
    maxInFlightSpans: cfg.receiver.maxInFlightSpans,
    ingestLog: new IngestLog({ dir: logDir }),
    store,
    loaderBatchSpans: cfg.storage.maxBatchSpans,
    quarantineDir: paths.quarantineDir,
    quarantineMaxBytes: cfg.storage.quarantineMaxBytes,
  });
  const started: Component[] = [];
  try {
    for (const c of [store, ...forwarders, pipeline] as Component[]) {
      await c.start();
      started.push(c);
    }
  } finally {
    for (const c of started.reverse()) await c.shutdown();
  }
}

/**
 * Starts the collector: exporters first (metrics, DuckDB, forwarders), then the pipeline, then the
 * HTTP receiver; shutdown runs in the reverse order so every accepted span is committed.
 * @example const c = await startCollector({ receiver: { host: '127.0.0.1', port: 0 }, storage: { path: 'x.duckdb' } })
 */
export async function startCollector(
  config: CollectorConfigInput = {},
  opts: StartCollectorOptions = {},
): Promise<RunningCollector> {
  const cfg = loadConfig({ file: opts.configFile, env: opts.env, overrides: config });
  const paths = resolvePaths(cfg);
  const modules = loadEnrichmentModules(cfg.cost, cfg.guardrails);
  const metrics = new CollectorMetrics();
  let pipelineRef: Pipeline | undefined;
  const readBarrier = (): Promise<void> => pipelineRef?.whenLoaded() ?? Promise.resolve();
  const storeConfig = {
    path: paths.dbPath,
    flushIntervalMs: cfg.storage.flushIntervalMs,
    maxBatchSpans: cfg.storage.maxBatchSpans,
    checkpointThresholdMb: cfg.storage.checkpointThresholdMb,
    memoryLimitMb: cfg.storage.memoryLimitMb,
    threads: cfg.storage.threads,
    maxRows: cfg.api.maxRows,
    queryTimeoutMs: cfg.api.queryTimeoutMs,
    retentionDays: cfg.storage.retentionDays,
    ...(opts.storeFaults ? { faults: opts.storeFaults } : {}),
  };
  const logDir = cfg.storage.ingestLog === false ? undefined : ingestLogDir(paths.dbPath);
  // Switched off after a crash: what the log still holds is stored first.
  if (!logDir) await loadIngestBacklog(cfg);
  // With a file: the loader worker owns DuckDB and runs the processors; the main thread receives,
  // logs and acknowledges. With `:memory:` (no ingest log), everything runs here as before.
  const worker = logDir
    ? new LoaderWorkerClient(
        { store: storeConfig, cost: cfg.cost, guardrails: cfg.guardrails, nice: cfg.storage.loaderNice },
        readBarrier,
        cfg.storage.processWorker === true,
      )
    : undefined;
  const store = worker
    ? undefined
    : new DuckDBStore({ ...storeConfig, readBarrier, metrics, foldLegacyEvents: modules.foldLegacyEvents });
  const forwarders = cfg.forward.endpoints.map(
    (e) =>
      new OtlpForwarder({
        ...e,
        spoolDir: paths.spoolDir,
        spoolMaxBytes: cfg.forward.spoolMaxBytes,
        initialBackoffMs: cfg.forward.initialBackoffMs,
        maxBackoffMs: cfg.forward.maxBackoffMs,
        timeoutMs: cfg.forward.timeoutMs,
        metrics,
      }),
  );
  const processors: SpanProcessor[] = [modules.normalize, modules.cost, modules.guardrails].filter(
    (p): p is SpanProcessor => p !== undefined,
  );
  const env = opts.env ?? process.env;
  // Bodies are read into reused buffers when the loader worker decodes them: the pipeline gives each
  // back once its ingest-log entry is stored.
  const bodyPool = logDir && worker ? new BodyPool() : undefined;
  if (bodyPool) metrics.watchBodyPool(bodyPool);
  const pipeline = new Pipeline({
    processors,
    exporters: [...(store ? [store] : []), ...forwarders],
    observers: [metrics],
    maxInFlightSpans: cfg.receiver.maxInFlightSpans,
    metrics,
    ...(logDir ? { ingestLog: new IngestLog({ dir: logDir }) } : {}),
    ...(store ? { store } : {}),
    ...(worker ? { remote: worker } : {}),
    loaderBatchSpans: cfg.storage.maxBatchSpans,
    quarantineDir: paths.quarantineDir,
    quarantineMaxBytes: cfg.storage.quarantineMaxBytes,
    holdLoader: opts.holdLoader ?? env.GENAI_OPS_TEST_HOLD_LOADER === '1',
    ...(bodyPool ? { bodyPool } : {}),
  });
  pipelineRef = pipeline;

  const started: Component[] = [];
  let server: Server | undefined;
  let lockWritten = false;
  let stopped = false;
  const shutdown = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (server) {
      const s = server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
        // Requests in flight get a bounded time to finish (their spans are committed or refused).
        setTimeout(() => s.closeAllConnections(), 5000).unref();
      });
    }
    for (const c of started.reverse()) {
      try {
        await c.shutdown();
      } catch (err) {
        diag.error(`genai-ops collector: shutdown: ${(err as Error).message}`);
      }
    }
    if (lockWritten) fs.rmSync(paths.lockFile, { force: true });
  };

  try {
    for (const c of [metrics, worker ?? store, ...forwarders, pipeline] as Component[]) {
      await c.start();
      started.push(c);
    }
    const app = express();
    app.disable('x-powered-by');
    app.use((req, res, next) => {
      res.on('finish', () =>
        metrics.httpRequests.inc({ path: pathLabel(req.path), status: String(res.statusCode) }),
      );
      next();
    });
    app.use(
      otlpHttpReceiver({
        consumer: pipeline,
        maxBodyBytes: cfg.receiver.maxBodyBytes,
        authToken: cfg.receiver.authToken,
        metrics,
        ...(bodyPool ? { bodyPool } : {}),
      }),
    );
    app.use(
      queryApi({
        store: (worker ?? store) as QueryStore,
        metrics,
        authToken: cfg.api.authToken,
        costProcessor: () => modules.createCostProcessor(cfg.cost),
      }),
    );
    app.use((_req: express.Request, res: express.Response) => {
      res.status(404).json({ error: 'not found' });
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(cfg.receiver.port, cfg.receiver.host, (err?: Error) =>
        err ? reject(err) : resolve(s),
      );
      s.on('error', reject);
    });
    server.keepAliveTimeout = 65_000;
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${addr.port}`;
    if (opts.lockFile !== false) {
      fs.mkdirSync(path.dirname(paths.lockFile), { recursive: true });
      fs.writeFileSync(
        paths.lockFile,
        JSON.stringify({ url, pid: process.pid, dbPath: paths.dbPath, startedAt: new Date().toISOString() }),
      );
      lockWritten = true;
    }
    return {
      url,
      apiUrl: url,
      config: cfg,
      store: (worker ?? store) as QueryStore,
      metrics,
      forwarders,
      ...(bodyPool ? { bodyPool } : {}),
      shutdown,
    };
  } catch (err) {
    await shutdown();
    throw err;
  }
}
