import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  decodeTraces,
  encodeTraces,
  OtlpDecodeError,
  type SpanRecord,
  scanTracesProtobuf,
} from '../dist/index.js';
import { type DecodedSpans, spansFromRequest } from '../dist/otlp/decode.js';
import { otlpTypes } from '../dist/otlp/proto.js';
import { prng, seededHex } from './helpers.js';

/**
 * `decodeTraces(body, 'protobuf')` reads the wire itself (decode-traces-protobuf.ts); the oracle is what
 * it replaced: protobufjs' reflection decode of the vendored OTLP proto, then `spansFromRequest`.
 */
function oracle(body: Uint8Array): DecodedSpans {
  return spansFromRequest(otlpTypes().ExportTraceServiceRequest.decode(body));
}

function same(body: Uint8Array): DecodedSpans {
  const direct = decodeTraces(Buffer.from(body), 'protobuf');
  const expected = oracle(body);
  expect(direct.spans).toStrictEqual(expected.spans);
  expect([direct.rejected, direct.rejectReason]).toEqual([expected.rejected, expected.rejectReason]);
  return direct;
}

/** Spans with every kind of attribute value, non-ASCII keys and values, long and empty strings. */
function varied(rand: () => number, n: number, over: Partial<SpanRecord> = {}): SpanRecord[] {
  const traceId = seededHex(rand, 16);
  return Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: seededHex(rand, 8),
    parentSpanId: i ? seededHex(rand, 8) : '',
    name: i % 2 ? `chat gpt-4o-mini` : `exécute l’outil ${i}`,
    kind: i % 6,
    startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)),
    endTimeUnixNano: i === 3 ? '18446744073709551615' : '1700000000420000000',
    statusCode: i % 3,
    statusMessage: i % 3 === 2 ? 'échec: boom' : '',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 10 + i,
      negative: -5 - i,
      big: '9007199254740993',
      minInt64: '-9223372036854775808',
      ratio: 0.25 + i,
      stream: i % 2 === 0,
      empty: '',
      list: [1, 'two', [3, { four: 4 }], true, null],
      map: { a: { b: ['c'] }, clé: 'valeur' },
      'clé.non-ascii': 'ünïcödé ✓',
      [`k${'x'.repeat(70)}`]: 'a key longer than the intern limit',
      [`dyn.${i}`]: `value ${i}`,
      short: i % 2 ? 'openai' : 'anthropic',
      'gen_ai.input.messages': JSON.stringify([
        { role: 'user', parts: [{ type: 'text', content: 'lorem ipsum '.repeat(100) + i }] },
      ]),
    },
    events: i % 2 ? [] : [{ name: 'evt', timeUnixNano: '1700000000100000000', attributes: { k: 'v', n: i } }],
    links: i % 3 ? [] : [{ traceId: seededHex(rand, 16), spanId: seededHex(rand, 8), attributes: { l: 1 } }],
    resource: { 'service.name': 'svc', 'host.name': 'h' },
    scopeName: 'scope',
    scopeVersion: '1.0',
    enrichment: {},
    ...over,
  }));
}

/** Wire helpers: a length-delimited field, and a message type of the vendored proto. */
function field(no: number, payload: Uint8Array): Buffer {
  const len: number[] = [];
  let n = payload.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([(no << 3) | 2, ...len]), payload]);
}
function type(name: string): protobuf.Type {
  return otlpTypes().ExportTraceServiceRequest.root.lookupType(`opentelemetry.proto.${name}`);
}
function encode(name: string, obj: Record<string, unknown>): Uint8Array {
  const t = type(name);
  return t.encode(t.fromObject(obj)).finish();
}
const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

