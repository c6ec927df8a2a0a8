/**
 * Test helper: a local OTLP/HTTP receiver (JSON encoding) that records what real OpenTelemetry exporters
 * send, flattened for assertions. Child processes under test export to it with
 * OTEL_EXPORTER_OTLP_ENDPOINT=<url> and OTEL_EXPORTER_OTLP_PROTOCOL=http/json.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

export interface CapturedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: number; message?: string };
  attributes: Record<string, Value>;
  events: Array<{ name: string; attributes: Record<string, Value> }>;
  resource: Record<string, Value>;
  scope: string;
}

export interface CapturedMetricPoint {
  name: string;
  unit: string;
  attributes: Record<string, Value>;
  /** Instrumentation scope name. */
  scope?: string;
  /** Attributes of the resource it was exported with. */
  resource?: Record<string, Value>;
  /** OTLP AggregationTemporality of histograms and sums: 1 delta, 2 cumulative. */
  temporality?: number;
  /** For histograms. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  /** For sums and gauges. */
  value?: number;
}

export interface CapturedLog {
  eventName: string;
  traceId: string;
  spanId: string;
  severityNumber: number;
  body: Value;
  attributes: Record<string, Value>;
}

/** Decodes an OTLP JSON AnyValue. */
export function decodeAnyValue(v: any): Value {
  if (v == null) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return (v.arrayValue?.values ?? []).map(decodeAnyValue);
  if ('kvlistValue' in v) return decodeAttributes(v.kvlistValue?.values ?? []);
  if ('bytesValue' in v) return String(v.bytesValue);
  return null;
}

export function decodeAttributes(list: any[] | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const kv of list ?? []) out[kv.key] = decodeAnyValue(kv.value);
  return out;
}

export class OtlpCapture {
  readonly spans: CapturedSpan[] = [];
  readonly metrics: CapturedMetricPoint[] = [];
  readonly logs: CapturedLog[] = [];
  /** Raw request count per path. */
  readonly requests: Record<string, number> = {};
  private _server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this._server = createServer((req, res) => {
      void this._handle(req).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        (err: unknown) => {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(err) }));
        },
      );
    });
    await new Promise<void>((resolve) => this._server!.listen(0, '127.0.0.1', resolve));
    const { port } = this._server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this._server) return;
    this._server.closeAllConnections();
    await new Promise<void>((resolve) => this._server!.close(() => resolve()));
    this._server = undefined;
  }

  /** Waits until `predicate` holds, polling; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  spansNamed(prefix: string): CapturedSpan[] {
    return this.spans.filter((s) => s.name.startsWith(prefix));
  }

  metricPoints(name: string): CapturedMetricPoint[] {
    return this.metrics.filter((m) => m.name === name);
  }

  private async _handle(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const path = (req.url ?? '').split('?')[0]!;
    this.requests[path] = (this.requests[path] ?? 0) + 1;
    if (!String(req.headers['content-type'] ?? '').includes('json')) {
      throw new Error(`OtlpCapture only decodes JSON, got ${req.headers['content-type']}`);
    }
    const payload = JSON.parse(body.toString('utf8'));
    if (path.endsWith('/v1/traces')) this._traces(payload);
    else if (path.endsWith('/v1/metrics')) this._metrics(payload);
    else if (path.endsWith('/v1/logs')) this._logs(payload);
  }

  private _traces(payload: any): void {
    for (const rs of payload.resourceSpans ?? []) {
      const resource = decodeAttributes(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: String(s.startTimeUnixNano),
            endTimeUnixNano: String(s.endTimeUnixNano),
            status: { code: s.status?.code ?? 0, message: s.status?.message },
            attributes: decodeAttributes(s.attributes),
            events: (s.events ?? []).map((e: any) => ({
              name: e.name,
              attributes: decodeAttributes(e.attributes),
            })),
            resource,
            scope: ss.scope?.name ?? '',
          });
        }
      }
    }
  }

  private _metrics(payload: any): void {
    for (const rm of payload.resourceMetrics ?? []) {
      const resource = decodeAttributes(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const hist = m.histogram?.dataPoints;
          const num = m.sum?.dataPoints ?? m.gauge?.dataPoints;
          for (const p of hist ?? []) {
            this.metrics.push({
              name: m.name,
              unit: m.unit ?? '',
              attributes: decodeAttributes(p.attributes),
              scope: sm.scope?.name ?? '',
              resource,
              temporality: Number(m.histogram.aggregationTemporality),
              count: Number(p.count),
              sum: Number(p.sum),
              bucketCounts: (p.bucketCounts ?? []).map(Number),
              explicitBounds: (p.explicitBounds ?? []).map(Number),
            });
          }
          for (const p of num ?? []) {
            this.metrics.push({
              name: m.name,
              unit: m.unit ?? '',
              attributes: decodeAttributes(p.attributes),
              value: Number(p.asInt ?? p.asDouble),
            });
          }
        }
      }
    }
  }

  private _logs(payload: any): void {
    for (const rl of payload.resourceLogs ?? []) {
      for (const sl of rl.scopeLogs ?? []) {
        for (const l of sl.logRecords ?? []) {
          this.logs.push({
            eventName: l.eventName ?? '',
            traceId: l.traceId ?? '',
            spanId: l.spanId ?? '',
            severityNumber: l.severityNumber ?? 0,
            body: decodeAnyValue(l.body),
            attributes: decodeAttributes(l.attributes),
          });
        }
      }
    }
  }
}
