import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  listValue,
  StatementType,
} from '@duckdb/node-api';
import { diag } from '@opentelemetry/api';
import {
  type Component,
  type LogBatch,
  type LogsConsumer,
  PipelineError,
  type SpanBatch,
  type SpanProcessor,
  type TracesConsumer,
} from '../component.js';
import type { Attributes, LogRecordRecord, SpanRecord } from '../model.js';
import type { FoldedMessages } from '../processors-loader.js';
import { MIGRATIONS } from './duckdb-schema.js';
import type { CollectorMetrics } from './metrics.js';
import { ATTR_SERVICE_NAME, nsBigInt, spanColumns, wellFormedJson } from './span-columns.js';
import {
  dedupeEnrichments,
  type EnrichmentRow,
  int32,
  type PreparedSpans,
  prepareSpans,
  SPAN_ROW_TYPES,
  type SpanRow,
} from './span-rows.js';

export type { EnrichmentRow, PreparedSpans, SpanRow } from './span-rows.js';
export { enrichmentRows, prepareSpans, spanRow } from './span-rows.js';

export interface DuckDBStoreConfig {
  /** Database file (created with its directory). `:memory:` works for tests. */
  path: string;
  /** Group-commit window in ms. Default 4. */
  flushIntervalMs?: number;
  /** Flush early at this many pending spans. Default 4096. */
  maxBatchSpans?: number;
  /** Max rows returned by `sql()`. Default 10000. */
  maxRows?: number;
  /**
   * A `sql()` query still running after this many ms is interrupted and fails with
   * {@link QueryTimeoutError} (reads run one at a time on the reader connection, so a runaway query
   * would hold up every other read). Default 30000.
   */
  queryTimeoutMs?: number;
  /**
   * Keep this many days of data, 0 or undefined: forever. Whole traces go (a trace whose latest span
   * started before the cutoff, with its enrichments), and log records by their time. Checked at start
   * and then hourly, between group commits. Deleted rows free space inside the file for new rows (after
   * the next checkpoint); the file does not shrink.
   */
  retentionDays?: number;
  /**
   * Checkpoint once the write-ahead log reaches this many MiB. Default 64 (DuckDB's own default is
   * 16). The store runs the checkpoint itself, asynchronously, between group commits, so the event
   * loop keeps serving HTTP while it runs; DuckDB's automatic checkpoint (inside a commit, which
   * blocks the event loop) stays on only as a backstop at 4x this size.
   */
  checkpointThresholdMb?: number;
  /** DuckDB `memory_limit` in MiB. Default 512 (DuckDB's default is 80 % of RAM). */
  memoryLimitMb?: number;
  /** DuckDB `threads`. Default: DuckDB's own (the number of cores). */
  threads?: number;
  /**
   * Rows per row group of the database file. Default 16384 (DuckDB's default is 122880). A checkpoint
   * recompresses the table's last, partly filled row group whole, so with DuckDB's default every
   * checkpoint of a growing table rewrote up to 120k rows (0.5–3.7 s each); see docs/bench/collector.md.
   */
  rowGroupSize?: number;
  metrics?: CollectorMetrics;
  /**
   * Awaited before every read (API, SQL): the collector uses it to wait, bounded, until the spans
   * acknowledged before the query are loaded from the ingest log (read-your-writes).
   */
  readBarrier?: () => Promise<void>;
  foldLegacyEvents?: (logs: LogRecordRecord[]) => FoldedMessages[];
  /**
   * @internal Test hook (plain data, so it reaches the loader worker): a write holding a span named
   * `spanName` fails with `new Error(error)` (e.g. a DuckDB-shaped "Conversion Error: ..."), thrown
   * inside the transaction after the rows are appended, on the fast and the slow path alike, so the
   * real rollback and retry paths run; `times`: only that many writes fail (default: every one).
   */
  faults?: Array<{ spanName: string; error: string; times?: number }>;
}

/** Thrown for a query the read-only SQL endpoint refuses. */
export class QueryRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryRejectedError';
  }
}

/** A `sql()` query interrupted after `queryTimeoutMs`. */
export class QueryTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryTimeoutError';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How often the retention pruning runs (`retentionDays`). */
const RETENTION_INTERVAL_MS = 3_600_000;

/** Default `checkpointThresholdMb`. */
const DEFAULT_CHECKPOINT_MB = 64;
/** Default `memoryLimitMb`. */
const DEFAULT_MEMORY_LIMIT_MB = 512;
/** Default `rowGroupSize`. */
const DEFAULT_ROW_GROUP_SIZE = 16384;
/** Index of the span name in a `SpanRow` (see `spanRow`). */
const SPAN_NAME = 3;
/** The name the database file is attached under (the default database of every connection). */
const STORE_CATALOG = 'genai_ops';

const READ_ONLY_FIRST_WORDS = new Set([
  'select',
  'with',
  'describe',
  'show',
  'explain',
  'from',
  'summarize',
  'values',
]);

