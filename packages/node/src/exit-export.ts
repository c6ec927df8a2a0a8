/**
 * Telemetry that would die with the process. The register entry flushes on `beforeExit` and on
 * SIGTERM/SIGINT, but a process that ends through `process.exit()` (CLI tools, batch jobs, test runners)
 * or an uncaught exception never gets there: its `exit` listeners run synchronously and the process ends
 * right after, so whatever the batch processors still held, the batches their exporters were sending, and
 * the GenAI histograms recorded since the last metric export were lost; the span of the call that failed
 * last, the one a crash report needs, among them.
 *
 * So the register entry builds its OTLP/HTTP trace and log pipelines itself (the exporters and batch
 * processors NodeSDK would build from the same OTEL_* variables, from sdk-node's own copies), and its `exit`
 * listener sends what is still pending synchronously: spans and log records serialized with the exporters'
 * own serializers, and the GenAI histograms not yet exported (the in-process aggregator can be read
 * synchronously), posted by one short-lived child process (`spawnSync`, the only way to wait for a request
 * inside an `exit` listener), bounded by the flush timeout. Nothing runs per span or per call; at a normal
 * exit the SDK has shut down first and nothing is pending.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import type { GenAIMetricProducer } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import {
  type ExportResult,
  ExportResultCode,
  getNumberFromEnv,
  getStringFromEnv,
  parseKeyPairsIntoRecord,
} from '@opentelemetry/core';
import type * as TraceExporterJson from '@opentelemetry/exporter-trace-otlp-http';
import type * as TraceExporterProto from '@opentelemetry/exporter-trace-otlp-proto';
import type * as OtlpNodeHttp from '@opentelemetry/otlp-exporter-base/node-http';
import type * as Transformer from '@opentelemetry/otlp-transformer';
import type * as SdkLogs from '@opentelemetry/sdk-logs';
import type { BatchLogRecordProcessor, LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type { BatchSpanProcessor, ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { requireFromSdkNode, sdkNode } from './sdk-node.js';

// The copies sdk-node loads (see requireFromSdkNode), required when first used.
const EXPORTER_JSON = '@opentelemetry/exporter-trace-otlp-http';
const EXPORTER_PROTO = '@opentelemetry/exporter-trace-otlp-proto';
const sdkTrace = (): typeof SdkTrace => requireFromSdkNode('@opentelemetry/sdk-trace');
const nodeHttp = (): typeof OtlpNodeHttp => requireFromSdkNode('@opentelemetry/otlp-exporter-base/node-http');
const LOG_EXPORTER_JSON = '@opentelemetry/exporter-logs-otlp-http';
const LOG_EXPORTER_PROTO = '@opentelemetry/exporter-logs-otlp-proto';
const sdkLogs = (): typeof SdkLogs => requireFromSdkNode('@opentelemetry/sdk-logs');
/** The transformer of the trace (or log) exporter of `protocol` (its own dependency). */
function transformer(protocol: HttpProtocol, signal: 'traces' | 'logs' = 'traces'): typeof Transformer {
  const json = protocol === 'http/json';
  const via =
    signal === 'logs'
      ? json
        ? LOG_EXPORTER_JSON
        : LOG_EXPORTER_PROTO
      : json
        ? EXPORTER_JSON
        : EXPORTER_PROTO;
  return requireFromSdkNode('@opentelemetry/otlp-transformer', via);
}

/** The OTLP/HTTP protocols the exit export speaks (gRPC stays NodeSDK's). */
export type HttpProtocol = 'http/json' | 'http/protobuf';

type Resource = ReadableSpan['resource'];

/**
 * The protocol the environment asks for `signal` when the register entry can build its pipeline: exported
 * by OTLP alone (`OTEL_TRACES_EXPORTER` / `OTEL_LOGS_EXPORTER` unset or `otlp`) over HTTP. Anything else
 * (gRPC, zipkin, console, several exporters, `none`, or the SDK's experimental self-metrics, which NodeSDK
 * wires into its processors from a meter provider made after ours) is left to NodeSDK, without the exit
 * export.
 */
function httpProtocolFromEnv(signal: 'TRACES' | 'LOGS'): HttpProtocol | undefined {
  if (getStringFromEnv('OTEL_NODE_EXPERIMENTAL_SDK_METRICS')?.toLowerCase() === 'true') return undefined;
  const exporters = (getStringFromEnv(`OTEL_${signal}_EXPORTER`) ?? 'otlp')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'null');
  if (exporters.length > 1 || (exporters.length === 1 && exporters[0] !== 'otlp')) return undefined;
  const protocol = otlpProtocolSetting(signal);
  return protocol === 'http/json' || protocol === 'http/protobuf' ? protocol : undefined;
}