describe('decodeTraces (protobuf, read from the wire)', () => {
  it('gives the records protobufjs + spansFromRequest give, for every kind of value', () => {
    const rand = prng(11);
    const batch = [
      ...varied(rand, 12),
      ...varied(rand, 2, { resource: { 'service.name': 'other' }, scopeName: '', scopeVersion: '' }),
      ...varied(rand, 1, { spanId: '0000000000000000' }),
      ...varied(rand, 1, { traceId: 'abcd' }),
    ];
    const decoded = same(encodeTraces(batch, 'protobuf'));
    expect(decoded.spans).toHaveLength(14);
    expect(decoded.rejected).toBe(2);
    // Spans of one ResourceSpans share one resource object (the row builder relies on it).
    expect(decoded.spans[0]?.resource).toBe(decoded.spans[1]?.resource);
    expect(decoded.spans[0]?.attributes).toMatchObject({
      negative: -5,
      big: '9007199254740993',
      minInt64: '-9223372036854775808',
      'clé.non-ascii': 'ünïcödé ✓',
    });
  });

  it('reads what the OpenTelemetry SDK serializer writes (ProtobufTraceSerializer)', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'app', 'deployment.environment': 'test' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('genai-ops-test', '1.2.3');
    tracer.startActiveSpan('invoke_agent planner', (root) => {
      const child = tracer.startSpan('chat gpt-4o', {
        attributes: { 'gen_ai.usage.input_tokens': 12, 'gen_ai.request.temperature': 0.2, tags: ['a', 'b'] },
      });
      child.addEvent('gen_ai.choice', { index: 0 });
      child.addLink({ context: root.spanContext(), attributes: { why: 'retry' } });
      child.setStatus({ code: 2, message: 'rate limited' });
      child.end();
      root.end();
    });
    await provider.forceFlush();
    const body = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    expect(body).toBeDefined();
    const decoded = same(body as Uint8Array);
    expect(decoded.spans.map((s) => s.name).sort()).toEqual(['chat gpt-4o', 'invoke_agent planner']);
    const chat = decoded.spans.find((s) => s.name === 'chat gpt-4o');
    expect(chat).toMatchObject({ statusCode: 2, statusMessage: 'rate limited', scopeVersion: '1.2.3' });
    expect(chat?.links[0]?.attributes).toEqual({ why: 'retry' });
    await provider.shutdown();
  });

  it('keeps protobufjs semantics for field order, repeated singular fields and unknown fields', () => {
    const span = (name: string, extra: Record<string, unknown> = {}) =>
      encode('Span', {
        traceId: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
        spanId: Buffer.from('1112131415161718', 'hex'),
        name,
        attributes: [kv('dup', { stringValue: 'first' }), kv('dup', { intValue: 2 })],
        ...extra,
      });
    const resource = (svc: string) =>
      field(1, encode('Resource', { attributes: [kv('service.name', { stringValue: svc })] }));
    const scope = (name: string) => field(1, encode('InstrumentationScope', { name, version: name }));
    // A span whose status comes twice (the last replaces the first) and whose name comes twice.
    const twice = Buffer.concat([
      span('first name', { status: { code: 2, message: 'x' } }),
      field(5, Buffer.from('last name')),
      field(15, encode('Status', { code: 1 })),
      // Unknown fields: 99 (LEN) and 98 (varint).
      Buffer.from([0x9a, 0x06, 0x02, 0x61, 0x62, 0x90, 0x06, 0x07]),
    ]);
    // ScopeSpans: spans before their scope, the scope twice. ResourceSpans: the resource after its scope
    // spans, twice.
    const scopeSpans = Buffer.concat([
      field(2, twice),
      scope('early'),
      field(2, span('second')),
      scope('late'),
    ]);
    const resourceSpans = Buffer.concat([resource('early'), field(2, scopeSpans), resource('late')]);
    const decoded = same(field(1, resourceSpans));
    expect(decoded.spans).toHaveLength(2);
    expect(decoded.spans[0]).toMatchObject({
      name: 'last name',
      statusCode: 1,
      statusMessage: '',
      scopeName: 'late',
      resource: { 'service.name': 'late' },
      attributes: { dup: 2 },
    });
  });

  it('reads a key whose intern slot holds another key of the same length', () => {
    // 3,000 distinct keys of one length through a 1,024-slot cache: many share a slot.
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) attributes[`k${String(i).padStart(5, '0')}`] = `v${i % 7}`;
    const rand = prng(5);
    const decoded = same(encodeTraces(varied(rand, 2, { attributes }), 'protobuf'));
    expect(decoded.spans[1]?.attributes).toEqual(attributes);
  });

  it('refuses AnyValue nesting deeper than 32, truncated bodies and known fields of the wrong wire type', () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < 33; i++) v = [v];
    const deep = encodeTraces(varied(prng(3), 1, { attributes: { deep: v as never } }), 'protobuf');
    expect(() => decodeTraces(Buffer.from(deep), 'protobuf')).toThrow(/nested too deeply/);
    const body = Buffer.from(encodeTraces(varied(prng(4), 3), 'protobuf'));
    expect(() => decodeTraces(body.subarray(0, body.length - 1), 'protobuf')).toThrow(OtlpDecodeError);
    expect(() => decodeTraces(Buffer.from([0x08, 0x01]), 'protobuf')).toThrow(/wire type/);
    expect(decodeTraces(Buffer.alloc(0), 'protobuf')).toEqual({ spans: [], rejected: 0 });
  });

  it('gives the oracle records for every mutated body the receiver accepts, and never throws anything else', () => {
    const rand = prng(99);
    const base = encodeTraces(varied(rand, 4), 'protobuf');
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(base);
      const edits = 1 + Math.floor(rand() * 3);
      for (let j = 0; j < edits; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const body = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      try {
        scanTracesProtobuf(body);
      } catch {
        // Refused at the receiver: never logged, never decoded by the loader. Ours still only throws
        // OtlpDecodeError on it.
        try {
          decodeTraces(body, 'protobuf');
        } catch (err) {
          expect(err).toBeInstanceOf(OtlpDecodeError);
        }
        continue;
      }
      accepted++;
      same(body);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