/**
 * Closes an appender without appending what it still holds. A failed one keeps its rows and would
 * append them again when closed, and again when garbage collected (DuckDB closes an appender when it
 * is destroyed), inside whatever transaction the connection has open then, aborting it (seen as
 * "Current transaction is aborted" in a later, unrelated statement).
 */
function discardAppender(appender: DuckDBAppender | undefined): void {
  try {
    appender?.clear();
  } catch {}
  try {
    appender?.closeSync();
  } catch {}
}

function nsValue(ns: string): DuckDBTimestampNanosecondsValue | null {
  const v = nsBigInt(ns);
  return v === null ? null : new DuckDBTimestampNanosecondsValue(v);
}

/**
 * DuckDB exporter and query store. Writes go through one connection with the appender, straight
 * into `spans` (primary key (trace_id, span_id)); a batch holding an already-stored span goes
 * through a constraint-free staging table and `INSERT OR IGNORE`, so a retried export never double
 * counts. Concurrent
 * requests are group-committed: they wait a few ms, share one flush + commit, and are all resolved
 * after it. Reads (API, SQL) use a second connection inside READ ONLY transactions, and the instance
 * runs with `enable_external_access=false` (from right after the database file is attached), so no
 * query can touch other files, attach or install.
 */
export class DuckDBStore implements Component, TracesConsumer, LogsConsumer {
  private _instance?: DuckDBInstance;
  private _writer?: DuckDBConnection;
  private _reader?: DuckDBConnection;
  private _spanAppender?: DuckDBAppender;
  private _logAppender?: DuckDBAppender;
  private _enrichmentAppender?: DuckDBAppender;
  private _pendingRows: SpanRow[] = [];
  private _pendingEnrichments: EnrichmentRow[] = [];
  /** Prepared batches merged into the pending flush (their enrichment rows may share keys). */
  private _pendingBatches = 0;
  private _pendingLogs: LogRecordRecord[] = [];
  private _waiters: Waiter[] = [];
  private _pendingSeq = 0;
  private _timer?: NodeJS.Timeout;
  private _retentionTimer?: NodeJS.Timeout;
  private _flushing?: Promise<void>;
  private _readChain: Promise<unknown> = Promise.resolve();
  private _writeChain: Promise<unknown> = Promise.resolve();
  private _started = false;
  private _stopped = false;
  private readonly _interval: number;
  private readonly _maxBatch: number;
  private readonly _checkpointBytes: number;
  private _checkpointing = false;
  private readonly _rowGroupSize: number;

  constructor(private readonly _config: DuckDBStoreConfig) {
    this._interval = _config.flushIntervalMs ?? 4;
    this._maxBatch = _config.maxBatchSpans ?? 4096;
    this._checkpointBytes = Math.max(1, _config.checkpointThresholdMb ?? DEFAULT_CHECKPOINT_MB) * 1024 * 1024;
    // DuckDB takes multiples of its vector size (2048).
    this._rowGroupSize = Math.max(
      2048,
      Math.trunc((_config.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE) / 2048) * 2048,
    );
  }

  async start(): Promise<void> {
    if (this._started) return;
    const memory = this._config.path === ':memory:';
    if (!memory) fs.mkdirSync(path.dirname(path.resolve(this._config.path)), { recursive: true });
    const settings: Record<string, string> = {
      // Backstop only: _maybeCheckpoint() checkpoints at a quarter of this, off the event loop.
      checkpoint_threshold: `${Math.ceil((4 * this._checkpointBytes) / (1024 * 1024))}MiB`,
      memory_limit: `${Math.max(64, Math.trunc(this._config.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB))}MiB`,
    };
    if (this._config.threads) settings.threads = String(Math.max(1, Math.trunc(this._config.threads)));
    if (memory) {
      this._instance = await DuckDBInstance.create(':memory:', {
        ...settings,
        enable_external_access: 'false',
      });
    } else {
      // The file is attached rather than opened so its row-group size can be set (an ATTACH option
      // only); file access is switched off right after, for good (DuckDB cannot switch it back on).
      // Spills go next to the file (`<db>.tmp`), as when the file is opened; an in-memory instance
      // would use `.tmp` in the working directory.
      const instance = await DuckDBInstance.create(':memory:', {
        ...settings,
        temp_directory: `${path.resolve(this._config.path)}.tmp`,
      });
      const setup = await instance.connect();
      try {
        await setup.run(
          `ATTACH '${path.resolve(this._config.path).replaceAll("'", "''")}' AS ${STORE_CATALOG} (ROW_GROUP_SIZE ${this._rowGroupSize})`,
        );
        await setup.run("SET enable_external_access = 'false'");
      } catch (err) {
        // e.g. the file is held by another process: nothing stays open.
        setup.closeSync();
        instance.closeSync();
        throw err;
      }
      setup.closeSync();
      this._instance = instance;
    }
    this._writer = await this._connect();
    await this._migrate();
    // Rows a crash left in staging were never acknowledged; moving them is harmless (dedupe) and keeps them.
    await this._mergeStaging();
    this._spanAppender = await this._writer.createAppender('spans');
    this._logAppender = await this._writer.createAppender('log_records');
    this._enrichmentAppender = await this._writer.createAppender('enrichments');
    this._reader = await this._connect();
    this._started = true;
    if ((this._config.retentionDays ?? 0) > 0) {
      const prune = (): void => {
        this.prune().catch((err: unknown) =>
          diag.warn(`genai-ops collector: retention pruning failed: ${(err as Error).message}`),
        );
      };
      prune();
      this._retentionTimer = setInterval(prune, RETENTION_INTERVAL_MS);
      this._retentionTimer.unref();
    }
  }