/** OTEL_EXPORTER_OTLP_<signal>_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else `http/protobuf`, as set. */
export function otlpProtocolSetting(signal: 'TRACES' | 'METRICS' | 'LOGS'): string {
  return (
    (
      getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ??
      getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL')
    )?.trim() || 'http/protobuf'
  );
}

/** The trace protocol, when the register entry builds the trace pipeline (see httpProtocolFromEnv). */
export function httpTraceProtocolFromEnv(): HttpProtocol | undefined {
  return httpProtocolFromEnv('TRACES');
}

/** The log protocol, when the register entry builds the log pipeline (content events). */
export function httpLogProtocolFromEnv(): HttpProtocol | undefined {
  return httpProtocolFromEnv('LOGS');
}

/** One request the exit listener makes. */
interface ExitRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** What it carries, for the diagnostic line: "3 span(s)". */
  what: string;
}

/**
 * Where and how an OTLP/HTTP exporter of `signal` sends, as the exporters resolve it from
 * OTEL_EXPORTER_OTLP_[signal_]{ENDPOINT,HEADERS,COMPRESSION}. The headers come from a promise, so this is
 * resolved at start, long before any exit.
 */
class Destination {
  private _resolved: { url: string; headers: Record<string, string>; gzip: boolean } | undefined;
  /** Until the exporter's headers resolve: the same from the environment, read synchronously. */
  private _early: { url: string; headers: Record<string, string>; gzip: boolean } | undefined;

