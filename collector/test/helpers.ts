/**
 * Collector test helpers: a collector on a random loopback port with a temp DuckDB file, and real
 * OpenTelemetry SDK tracer providers exporting to it over OTLP/HTTP (JSON or protobuf).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPTraceExporterJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CollectorConfigInput, RunningCollector, SpanRecord } from '../dist/index.js';
import { startCollector } from '../dist/index.js';

export const COLLECTOR_DIR = path.resolve(__dirname, '..');
export const CLI = path.join(COLLECTOR_DIR, 'dist', 'cli.js');

export function tmpDir(prefix = 'genai-ops-collector-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts a collector on 127.0.0.1:0 with its data in a fresh temp dir (env isolated). */
export async function startTestCollector(
  overrides: CollectorConfigInput = {},
  dataDir = tmpDir(),
): Promise<RunningCollector & { dataDir: string }> {
  const c = await startCollector(
    {
      dataDir,
      ...overrides,
      receiver: { host: '127.0.0.1', port: 0, ...(overrides.receiver ?? {}) },
      storage: { path: path.join(dataDir, 'test.duckdb'), ...(overrides.storage ?? {}) },
    },
    { env: {} },
  );
  return Object.assign(c, { dataDir });
}

export type Protocol = 'json' | 'protobuf';

/** A real SDK tracer provider exporting every span synchronously-ish to `baseUrl`/v1/traces. */
export function tracerProvider(
  baseUrl: string,
  protocol: Protocol,
  serviceName = 'test-app',
  headers?: Record<string, string>,
) {
  const opts = { url: `${baseUrl}/v1/traces`, headers, timeoutMillis: 10_000 };
  const exporter = protocol === 'json' ? new OTLPTraceExporterJson(opts) : new OTLPTraceExporterProto(opts);
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

/** Creates one GenAI chat span (client) under an agent span; returns the trace id. */
export function emitChatTrace(
  provider: BasicTracerProvider,
  opts: { model?: string; content?: string; error?: boolean } = {},
): string {
  const tracer = provider.getTracer('test-scope', '1.2.3');
  const model = opts.model ?? 'gpt-4o';
  let traceId = '';
  tracer.startActiveSpan('invoke_agent helper', (root) => {
    root.setAttribute('gen_ai.operation.name', 'invoke_agent');
    root.setAttribute('gen_ai.agent.name', 'helper');
    traceId = root.spanContext().traceId;
    // No context manager is registered in tests: parent explicitly.
    const parent = trace.setSpan(context.active(), root);
    const span = tracer.startSpan(
      `chat ${model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': model,
          'gen_ai.response.model': `${model}-2024-08-06`,
          'gen_ai.usage.input_tokens': 1000,
          'gen_ai.usage.output_tokens': 200,
          'gen_ai.conversation.id': 'conv-1',
          'gen_ai.input.messages': JSON.stringify([
            { role: 'user', parts: [{ type: 'text', content: opts.content ?? 'hello' }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: 'hi there' }], finish_reason: 'stop' },
          ]),
        },
      },
      parent,
    );
    if (opts.error) {
      span.setAttribute('error.type', 'RateLimitError');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    }
    span.end();
    root.end();
  });
  return traceId;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Plain HTTP POST (no client-side retries), for malformed-input tests. */
export function post(
  url: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** An OTLP/JSON request body with `n` GenAI spans in one trace. */
export function jsonRequest(
  n: number,
  opts: { traceId?: string; service?: string; contentBytes?: number } = {},
): string {
  const traceId = opts.traceId ?? randomHex(16);
  const content = 'x'.repeat(opts.contentBytes ?? 16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: randomHex(8),
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: String(now + BigInt(i)),
    endTimeUnixNano: String(now + BigInt(i) + 250_000_000n),
    attributes: [
      { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
      { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: '120' } },
      { key: 'gen_ai.usage.output_tokens', value: { intValue: 30 } },
      {
        key: 'gen_ai.input.messages',
        value: { stringValue: JSON.stringify([{ role: 'user', parts: [{ type: 'text', content }] }]) },
      },
    ],
    status: {},
  }));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: opts.service ?? 'raw-client' } }],
        },
        scopeSpans: [{ scope: { name: 'raw' }, spans }],
      },
    ],
  });
}

export function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return s.replace(/^0+$/, '1'.repeat(bytes * 2));
}

/** Deterministic PRNG (mulberry32), so a failing fuzz case can be reproduced. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` bytes of hex from `rand` (see `prng`). */
export function seededHex(rand: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/** Polls `fn` until it returns truthy or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 15_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A minimal chat span record, with `over` applied (for unit tests of rows and encoding). */
export function spanRecord(over: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '',
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: '1700000000123456789',
    endTimeUnixNano: '1700000000987654321',
    statusCode: 0,
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
    resource: { 'service.name': 'svc' },
    scopeName: 's',
    scopeVersion: '1',
    enrichment: {},
    ...over,
  };
}
