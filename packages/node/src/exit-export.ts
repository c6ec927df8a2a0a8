/**
 * Spans that would die with the process. The register entry flushes on `beforeExit` and on SIGTERM/SIGINT,
 * but a process that ends through `process.exit()` (CLI tools, batch jobs, test runners) or an uncaught
 * exception never gets there: its `exit` listeners run synchronously and the process ends right after, so
 * whatever the BatchSpanProcessor still holds, and the batch its exporter is sending, were lost; the span
 * of the call that failed last, the one a crash report needs, among them.
 *
 * So the register entry builds its OTLP/HTTP trace pipeline itself (the same exporter and batch processor
 * NodeSDK would build from the same OTEL_* variables) and, on `exit`, sends the spans still pending
 * synchronously: serialized here with the exporter's own serializer, posted by a short-lived child process
 * (`spawnSync`, the only way to wait for a request inside an `exit` listener), bounded by the flush
 * timeout. Nothing runs per span; at a normal exit the SDK has shut down first and nothing is pending.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, getStringFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resources } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';

/** The OTLP/HTTP trace protocols this module builds a pipeline for (gRPC stays NodeSDK's). */
export type HttpTraceProtocol = 'http/json' | 'http/protobuf';

/**
 * The trace protocol the environment asks for, when the register entry can build its pipeline: traces
 * exported by OTLP alone (`OTEL_TRACES_EXPORTER` unset or `otlp`) over HTTP. Anything else (gRPC, zipkin,
 * console, several exporters, `none`) is left to NodeSDK, without the exit export.
 */
export function httpTraceProtocolFromEnv(): HttpTraceProtocol | undefined {
  const exporters = (getStringFromEnv('OTEL_TRACES_EXPORTER') ?? 'otlp')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'null');
  if (exporters.length > 1 || (exporters.length === 1 && exporters[0] !== 'otlp')) return undefined;
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  return protocol === 'http/json' || protocol === 'http/protobuf' ? protocol : undefined;
}

/** Where and how the exporter sends: resolved once at start (the exporter's headers come from a promise). */
interface Destination {
  url: string;
  headers: Record<string, string>;
  gzip: boolean;
}

/**
 * Posts stdin to `U` with the headers `H` (JSON) within `T` ms. Exit code 0: accepted; 2: refused (HTTP
 * status on stderr); 3: not sent (the error on stderr). node:http rather than fetch: loading undici took
 * the sender ≈ 0.1 s longer to start.
 */
const SENDER = `
const parts = [];
process.stdin.on('data', (c) => parts.push(c));
process.stdin.on('end', () => {
  const url = new URL(process.env.U);
  const body = Buffer.concat(parts);
  const headers = { ...JSON.parse(process.env.H), 'Content-Length': String(body.length) };
  const fail = (code, text) => { process.stderr.write(text); process.exitCode = code; };
  const req = require(url.protocol === 'https:' ? 'node:https' : 'node:http').request(
    url, { method: 'POST', headers, timeout: Number(process.env.T) },
    (res) => { res.resume(); res.on('end', () => { if (res.statusCode >= 300) fail(2, 'HTTP ' + res.statusCode); }); },
  );
  req.on('timeout', () => req.destroy(new Error('timed out')));
  req.on('error', (e) => fail(3, String(e.code || e.message)));
  req.end(body);
});`;

/** What the exit export did, for the diagnostic line and the tests. */
export interface ExitExportOutcome {
  spans: number;
  sent: boolean;
  detail?: string;
}

/**
 * The trace pipeline of the register entry: `processor` goes to NodeSDK as its only span processor.
 * `exportPending()` is what the `exit` listener runs.
 */
export class ExitSafeTraces {
  readonly processor: BatchSpanProcessor;
  private readonly _protocol: HttpTraceProtocol;
  /** Batches handed to the exporter whose export has not called back yet. */
  private readonly _inFlight = new Set<ReadableSpan[]>();
  private _destination: Destination | undefined;
  private _disabled = false;