  /**
   * Deletes what is older than `retentionDays` (nothing when it is not set): the traces whose latest
   * span started before `nowMs` minus that many days, their enrichments, and the log records of before
   * then, in one transaction on the writer connection (between group commits). Returns the counts.
   */
  prune(nowMs = Date.now()): Promise<{ spans: number; enrichments: number; logRecords: number }> {
    const days = this._config.retentionDays ?? 0;
    if (days <= 0 || !this._started || this._stopped)
      return Promise.resolve({ spans: 0, enrichments: 0, logRecords: 0 });
    // Span and log times are stored as UTC TIMESTAMP_NS.
    const cutoff = new Date(nowMs - days * 86_400_000).toISOString().replace('Z', '');
    return this._exclusive(async () => {
      const w = this._writer as DuckDBConnection;
      const t0 = performance.now();
      await w.run('BEGIN TRANSACTION');
      try {
        await w.run(
          'CREATE TEMP TABLE expired_traces AS SELECT trace_id FROM spans GROUP BY trace_id HAVING max(start_time) < $1::TIMESTAMP_NS',
          [cutoff],
        );
        const enrichments = await w.run(
          'DELETE FROM enrichments WHERE trace_id IN (SELECT trace_id FROM expired_traces)',
        );
        const spans = await w.run(
          'DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM expired_traces)',
        );
        const logs = await w.run(
          'DELETE FROM log_records WHERE coalesce(time, observed_time) < $1::TIMESTAMP_NS',
          [cutoff],
        );
        await w.run('DROP TABLE expired_traces');
        await w.run('COMMIT');
        const out = {
          spans: Number(spans.rowsChanged),
          enrichments: Number(enrichments.rowsChanged),
          logRecords: Number(logs.rowsChanged),
        };
        if (out.spans + out.logRecords > 0)
          diag.info(
            `genai-ops collector: retention (${days} days) deleted ${out.spans} spans and ${out.logRecords} log records in ${(performance.now() - t0).toFixed(0)} ms`,
          );
        return out;
      } catch (err) {
        await w.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** A connection whose default database is the store's (`USE` is per connection). */
  private async _connect(): Promise<DuckDBConnection> {
    const c = await (this._instance as DuckDBInstance).connect();
    if (this._config.path !== ':memory:') await c.run(`USE ${STORE_CATALOG}`);
    return c;
  }

  /** Flushes pending writes, then closes. Safe twice and before start. */
  async shutdown(): Promise<void> {
    if (this._stopped) return;
    this._stopped = true;
    if (!this._started) return;
    if (this._timer) clearTimeout(this._timer);
    if (this._retentionTimer) clearInterval(this._retentionTimer);
    while (this._flushing || this._pendingRows.length || this._pendingLogs.length || this._pendingSeq) {
      if (this._flushing) await this._flushing;
      else await this._flush();
    }
    await this._writeChain.catch(() => undefined);
    await this._readChain.catch(() => undefined);
    try {
      this._spanAppender?.closeSync();
      this._logAppender?.closeSync();
      this._enrichmentAppender?.closeSync();
      await this._writer?.run('CHECKPOINT');
    } catch (err) {
      diag.warn(`genai-ops collector: DuckDB close: ${(err as Error).message}`);
    }
    this._writer?.closeSync();
    this._reader?.closeSync();
    this._instance?.closeSync();
  }

  /** Resolves once the spans are committed. */
  consumeTraces(batch: SpanBatch): Promise<void> {
    return this._enqueue(batch.spans, []);
  }

  /** Resolves once the log records are committed. */
  consumeLogs(batch: LogBatch): Promise<void> {
    return this._enqueue([], batch.logs);
  }

  /**
   * Stores spans and log records of ingest-log entries up to `ingestSeq`; the sequence number is
   * written in the same transaction as the rows, so a replay after a crash skips what was stored.
   */
  consumeIngest(spans: SpanRecord[], logs: LogRecordRecord[], ingestSeq: number): Promise<void> {
    return this._enqueue(spans, logs, ingestSeq);
  }

  /**
   * `consumeIngest` with the span rows already built (`prepareSpans`, e.g. on another thread): the
   * writer thread then only appends, flushes and commits.
   */
  consumeIngestPrepared(prepared: PreparedSpans, logs: LogRecordRecord[], ingestSeq: number): Promise<void> {
    return this._enqueue(prepared, logs, ingestSeq);
  }

  /** Sequence number of the last ingest-log entry stored (0 when none). */
  async loadedSeq(): Promise<number> {
    const rows = (
      await (this._writer as DuckDBConnection).runAndReadAll(
        'SELECT loaded_seq FROM ingest_state WHERE id = 1',
      )
    ).getRows();
    return Number(rows[0]?.[0] ?? 0);
  }

  private _enqueue(
    spans: SpanRecord[] | PreparedSpans,
    logs: LogRecordRecord[],
    ingestSeq = 0,
  ): Promise<void> {
    if (!this._started || this._stopped) {
      return Promise.reject(new PipelineError('storage is not running', true, 1));
    }
    const prepared = Array.isArray(spans) ? prepareSpans(spans) : spans;
    if (prepared.rows.length === 0 && logs.length === 0 && ingestSeq === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (ingestSeq > this._pendingSeq) this._pendingSeq = ingestSeq;
      for (const r of prepared.rows) this._pendingRows.push(r);
      if (prepared.enrichments.length) {
        for (const e of prepared.enrichments) this._pendingEnrichments.push(e);
        this._pendingBatches++;
      }
      for (const l of logs) this._pendingLogs.push(l);
      this._waiters.push({ resolve, reject });
      this._config.metrics?.storageQueue.set(this._pendingRows.length);
      this._schedule();
    });
  }

  private _schedule(): void {
    if (this._flushing || this._timer) return;
    const due = this._pendingRows.length + this._pendingLogs.length >= this._maxBatch ? 0 : this._interval;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      void this._flush();
    }, due);
  }

  private _flush(): Promise<void> {
    const rows = this._pendingRows;
    // Rows of several batches: the first of an enrichment key wins, as within one batch.
    const enrichments =
      this._pendingBatches > 1 ? dedupeEnrichments(this._pendingEnrichments) : this._pendingEnrichments;
    const logs = this._pendingLogs;
    const waiters = this._waiters;
    const seq = this._pendingSeq;
    this._pendingRows = [];
    this._pendingEnrichments = [];
    this._pendingBatches = 0;
    this._pendingLogs = [];
    this._waiters = [];
    this._pendingSeq = 0;
    const run = this._exclusive(() => this._write(rows, enrichments, logs, seq))
      .then(
        () => {
          this._config.metrics?.spansStored.inc(rows.length);
          for (const w of waiters) w.resolve();
          this._maybeCheckpoint();
        },
        (err: unknown) => {
          this._config.metrics?.errors.inc({ component: 'duckdb' });
          diag.error(`genai-ops collector: DuckDB write failed: ${(err as Error).message}`);
          const e = new PipelineError(`storage write failed: ${(err as Error).message}`, true, 1);
          // The original error (its name: a TypeError from a value) classifies the failure for the loader.
          e.cause = err;
          for (const w of waiters) w.reject(e);
        },
      )
      .finally(() => {
        this._flushing = undefined;
        this._config.metrics?.storageQueue.set(this._pendingRows.length);
        if (this._waiters.length && !this._stopped) this._schedule();
      });
    this._flushing = run;
    return run;
  }

  /**
   * Checkpoints once the WAL has grown past the threshold. A checkpoint of DuckDB's default 16 MiB
   * WAL rewrites the table's partly filled row group and index each time, so a larger WAL costs less
   * per span (see docs/bench/collector.md); and run here through the async API (libuv thread pool)
   * rather than inside `appender.flushSync()`, it no longer blocks the event loop. Commits queue
   * behind it on the write chain; acknowledged data is already durable in the WAL.
   */
  private _maybeCheckpoint(): void {
    if (this._checkpointing || this._config.path === ':memory:') return;
    let walBytes = 0;
    try {
      walBytes = fs.statSync(`${this._config.path}.wal`).size;
    } catch {
      return;
    }
    if (walBytes < this._checkpointBytes) return;
    this._checkpointing = true;
    const t0 = performance.now();
    void this._exclusive(() => (this._writer as DuckDBConnection).run('CHECKPOINT'))
      .then(
        () =>
          diag.debug(
            `genai-ops collector: DuckDB checkpoint of ${(walBytes / 1048576).toFixed(0)} MiB WAL took ${(performance.now() - t0).toFixed(0)} ms`,
          ),
        (err: unknown) =>
          diag.warn(`genai-ops collector: DuckDB checkpoint failed: ${(err as Error).message}`),
      )
      .finally(() => {
        this._checkpointing = false;
      });
  }

  /** Serializes writer-connection work (flushes, reprice updates, checkpoints). */
  private _exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this._writeChain.then(fn, fn);
    this._writeChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Fast path: one transaction appends the spans, their enrichment rows and the log records, records
   * the ingest sequence number, and commits (one WAL fsync). The primary keys make an append with an
   * already-stored span or enrichment fail as a whole (nothing committed): then the slow path runs,
   * which deduplicates (`spans_staging` + `INSERT OR IGNORE`), so retried exports never double count.
   */
  private async _write(
    spans: SpanRow[],
    enrichments: EnrichmentRow[],
    logs: LogRecordRecord[],
    seq: number,
  ): Promise<void> {
    const t0 = performance.now();
    const receivedAt = new DuckDBTimestampValue(BigInt(Date.now()) * 1000n);
    const writer = this._writer as DuckDBConnection;
    let fast = true;
    const fault = this._fault(spans);
    await writer.run('BEGIN TRANSACTION');
    try {
      if (spans.length) {
        const app = this._spanAppender as DuckDBAppender;
        for (const r of spans) appendSpanRow(app, r, receivedAt);
        app.flushSync();
        if (fault) throw fault;
      }
      if (enrichments.length) {
        const app = this._enrichmentAppender as DuckDBAppender;
        for (const r of enrichments) appendEnrichment(app, r, receivedAt);
        app.flushSync();
      }
      if (logs.length) {
        const app = this._logAppender as DuckDBAppender;
        for (const l of logs) appendLog(app, l, receivedAt);
        app.flushSync();
      }
      if (seq)
        await writer.run('UPDATE ingest_state SET loaded_seq = greatest(loaded_seq, $1) WHERE id = 1', [seq]);
      await writer.run('COMMIT');
    } catch {
      fast = false;
      await writer.run('ROLLBACK').catch(() => undefined);
      // An appender is unusable after a failed flush (it keeps the failed rows): replace all three.
      await this._resetAppenders();
    }
    if (!fast) {
      // One transaction too: the log records (no key to dedupe them) and the sequence number commit
      // together, so a crash in between cannot replay the records a second time.
      await writer.run('BEGIN TRANSACTION');
      try {
        if (spans.length) await this._writeSpansSlow(spans, receivedAt);
        if (fault) throw fault;
        if (enrichments.length) await this.addEnrichments(enrichments);
        if (logs.length) {
          const app = this._logAppender as DuckDBAppender;
          for (const l of logs) appendLog(app, l, receivedAt);
          app.flushSync();
        }
        if (seq)
          await writer.run('UPDATE ingest_state SET loaded_seq = greatest(loaded_seq, $1) WHERE id = 1', [
            seq,
          ]);
        await writer.run('COMMIT');
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => undefined);
        await this._resetAppenders();
        throw err;
      }
    }
    if (logs.length) await this._applyLegacyEvents(logs);
    this._config.metrics?.dbWriteLatency.observe((performance.now() - t0) / 1000);
  }

