/**
 * Test helper: a local OTLP/HTTP receiver that keeps every request raw (path, headers, body) and decodes
 * the http/protobuf encoding of traces and metrics with protobufjs and the subset of the OTLP .proto
 * definitions below (field numbers from opentelemetry-proto v1: common, resource, trace, metrics).
 * `@opentelemetry/otlp-transformer` only serializes requests, it cannot read them back.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { type CapturedMetricPoint, type CapturedSpan, decodeAttributes } from './otlp-capture';

const OTLP_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Event events = 11; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message HistogramDataPoint {
  fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; double sum = 5;
  repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; repeated KeyValue attributes = 9;
}
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Metric { string name = 1; string description = 2; string unit = 3; Histogram histogram = 9; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const MetricsRequest = root.lookupType('otlp.ExportMetricsServiceRequest');
// Same shape as the OTLP JSON encoding: camelCase fields, int64 as strings, bytes as hex (below).
const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false, oneofs: false } as const;

function hex(b64: unknown): string {
  return typeof b64 === 'string' ? Buffer.from(b64, 'base64').toString('hex') : '';
}

/** Decodes an http/protobuf ExportTraceServiceRequest body into the same flattened spans as OtlpCapture. */
export function decodeTraceRequest(body: Uint8Array): CapturedSpan[] {
  const payload = TraceRequest.toObject(TraceRequest.decode(body), TO_OBJECT) as any;
  const out: CapturedSpan[] = [];
  for (const rs of payload.resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
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
  return out;
}

/** Decodes the histogram points of an http/protobuf ExportMetricsServiceRequest body. */
export function decodeMetricsRequest(body: Uint8Array): CapturedMetricPoint[] {
  const payload = MetricsRequest.toObject(MetricsRequest.decode(body), TO_OBJECT) as any;
  const out: CapturedMetricPoint[] = [];
  for (const rm of payload.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        for (const p of m.histogram?.dataPoints ?? []) {
          out.push({
            name: m.name,
            unit: m.unit ?? '',
            attributes: decodeAttributes(p.attributes),
            count: Number(p.count),
            sum: Number(p.sum),
            bucketCounts: (p.bucketCounts ?? []).map(Number),
            explicitBounds: (p.explicitBounds ?? []).map(Number),
          });
        }
      }
    }
  }
  return out;
}

export interface RawOtlpRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A receiver that answers 200 to everything and keeps each request raw. */
export class RawOtlpReceiver {
  readonly requests: RawOtlpRequest[] = [];
  url = '';
  private _server: Server | undefined;

  async start(): Promise<string> {
    this._server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        this.requests.push({ path: (req.url ?? '').split('?')[0]!, headers: req.headers, body });
        const json = String(req.headers['content-type'] ?? '').includes('json');
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        res.end(json ? '{}' : undefined);
      });
    });
    await new Promise<void>((resolve) => this._server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this._server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this._server) return;
    this._server.closeAllConnections();
    await new Promise<void>((resolve) => this._server!.close(() => resolve()));
    this._server = undefined;
  }

  requestsTo(signal: 'traces' | 'metrics' | 'logs'): RawOtlpRequest[] {
    return this.requests.filter((r) => r.path.endsWith(`/v1/${signal}`));
  }

  /** Spans of every protobuf trace request received so far. */
  spans(): CapturedSpan[] {
    return this.requestsTo('traces')
      .filter((r) => String(r.headers['content-type']).includes('protobuf'))
      .flatMap((r) => decodeTraceRequest(r.body));
  }

  /** Histogram points of every protobuf metrics request received so far. */
  histogramPoints(): CapturedMetricPoint[] {
    return this.requestsTo('metrics')
      .filter((r) => String(r.headers['content-type']).includes('protobuf'))
      .flatMap((r) => decodeMetricsRequest(r.body));
  }
}