  /** `exporter`: the OTLP exporter of `protocol` configured from the environment (tests pass their own). */
  constructor(protocol: HttpTraceProtocol, exporter: SpanExporter = otlpTraceExporter(protocol)) {
    this._protocol = protocol;
    const inFlight = this._inFlight;
    const tracking: SpanExporter = {
      export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        inFlight.add(spans);
        try {
          exporter.export(spans, (result) => {
            inFlight.delete(spans);
            done(result);
          });
        } catch (error) {
          inFlight.delete(spans);
          done({ code: ExportResultCode.FAILED, error: error as Error });
        }
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
    // As NodeSDK's createBatchSpanProcessorFromEnv: the OTEL_BSP_* variables (read by the processor).
    this.processor = new BatchSpanProcessor({
      exporter: tracking,
      maxQueueSize: nonNegative('OTEL_BSP_MAX_QUEUE_SIZE'),
      scheduledDelayMillis: nonNegative('OTEL_BSP_SCHEDULE_DELAY'),
      exportTimeoutMillis: nonNegative('OTEL_BSP_EXPORT_TIMEOUT'),
      maxExportBatchSize: nonNegative('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    });
    this._resolveDestination();
  }

  /** The spans ended and not yet exported: those queued in the processor, then those being sent. */
  pending(): ReadableSpan[] {
    // The processor's queue is not public API; `_finishedSpans` is what @opentelemetry/sdk-trace 2.x keeps
    // (a test pins it). Without it only the batches in flight are known.
    const queued = (this.processor as unknown as { _finishedSpans?: unknown })._finishedSpans;
    const out: ReadableSpan[] = [];
    for (const batch of this._inFlight) out.push(...batch);
    if (Array.isArray(queued)) out.push(...(queued as ReadableSpan[]));
    return out;
  }

  /** After this, `exportPending()` does nothing (the normal shutdown gave up on an unreachable endpoint). */
  disable(): void {
    this._disabled = true;
  }

  /**
   * Sends the pending spans synchronously, within `timeoutMs`; never throws. Spans of a batch the exporter
   * was sending may reach the backend twice (its request may have arrived before the process ended).
   */
  exportPending(timeoutMs: number): ExitExportOutcome {
    const spans = this._disabled ? [] : this.pending();
    if (spans.length === 0) return { spans: 0, sent: false };
    this._disabled = true;
    const destination = this._destination;
    if (destination === undefined)
      return { spans: spans.length, sent: false, detail: 'exporter configuration not resolved' };
    try {
      const serializer = this._protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer;
      let body = serializer.serializeRequest(withSettledResources(spans));
      if (body === undefined) return { spans: spans.length, sent: false, detail: 'serialization failed' };
      const headers = { ...destination.headers };
      if (destination.gzip) {
        body = gzipSync(body);
        headers['Content-Encoding'] = 'gzip';
      }
      const child = spawnSync(process.execPath, ['-e', SENDER], {
        input: body,
        // A clean environment: no NODE_OPTIONS, so the sender does not load the register entry itself.
        env: { U: destination.url, H: JSON.stringify(headers), T: String(timeoutMs) },
        timeout: timeoutMs + 1000,
        stdio: ['pipe', 'ignore', 'pipe'],
        windowsHide: true,
      });
      const stderr = child.stderr?.toString().trim();
      if (child.status === 0) return { spans: spans.length, sent: true };
      return {
        spans: spans.length,
        sent: false,
        detail: child.error?.message ?? (stderr || `sender ended with ${child.status ?? child.signal}`),
      };
    } catch (error) {
      return { spans: spans.length, sent: false, detail: (error as Error)?.message ?? String(error) };
    }
  }

  private _resolveDestination(): void {
    try {
      const contentType = this._protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      // The exporters' own resolution of OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,HEADERS,COMPRESSION}.
      const config = convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': contentType });
      config
        .headers()
        .then((headers) => {
          this._destination = { url: config.url, headers, gzip: config.compression === 'gzip' };
        })
        .catch((error: unknown) => diag.debug('genai-ops: exit export has no exporter headers', error));
    } catch (error) {
      diag.debug('genai-ops: exit export has no exporter configuration', error);
    }
  }
}

type Resource = ReadableSpan['resource'];

/**
 * The spans with a resource whose asynchronous attributes (the host detector's `host.id`, read from a
 * file) have not settled get a copy of it holding the attributes that have: nothing can be awaited at
 * exit, and reading the pending resource's attributes logs an error. Only a process ending within
 * milliseconds of its start meets one.
 */
export function withSettledResources(spans: ReadableSpan[]): ReadableSpan[] {
  const copies = new Map<Resource, Resource>();
  return spans.map((span) => {
    const resource = span.resource;
    if (!resource?.asyncAttributesPending) return span;
    let copy = copies.get(resource);
    if (copy === undefined) {
      const attributes: Record<string, unknown> = {};
      for (const [key, value] of resource.getRawAttributes()) {
        // The first value of a key wins, as in the resource's own `attributes`.
        const pending = typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
        if (!pending && value != null && !(key in attributes)) attributes[key] = value;
      }
      copy = resources.resourceFromAttributes(attributes as never, { schemaUrl: resource.schemaUrl });
      copies.set(resource, copy);
    }
    return Object.create(span, { resource: { value: copy } }) as ReadableSpan;
  });
}

function otlpTraceExporter(protocol: HttpTraceProtocol): SpanExporter {
  return protocol === 'http/json' ? new OTLPTraceExporterJson() : new OTLPTraceExporterProto();
}

function nonNegative(name: string): number | undefined {
  const raw = getStringFromEnv(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Sends what `traces` still holds when the process exits (an `exit` listener: `process.exit()`, an
 * uncaught exception, the end of the event loop after the SDK shut down, when nothing is left). One line
 * on stderr through the diag logger says what happened when spans were pending. Returns the uninstaller.
 */
export function installExitExport(traces: ExitSafeTraces, timeoutMs: number): () => void {
  const onExit = (): void => {
    try {
      const outcome = traces.exportPending(timeoutMs);
      if (outcome.spans === 0) return;
      if (outcome.sent) diag.debug(`genai-ops: sent ${outcome.spans} pending span(s) at process exit`);
      else
        diag.warn(
          `genai-ops: ${outcome.spans} span(s) pending at process exit could not be sent: ${outcome.detail}`,
        );
    } catch {
      // Nothing may escape an exit listener.
    }
  };
  process.on('exit', onExit);
  return () => process.removeListener('exit', onExit);
}