  /** The error a test fault (`DuckDBStoreConfig.faults`) makes this write fail with, if any. */
  private _fault(spans: SpanRow[]): Error | undefined {
    for (const f of this._config.faults ?? []) {
      if (f.times !== undefined && f.times <= 0) continue;
      if (!spans.some((r) => r[SPAN_NAME] === f.spanName)) continue;
      if (f.times !== undefined) f.times--;
      return new Error(f.error);
    }
    return undefined;
  }

  /** Replaces the three appenders (after a failed flush; see `discardAppender`). */
  private async _resetAppenders(): Promise<void> {
    const writer = this._writer as DuckDBConnection;
    for (const a of [this._spanAppender, this._enrichmentAppender, this._logAppender]) discardAppender(a);
    this._spanAppender = await writer.createAppender('spans');
    this._enrichmentAppender = await writer.createAppender('enrichments');
    this._logAppender = await writer.createAppender('log_records');
  }

  /** Spans through `spans_staging` and `INSERT OR IGNORE ... SELECT DISTINCT ON`, in the caller's transaction. */
  private async _writeSpansSlow(spans: SpanRow[], receivedAt: DuckDBTimestampValue): Promise<void> {
    const writer = this._writer as DuckDBConnection;
    await writer.run('DELETE FROM spans_staging');
    const staging = await writer.createAppender('spans_staging');
    try {
      for (const r of spans) appendSpanRow(staging, r, receivedAt);
      staging.flushSync();
    } finally {
      discardAppender(staging);
    }
    await this._moveStaging();
  }