  constructor(signal: 'TRACES' | 'METRICS' | 'LOGS', protocol: HttpProtocol) {
    try {
      const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      const path = `v1/${signal.toLowerCase()}`;
      const config = nodeHttp().convertLegacyHttpOptions({}, signal, path, { 'Content-Type': contentType });
      const gzip = config.compression === 'gzip';
      // As the exporters merge them: the signal's headers over the shared ones, the content type over both.
      this._early = {
        url: config.url,
        headers: {
          ...parseKeyPairsIntoRecord(getStringFromEnv('OTEL_EXPORTER_OTLP_HEADERS')),
          ...parseKeyPairsIntoRecord(getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_HEADERS`)),
          'Content-Type': contentType,
        },
        gzip,
      };
      config
        .headers()
        .then((headers) => {
          this._resolved = { url: config.url, headers, gzip };
        })
        .catch((error: unknown) => diag.debug('genai-ops: exit export has no exporter headers', error));
    } catch (error) {
      diag.debug('genai-ops: exit export has no exporter configuration', error);
    }
  }

  /**
   * The request of `body` (gzipped when the exporter would). The exporter's own headers once they have
   * resolved (a few microtasks after start), the environment's before: an app may exit in its first turn.
   */
  request(body: Uint8Array, what: string): ExitRequest | undefined {
    const d = this._resolved ?? this._early;
    if (d === undefined) return undefined;
    const headers = { ...d.headers };
    if (!d.gzip) return { url: d.url, headers, body, what };
    headers['Content-Encoding'] = 'gzip';
    return { url: d.url, headers, body: gzipSync(body), what };
  }
}

/** The OTEL_BSP_* / OTEL_BLRP_* settings of a batch processor, read as NodeSDK reads them. */
function batchSettingsFromEnv(prefix: 'OTEL_BSP' | 'OTEL_BLRP') {
  return {
    maxQueueSize: nonNegative(`${prefix}_MAX_QUEUE_SIZE`),
    scheduledDelayMillis: nonNegative(`${prefix}_SCHEDULE_DELAY`),
    exportTimeoutMillis: nonNegative(`${prefix}_EXPORT_TIMEOUT`),
    maxExportBatchSize: nonNegative(`${prefix}_MAX_EXPORT_BATCH_SIZE`),
  };
}

/**
 * One signal's batch pipeline built by the register entry (`processor` goes to NodeSDK), and what it still
 * holds at exit: the batches handed to the exporter that have not called back, then the processor's queue.
 * That queue is not public API: `queueField` names the array the SDK 2.x processor keeps (tests pin it);
 * without it only the batches in flight are known. A batch being sent when the process ends may reach the
 * backend twice (its request may have arrived).
 */
abstract class PendingBatches<T extends { resource: Resource }, P> {
  readonly processor: P;
  /** Batches handed to the exporter whose export has not called back yet. */
  private readonly _inFlight = new Set<T[]>();
  private readonly _destination: Destination;

  constructor(
    protected readonly _protocol: HttpProtocol,
    signal: 'TRACES' | 'LOGS',
    exporter: BatchExporter<T>,
    private readonly _queueField: string,
    makeProcessor: (exporter: BatchExporter<T>) => P,
  ) {
    this._destination = new Destination(signal, _protocol);
    this.processor = makeProcessor(tracking(exporter, this._inFlight));
  }

  /** What was ended (emitted) and not yet exported. */
  pending(): T[] {
    return pendingOf(this._inFlight, (this.processor as Record<string, unknown>)[this._queueField]);
  }

  /** The request of `items` (resources settled), as `noun`s for the diagnostic line. */
  protected _request(
    items: T[],
    serializer: { serializeRequest(items: T[]): Uint8Array | undefined },
    noun: string,
  ): ExitRequest | undefined {
    if (items.length === 0) return undefined;
    const body = serializer.serializeRequest(withSettledResources(items));
    return body === undefined ? undefined : this._destination.request(body, `${items.length} ${noun}`);
  }
}

/** The trace pipeline of the register entry; at exit, `request()` holds the spans still pending. */
export class ExitSafeTraces extends PendingBatches<ReadableSpan, BatchSpanProcessor> {
  /** `exporter`: the OTLP exporter of `protocol` configured from the environment (tests pass their own). */
  constructor(protocol: HttpProtocol, exporter: SpanExporter = otlpTraceExporter(protocol)) {
    // As NodeSDK's createBatchSpanProcessorFromEnv.
    super(protocol, 'TRACES', exporter, '_finishedSpans', (tracked) => {
      return new (sdkTrace().BatchSpanProcessor)({
        exporter: tracked as SpanExporter,
        ...batchSettingsFromEnv('OTEL_BSP'),
      });
    });
  }

  /** The request of the pending spans, if any; `count` gets their number even when no request can be made. */
  request(count: { spans: number }): ExitRequest | undefined {
    const spans = this.pending();
    count.spans = spans.length;
    const t = transformer(this._protocol);
    return this._request(
      spans,
      this._protocol === 'http/json' ? t.JsonTraceSerializer : t.ProtobufTraceSerializer,
      'span(s)',
    );
  }
}

/**
 * The log pipeline of the register entry (the content events of `EVENT_ONLY` / `SPAN_AND_EVENT`); at exit,
 * `request()` holds the records still pending.
 */
export class ExitSafeLogs extends PendingBatches<ReadableLogRecord, BatchLogRecordProcessor> {
  /** `exporter`: the OTLP log exporter of `protocol` configured from the environment (tests pass their own). */
  constructor(protocol: HttpProtocol, exporter: LogRecordExporter = otlpLogExporter(protocol)) {
    // As NodeSDK's getBatchLogRecordProcessorFromEnv.
    super(protocol, 'LOGS', exporter, '_finishedLogRecords', (tracked) => {
      return new (sdkLogs().BatchLogRecordProcessor)({
        exporter: tracked as LogRecordExporter,
        ...batchSettingsFromEnv('OTEL_BLRP'),
      });
    });
  }

  /** The request of the pending records, if any. */
  request(): ExitRequest | undefined {
    const t = transformer(this._protocol, 'logs');
    return this._request(
      this.pending(),
      this._protocol === 'http/json' ? t.JsonLogsSerializer : t.ProtobufLogsSerializer,
      'log record(s)',
    );
  }
}

/**
 * The GenAI histograms of one OTLP/HTTP metric reader: at exit, `request()` holds what its producer has
 * recorded since the reader's last export (in the reader's temporality: a delta producer hands out only
 * that, a cumulative one its totals).
 */
export class ExitSafeMetrics {
  private readonly _destination: Destination;

  constructor(
    private readonly _producer: GenAIMetricProducer,
    private readonly _protocol: HttpProtocol,
  ) {
    this._destination = new Destination('METRICS', _protocol);
  }

  /** The request, when something was recorded since the last export and the resource is known. */
  request(resource: Resource | undefined): ExitRequest | undefined {
    if (resource === undefined || !this._producer.hasUncollected()) return undefined;
    const scopeMetrics = this._producer.collectNow();
    const points = scopeMetrics.reduce(
      (n, s) => n + s.metrics.reduce((m, metric) => m + metric.dataPoints.length, 0),
      0,
    );
    if (points === 0) return undefined;
    const t = transformer(this._protocol);
    const serializer = this._protocol === 'http/json' ? t.JsonMetricsSerializer : t.ProtobufMetricsSerializer;
    const body = serializer.serializeRequest({
      resource: settledResource(resource),
      scopeMetrics: scopeMetrics as never,
    });
    return body === undefined ? undefined : this._destination.request(body, `${points} metric point(s)`);
  }
}

/**
 * Posts each request of the JSON array on stdin (`url`, `headers`, base64 `body`) within `T` ms; one stderr
 * line per failure (`<index> <reason>`), exit code 1 if any. node:http rather than fetch: loading undici
 * took the sender ≈ 0.1 s longer to start.
 */
const SENDER = `
const parts = [];
process.stdin.on('data', (c) => parts.push(c));
process.stdin.on('end', () => {
  const requests = JSON.parse(Buffer.concat(parts).toString());
  const fail = (i, text) => { process.stderr.write(i + ' ' + text + '\\n'); process.exitCode = 1; };
  requests.forEach((r, i) => {
    const url = new URL(r.url);
    const body = Buffer.from(r.body, 'base64');
    const headers = { ...r.headers, 'Content-Length': String(body.length) };
    const req = require(url.protocol === 'https:' ? 'node:https' : 'node:http').request(
      url, { method: 'POST', headers, timeout: Number(process.env.T) },
      (res) => { res.resume(); res.on('end', () => { if (res.statusCode >= 300) fail(i, 'HTTP ' + res.statusCode); }); },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => fail(i, String(e.code || e.message)));
    req.end(body);
  });
});`;

/**
 * Makes `requests` from a child process and waits for it, within `timeoutMs` (plus its start). Returns the
 * failure of each request (undefined: sent). Never throws.
 */
export function sendSync(requests: ExitRequest[], timeoutMs: number): Array<string | undefined> {
  try {
    const input = JSON.stringify(
      requests.map((r) => ({ url: r.url, headers: r.headers, body: Buffer.from(r.body).toString('base64') })),
    );
    const child = spawnSync(process.execPath, ['-e', SENDER], {
      input,
      // A clean environment: no NODE_OPTIONS, so the sender does not load the register entry itself
      // (ELECTRON_RUN_AS_NODE: in an Electron app, execPath is Electron, which then runs as plain Node).
      env: { T: String(timeoutMs), ELECTRON_RUN_AS_NODE: '1' },
      timeout: timeoutMs + 1000,
      stdio: ['pipe', 'ignore', 'pipe'],
      windowsHide: true,
    });
    if (child.error !== undefined || (child.status !== 0 && child.status !== 1)) {
      const reason = child.error?.message ?? `sender ended with ${child.status ?? child.signal}`;
      return requests.map(() => reason);
    }
    const failures = requests.map((): string | undefined => undefined);
    for (const line of (child.stderr?.toString() ?? '').split('\n')) {
      const m = /^(\d+) (.*)$/.exec(line.trim());
      if (m) failures[Number(m[1])] = m[2];
    }
    return failures;
  } catch (error) {
    return requests.map(() => (error as Error)?.message ?? String(error));
  }
}

/** What the exit listener sends from. */
export interface ExitSources {
  traces?: ExitSafeTraces;
  logs?: ExitSafeLogs;
  metrics: ExitSafeMetrics[];
  /** The SDK's resource, for the metrics (spans carry their own). */
  resource(): Resource | undefined;
}

/** The exit export, installed: `disable()` when the exit flush gave up on the endpoint; `uninstall()`. */
export interface ExitExport {
  disable(): void;
  uninstall(): void;
}

/**
 * Sends what is still pending when the process exits (an `exit` listener: `process.exit()`, an uncaught
 * exception, an unhandled rejection; after a normal exit the SDK has shut down and nothing is pending).
 * Failures are one line through the diag logger (folded into its single export-failure line).
 */
export function installExitExport(sources: ExitSources, timeoutMs: number): ExitExport {
  let disabled = false;
  const onExit = (): void => {
    if (disabled) return;
    disabled = true;
    try {
      const count = { spans: 0 };
      const requests: ExitRequest[] = [];
      const spans = sources.traces?.request(count);
      if (spans) requests.push(spans);
      const logRecords = sources.logs?.request();
      if (logRecords) requests.push(logRecords);
      const resource = sources.metrics.length > 0 ? sources.resource() : undefined;
      for (const m of sources.metrics) {
        const r = m.request(resource);
        if (r) requests.push(r);
      }
      if (requests.length === 0) {
        if (count.spans > 0)
          diag.warn(`genai-ops: ${count.spans} span(s) pending at process exit could not be sent`);
        return;
      }
      const failures = sendSync(requests, timeoutMs);
      requests.forEach((r, i) => {
        if (failures[i] === undefined) diag.debug(`genai-ops: sent ${r.what} pending at process exit`);
        else diag.warn(`genai-ops: ${r.what} pending at process exit could not be sent: ${failures[i]}`);
      });
    } catch {
      // Nothing may escape an exit listener.
    }
  };
  process.on('exit', onExit);
  return {
    disable: () => {
      disabled = true;
    },
    uninstall: () => process.removeListener('exit', onExit),
  };
}

/**
 * A resource whose asynchronous attributes (the host detector's `host.id`, read from a file) have not
 * settled, as a copy holding the attributes that have: nothing can be awaited at exit, and reading the
 * pending resource's attributes logs an error. Only a process ending within milliseconds of its start
 * meets one. A settled resource is returned as it is.
 */
export function settledResource(resource: Resource): Resource {
  if (!resource?.asyncAttributesPending) return resource;
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of resource.getRawAttributes()) {
    // The first value of a key wins, as in the resource's own `attributes`.
    const pending = typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
    if (!pending && value != null && !(key in attributes)) attributes[key] = value;
  }
  return sdkNode.resources.resourceFromAttributes(attributes as never, { schemaUrl: resource.schemaUrl });
}

/** The spans (or log records), those with an unsettled resource given a settled copy of it (one per resource). */
export function withSettledResources<T extends { resource: Resource }>(items: T[]): T[] {
  const copies = new Map<Resource, Resource>();
  return items.map((item) => {
    const resource = item.resource;
    if (!resource?.asyncAttributesPending) return item;
    let copy = copies.get(resource);
    if (copy === undefined) {
      copy = settledResource(resource);
      copies.set(resource, copy);
    }
    return Object.create(item, { resource: { value: copy } }) as T;
  });
}

/** What the trace and log exporters have in common. */
interface BatchExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** An exporter that keeps each batch in `inFlight` until `exporter` calls back for it. */
function tracking<T>(
  exporter: BatchExporter<T>,
  inFlight: Set<T[]>,
): BatchExporter<T> & { forceFlush(): Promise<void> } {
  return {
    export(items: T[], done: (result: ExportResult) => void): void {
      inFlight.add(items);
      try {
        exporter.export(items, (result) => {
          inFlight.delete(items);
          done(result);
        });
      } catch (error) {
        inFlight.delete(items);
        done({ code: ExportResultCode.FAILED, error: error as Error });
      }
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The batches in flight, then the processor's queue (when it is the array the SDK keeps). */
function pendingOf<T>(inFlight: Set<T[]>, queued: unknown): T[] {
  const out: T[] = [];
  for (const batch of inFlight) out.push(...batch);
  if (Array.isArray(queued)) out.push(...(queued as T[]));
  return out;
}

function otlpLogExporter(protocol: HttpProtocol): LogRecordExporter {
  const id = protocol === 'http/json' ? LOG_EXPORTER_JSON : LOG_EXPORTER_PROTO;
  return new (requireFromSdkNode<{ OTLPLogExporter: new () => LogRecordExporter }>(id).OTLPLogExporter)();
}

function otlpTraceExporter(protocol: HttpProtocol): SpanExporter {
  if (protocol === 'http/json')
    return new (requireFromSdkNode<typeof TraceExporterJson>(EXPORTER_JSON).OTLPTraceExporter)();
  return new (requireFromSdkNode<typeof TraceExporterProto>(EXPORTER_PROTO).OTLPTraceExporter)();
}

/** As NodeSDK reads the OTEL_BSP_* / OTEL_BLRP_* numbers: a value of 0 or less is warned about and ignored. */
function nonNegative(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value !== undefined && value <= 0) {
    diag.warn(`${name} (${value}) is invalid, expected number greater than 0, using default.`);
    return undefined;
  }
  return value;
}