  private async _moveStaging(): Promise<void> {
    const w = this._writer as DuckDBConnection;
    await w.run('INSERT OR IGNORE INTO spans SELECT DISTINCT ON (trace_id, span_id) * FROM spans_staging');
    await w.run('DELETE FROM spans_staging');
  }

  private async _mergeStaging(): Promise<void> {
    const w = this._writer as DuckDBConnection;
    await w.run('BEGIN TRANSACTION');
    try {
      await this._moveStaging();
      await w.run('COMMIT');
    } catch (err) {
      await w.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Adds enrichment rows (guardrail verdicts, judge scores). Existing (trace, span, kind, name) rows
   * are kept, and within one call the first row of a key wins. One statement (one commit) per call:
   * a row-by-row INSERT autocommitted, i.e. fsynced the WAL, once per row, which held the whole
   * collector to ~50 spans/s once the guardrail scan added two rows per span.
   */
  async addEnrichments(rows: EnrichmentRow[]): Promise<void> {
    const seen = new Set<string>();
    const cols: [string[], string[], string[], string[], string[]] = [[], [], [], [], []];
    for (const r of rows) {
      const key = JSON.stringify([r.traceId, r.spanId, r.kind, r.name]);
      if (seen.has(key)) continue;
      seen.add(key);
      cols[0].push(r.traceId);
      cols[1].push(r.spanId);
      cols[2].push(r.kind);
      cols[3].push(r.name);
      cols[4].push(r.value);
    }
    if (!seen.size) return;
    // The five lists unnest side by side (zipped) into one row set.
    await (this._writer as DuckDBConnection).run(
      `INSERT OR IGNORE INTO enrichments (trace_id, span_id, kind, name, value)
       SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), unnest($3::VARCHAR[]), unnest($4::VARCHAR[]), unnest($5::VARCHAR[])`,
      cols.map((c) => listValue(c)),
    );
  }

  /** Best effort: fills empty message columns of stored spans from ≤v1.36 per-message log events. */
  private async _applyLegacyEvents(logs: LogRecordRecord[]): Promise<void> {
    const fold = this._config.foldLegacyEvents;
    if (!fold) return;
    try {
      const folded = fold(logs);
      if (!folded.length) return;
      const w = this._writer as DuckDBConnection;
      const stmt = await w.prepare(`UPDATE spans SET
        system_instructions = coalesce(system_instructions, $3),
        input_messages = coalesce(input_messages, $4),
        output_messages = coalesce(output_messages, $5)
        WHERE trace_id = $1 AND span_id = $2`);
      for (const f of folded) {
        stmt.bind([
          f.traceId,
          f.spanId,
          f.systemInstructions ?? null,
          f.inputMessages ?? null,
          f.outputMessages ?? null,
        ]);
        await stmt.run();
      }
    } catch (err) {
      diag.warn(`genai-ops collector: legacy event folding failed: ${(err as Error).message}`);
    }
  }

  private async _migrate(): Promise<void> {
    const w = this._writer as DuckDBConnection;
    await w.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT current_timestamp)`);
    const done = new Set(
      (await w.runAndReadAll('SELECT version FROM schema_migrations')).getRows().map((r) => Number(r[0])),
    );
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await w.run('BEGIN TRANSACTION');
      try {
        for (const sql of m.sql) await w.run(sql);
        await w.run('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
      }
    }
  }

  /** Runs a read on the reader connection in a READ ONLY transaction, one at a time. */
  private _read<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (!this._started || this._stopped) return Promise.reject(new Error('storage is not running'));
    const c = this._reader as DuckDBConnection;
    const barrier = this._config.readBarrier;
    const run = async (): Promise<T> => {
      if (barrier) await barrier();
      await c.run('BEGIN TRANSACTION READ ONLY');
      try {
        return await fn(c);
      } finally {
        await c.run('ROLLBACK').catch(() => undefined);
      }
    };
    const next = this._readChain.then(run, run);
    this._readChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs one read-only statement (SELECT, WITH, DESCRIBE, SHOW, EXPLAIN, SUMMARIZE, FROM, VALUES).
   * Refused before running: more than one statement, another first keyword, a non-SELECT/EXPLAIN
   * statement type. Then it runs in a READ ONLY transaction that is rolled back, on an instance without
   * file-system access: the checks are layered so one gap does not open writes.
   */
  sql(query: string): Promise<{ columns: string[]; rows: Record<string, unknown>[]; truncated: boolean }> {
    const first = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*\(?\s*([A-Za-z]+)/
      .exec(query)?.[1]
      ?.toLowerCase();
    if (!first || !READ_ONLY_FIRST_WORDS.has(first)) {
      return Promise.reject(
        new QueryRejectedError('only a single SELECT, WITH, DESCRIBE, SHOW or EXPLAIN statement is allowed'),
      );
    }
    return this._read(async (c) => {
      let extracted: Awaited<ReturnType<DuckDBConnection['extractStatements']>>;
      try {
        extracted = await c.extractStatements(query);
      } catch (err) {
        throw new QueryRejectedError((err as Error).message);
      }
      if (extracted.count !== 1) throw new QueryRejectedError('exactly one statement is allowed');
      let prepared: Awaited<ReturnType<typeof extracted.prepare>>;
      try {
        prepared = await extracted.prepare(0);
      } catch (err) {
        throw new QueryRejectedError((err as Error).message);
      }
      if (
        prepared.statementType !== StatementType.SELECT &&
        prepared.statementType !== StatementType.EXPLAIN
      ) {
        throw new QueryRejectedError(
          `statement type ${StatementType[prepared.statementType]} is not allowed`,
        );
      }
      const max = this._config.maxRows ?? 10000;
      const timeoutMs = this._config.queryTimeoutMs ?? 30_000;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        c.interrupt();
      }, timeoutMs);
      let reader: Awaited<ReturnType<typeof prepared.runAndReadUntil>>;
      let rows: Record<string, unknown>[];
      try {
        reader = await prepared.runAndReadUntil(max + 1);
        rows = rowsJson(reader);
      } catch (err) {
        if (timedOut)
          throw new QueryTimeoutError(`the query ran longer than ${timeoutMs} ms and was interrupted`);
        throw err;
      } finally {
        clearTimeout(timer);
      }
      const truncated = rows.length > max;
      // The rows' keys: a name given twice (`SELECT * FROM a JOIN b`) is `name:1` the second time.
      const columns = reader.deduplicatedColumnNames();
      return { columns, rows: truncated ? rows.slice(0, max) : rows, truncated };
    });
  }

  /** Recent traces with service, root name, models, tokens, cost, duration and errors. */
  listTraces(
    opts: { service?: string; since?: string; limit?: number } = {},
  ): Promise<Record<string, unknown>[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.service) {
      params.push(opts.service);
      where.push(`trace_id IN (SELECT trace_id FROM spans WHERE service_name = $${params.length})`);
    }
    if (opts.since) {
      // Traces with a span since then, aggregated over all their spans: filtering the spans themselves
      // left a trace that began before `since` without its root, its earlier calls' tokens and cost.
      params.push(opts.since);
      where.push(`trace_id IN (SELECT trace_id FROM spans WHERE start_time >= $${params.length}::TIMESTAMP)`);
    }
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), 1000);
    const sql = `SELECT trace_id,
        arg_min(service_name, start_time) AS service,
        coalesce(arg_min(name, start_time) FILTER (WHERE parent_span_id = ''), arg_min(name, start_time)) AS root_name,
        list(DISTINCT coalesce(response_model, request_model)) FILTER (WHERE counts_usage AND coalesce(response_model, request_model) IS NOT NULL) AS models,
        count(*) AS span_count,
        coalesce(sum(input_tokens) FILTER (WHERE counts_usage), 0) AS input_tokens,
        coalesce(sum(output_tokens) FILTER (WHERE counts_usage), 0) AS output_tokens,
        sum(cost_usd) FILTER (WHERE counts_usage) AS cost_usd,
        count(*) FILTER (WHERE counts_usage AND cost_usd IS NULL) AS unpriced_calls,
        count(*) FILTER (WHERE status_code = 2) AS errors,
        min(start_time) AS start_time,
        date_diff('microsecond', min(start_time), max(end_time)) / 1000.0 AS duration_ms
      FROM spans ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      GROUP BY trace_id ORDER BY min(start_time) DESC LIMIT ${limit}`;
    return this._read(async (c) => rowsJson(await c.runAndReadAll(sql, params)));
  }

  /** All spans of a trace, oldest first. */
  getTrace(traceId: string): Promise<Record<string, unknown>[]> {
    return this._read(async (c) =>
      rowsJson(
        await c.runAndReadAll('SELECT * FROM spans WHERE trace_id = $1 ORDER BY start_time, span_id', [
          traceId.toLowerCase(),
        ]),
      ),
    );
  }

  /**
   * Recomputes stored costs of usage-counting spans since a time with the given cost processor:
   * rebuilds a minimal SpanRecord from the stored attributes and updates the cost columns.
   */
  reprice(since: string, cost: SpanProcessor): Promise<{ repriced: number; unpriced: number }> {
    return this._exclusive(async () => {
      const w = this._writer as DuckDBConnection;
      const rows = (
        await w.runAndReadAll(
          `SELECT trace_id, span_id, name, kind, CAST(epoch_ns(start_time) AS VARCHAR) AS s, CAST(epoch_ns(end_time) AS VARCHAR) AS e,
             status_code, attributes, resource, normalization_source
           FROM spans WHERE counts_usage AND start_time >= $1::TIMESTAMP`,
          [since],
        )
      ).getRowObjectsJson() as Record<string, unknown>[];
      const records: SpanRecord[] = rows.map((r) => ({
        traceId: String(r.trace_id),
        spanId: String(r.span_id),
        parentSpanId: '',
        name: String(r.name ?? ''),
        kind: Number(r.kind ?? 0),
        startTimeUnixNano: String(r.s ?? '0'),
        endTimeUnixNano: String(r.e ?? '0'),
        statusCode: Number(r.status_code ?? 0),
        statusMessage: '',
        attributes: parseJson(r.attributes),
        events: [],
        links: [],
        resource: parseJson(r.resource),
        scopeName: '',
        scopeVersion: '',
        enrichment: {
          countsUsage: true,
          normalization: { source: String(r.normalization_source ?? 'none'), mapped: [] },
        },
      }));
      const priced = await cost.processSpans(records);
      const stmt = await w.prepare(`UPDATE spans SET cost_usd = $3, cost_input_usd = $4, cost_output_usd = $5,
        price_version = $6, cost_reason = $7 WHERE trace_id = $1 AND span_id = $2`);
      let unpriced = 0;
      await w.run('BEGIN TRANSACTION');
      try {
        for (const s of priced) {
          const c = spanColumns(s);
          if (c.costUsd === null) unpriced++;
          stmt.bind([
            s.traceId,
            s.spanId,
            c.costUsd,
            c.costInputUsd,
            c.costOutputUsd,
            c.priceVersion,
            c.costReason,
          ]);
          await stmt.run();
        }
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return { repriced: priced.length, unpriced };
    });
  }
}

const INTEGER_TYPES = new Set([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/** Row objects as JSON values, with 64/128-bit integers as numbers when they fit exactly (counts, token sums). */
export function rowsJson(reader: DuckDBResultReader): Record<string, unknown>[] {
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const names = reader.deduplicatedColumnNames();
  const big = reader
    .columnTypes()
    .map((t, i) => (INTEGER_TYPES.has(t.typeId) ? names[i] : undefined))
    .filter((n): n is string => n !== undefined);
  if (big.length) {
    for (const r of rows) {
      for (const k of big) {
        const v = r[k];
        if (typeof v === 'string') {
          const n = Number(v);
          if (Number.isSafeInteger(n)) r[k] = n;
        }
      }
    }
  }
  return rows;
}

function parseJson(v: unknown): Attributes {
  if (typeof v === 'string') {
    try {
      const o = JSON.parse(v) as unknown;
      if (o && typeof o === 'object' && !Array.isArray(o)) return o as Attributes;
    } catch {}
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Attributes;
  return {};
}

function vs(app: DuckDBAppender, v: string | null): void {
  if (v === null) app.appendNull();
  else app.appendVarchar(v);
}
function vts(app: DuckDBAppender, ns: string): void {
  const v = nsValue(ns);
  if (v === null) app.appendNull();
  else app.appendTimestampNanoseconds(v);
}

/** Appends one span row (see `SpanRow`), then `received_at`. */
function appendSpanRow(app: DuckDBAppender, row: SpanRow, receivedAt: DuckDBTimestampValue): void {
  for (let i = 0; i < SPAN_ROW_TYPES.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) {
      app.appendNull();
      continue;
    }
    switch (SPAN_ROW_TYPES.charCodeAt(i)) {
      case 118: // v
        app.appendVarchar(v as string);
        break;
      case 105: // i
        app.appendInteger(v as number);
        break;
      case 98: // b
        app.appendBigInt(BigInt(v as number));
        break;
      case 100: // d
        app.appendDouble(v as number);
        break;
      case 116: // t
        app.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(v as bigint));
        break;
      default: // o
        app.appendBoolean(v as boolean);
    }
  }
  app.appendTimestamp(receivedAt);
  app.endRow();
}

function appendLog(app: DuckDBAppender, l: LogRecordRecord, receivedAt: DuckDBTimestampValue): void {
  vts(app, l.timeUnixNano);
  vts(app, l.observedTimeUnixNano);
  app.appendVarchar(l.traceId);
  app.appendVarchar(l.spanId);
  const severity = int32(l.severityNumber);
  if (severity === null) app.appendNull();
  else app.appendInteger(severity);
  app.appendVarchar(l.severityText);
  app.appendVarchar(l.eventName);
  app.appendVarchar(wellFormedJson(JSON.stringify(l.body ?? null)));
  app.appendVarchar(wellFormedJson(JSON.stringify(l.attributes)));
  app.appendVarchar(wellFormedJson(JSON.stringify(l.resource)));
  const svc = l.resource[ATTR_SERVICE_NAME];
  vs(app, typeof svc === 'string' ? svc : null);
  app.appendVarchar(l.scopeName);
  app.appendTimestamp(receivedAt);
  app.endRow();
}

function appendEnrichment(app: DuckDBAppender, r: EnrichmentRow, receivedAt: DuckDBTimestampValue): void {
  app.appendVarchar(r.traceId);
  app.appendVarchar(r.spanId);
  app.appendVarchar(r.kind);
  app.appendVarchar(r.name);
  app.appendVarchar(r.value);
  app.appendTimestamp(receivedAt);
  app.endRow();
}
