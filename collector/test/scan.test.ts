import { describe, expect, it } from 'vitest';
import {
  decodeLogs,
  decodeTraces,
  encodeTraces,
  OtlpDecodeError,
  type SpanRecord,
  scanLogsProtobuf,
  scanTracesProtobuf,
} from '../dist/index.js';
import { scanTracesJson } from '../dist/otlp/decode.js';
import { otlpTypes as otlpTypesForTest } from '../dist/otlp/proto.js';
import { prng, seededHex } from './helpers.js';

function spans(rand: () => number, n: number, over: Partial<SpanRecord> = {}): SpanRecord[] {
  const traceId = seededHex(rand, 16);
  return Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: seededHex(rand, 8),
    parentSpanId: i ? 'aaaaaaaaaaaaaaaa' : '',
    name: `chat ${i}`,
    kind: 3,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000420000000',
    statusCode: i % 3,
    statusMessage: i % 3 === 2 ? 'boom' : '',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 10 + i,
      temperature: 0.5,
      stream: true,
      list: [1, 'two', [3, { four: 4 }]],
      map: { a: { b: ['c'] } },
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]),
    },
    events: [{ name: 'evt', timeUnixNano: '1700000000100000000', attributes: { k: 'v' } }],
    links: [{ traceId: seededHex(rand, 16), spanId: seededHex(rand, 8), attributes: { l: 1 } }],
    resource: { 'service.name': 'svc' },
    scopeName: 'scope',
    scopeVersion: '1.0',
    enrichment: {},
    ...over,
  }));
}

/** AnyValue nested `levels` arrays deep, as protobuf (our encoder refuses nothing). */
function nested(levels: number): SpanRecord[] {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = [v];
  return spans(prng(7), 1, { attributes: { deep: v as never } });
}

describe('scanTracesProtobuf', () => {
  it('counts the spans decodeTraces returns, and the same rejected ones', () => {
    const rand = prng(1);
    const batch = [
      ...spans(rand, 5),
      ...spans(rand, 1, { spanId: '0000000000000000' }),
      ...spans(rand, 1, { traceId: 'abcd' }),
    ];
    const body = encodeTraces(batch, 'protobuf');
    const decoded = decodeTraces(body, 'protobuf');
    const scanned = scanTracesProtobuf(body);
    expect(decoded.spans).toHaveLength(5);
    expect(scanned).toEqual({
      spans: 5,
      rejected: 2,
      rejectReason: decoded.rejectReason,
    });
    expect(decoded.rejected).toBe(2);
  });

  it('accepts an empty request and counts nothing', () => {
    expect(scanTracesProtobuf(new Uint8Array(0))).toEqual({ spans: 0, rejected: 0 });
  });

  it('refuses AnyValue nesting that decodeTraces refuses, and accepts what it accepts', () => {
    const ok = encodeTraces(nested(32), 'protobuf');
    expect(decodeTraces(ok, 'protobuf').spans).toHaveLength(1);
    expect(scanTracesProtobuf(ok).spans).toBe(1);
    const deep = encodeTraces(nested(33), 'protobuf');
    expect(() => decodeTraces(deep, 'protobuf')).toThrow(OtlpDecodeError);
    expect(() => scanTracesProtobuf(deep)).toThrow(OtlpDecodeError);
  });

  it('refuses truncated bodies, overrunning lengths and a known field with the wrong wire type', () => {
    const body = encodeTraces(spans(prng(2), 3), 'protobuf');
    expect(() => scanTracesProtobuf(body.subarray(0, body.length - 1))).toThrow(OtlpDecodeError);
    // resource_spans (field 1) as a varint instead of a message.
    expect(() => scanTracesProtobuf(Uint8Array.from([0x08, 0x01]))).toThrow(/wire type/);
    // A length beyond the end of the body.
    expect(() => scanTracesProtobuf(Uint8Array.from([0x0a, 0x05, 0x00]))).toThrow(OtlpDecodeError);
  });

  it('skips unknown fields as protobuf requires', () => {
    const T = otlpTypesForTest().ExportTraceServiceRequest;
    const known = Buffer.from(encodeTraces(spans(prng(3), 2), 'protobuf'));
    // Field 99 (LEN) and field 98 (varint) appended at the top level: unknown, ignored by both decoders.
    const extra = Buffer.concat([known, Buffer.from([0x9a, 0x06, 0x02, 0x61, 0x62, 0x90, 0x06, 0x07])]);
    expect(T.decode(extra)).toBeTruthy();
    expect(scanTracesProtobuf(extra).spans).toBe(decodeTraces(extra, 'protobuf').spans.length);
  });

  it('never accepts a mutated body that the loader could not decode, and then counts the same', () => {
    const rand = prng(42);
    const base = encodeTraces(spans(rand, 4), 'protobuf');
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const b = Buffer.from(base);
      const edits = 1 + Math.floor(rand() * 3);
      for (let j = 0; j < edits; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const body = rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b;
      let scanned: ReturnType<typeof scanTracesProtobuf>;
      try {
        scanned = scanTracesProtobuf(body);
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        refused++;
        continue;
      }
      accepted++;
      const decoded = decodeTraces(body, 'protobuf');
      expect([scanned.spans, scanned.rejected]).toEqual([decoded.spans.length, decoded.rejected]);
    }
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});

describe('scanTracesJson', () => {
  /** What decodeTraces gives for a JSON body: its counts, or its error message. */
  const decoded = (body: Buffer): unknown => {
    try {
      const d = decodeTraces(body, 'json');
      return d.rejected
        ? { spans: d.spans.length, rejected: d.rejected, rejectReason: d.rejectReason }
        : { spans: d.spans.length, rejected: 0 };
    } catch (err) {
      expect(err).toBeInstanceOf(OtlpDecodeError);
      return (err as Error).message;
    }
  };
  const scanned = (body: Buffer): unknown => {
    try {
      return scanTracesJson(body);
    } catch (err) {
      expect(err).toBeInstanceOf(OtlpDecodeError);
      return (err as Error).message;
    }
  };

  it('counts the spans decodeTraces returns, and the same rejected ones', () => {
    const rand = prng(21);
    const batch = [
      ...spans(rand, 5),
      ...spans(rand, 1, { spanId: '0000000000000000' }),
      ...spans(rand, 1, { traceId: 'abcd' }),
    ];
    const body = Buffer.from(encodeTraces(batch, 'json'));
    expect(scanTracesJson(body)).toEqual({
      spans: 5,
      rejected: 2,
      rejectReason: 'span with an invalid trace or span id',
    });
    expect(scanned(body)).toEqual(decoded(body));
  });

  it('refuses what decodeTraces refuses, with the same message, and counts the same on 2,000 mutated requests', () => {
    const rand = prng(77);
    const base = JSON.parse(Buffer.from(encodeTraces(spans(rand, 3), 'json')).toString('utf8'));
    const replacements: unknown[] = [
      null,
      1,
      -7,
      1.5,
      'x',
      'zz',
      '-1',
      '12345678901234567890',
      true,
      [],
      {},
      [1],
      { a: 1 },
    ];
    /** Every object and array in `v`, with the key that holds it. */
    const nodes = (
      v: unknown,
      out: Array<[Record<string, unknown> | unknown[], string | number]>,
    ): typeof out => {
      if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          out.push([v as Record<string, unknown>, Array.isArray(v) ? Number(k) : k]);
          nodes(x, out);
        }
      }
      return out;
    };
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const req = structuredClone(base);
      const all = nodes(req, []);
      for (let j = 1 + Math.floor(rand() * 2); j > 0; j--) {
        const [holder, key] = all[Math.floor(rand() * all.length)] as [Record<string, unknown>, string];
        holder[key] = structuredClone(replacements[Math.floor(rand() * replacements.length)]);
      }
      const body = Buffer.from(JSON.stringify(req));
      const expected = decoded(body);
      if (typeof expected === 'string') refused++;
      expect(scanned(body)).toEqual(expected);
    }
    expect(refused).toBeGreaterThan(50);
    // Not JSON at all, and JSON that is not a request object.
    for (const text of ['{"resourceSpans": [', '[]', '"x"', 'null']) {
      expect(scanned(Buffer.from(text))).toEqual(decoded(Buffer.from(text)));
    }
  });
});

describe('scanLogsProtobuf', () => {
  it('counts the log records decodeLogs returns', () => {
    const T = otlpTypesForTest().ExportLogsServiceRequest;
    const msg = T.fromObject({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeLogs: [
            {
              scope: { name: 's' },
              logRecords: [
                { eventName: 'a', body: { kvlistValue: { values: [{ key: 'k', value: { intValue: 3 } }] } } },
                { eventName: 'b', severityNumber: 9 },
                { body: { arrayValue: { values: [{ stringValue: 'x' }] } } },
              ],
            },
          ],
        },
      ],
    });
    const body = Buffer.from(T.encode(msg).finish());
    expect(scanLogsProtobuf(body).logs).toBe(decodeLogs(body, 'protobuf').logs.length);
    expect(scanLogsProtobuf(body).logs).toBe(3);
    expect(() => scanLogsProtobuf(body.subarray(0, body.length - 2))).toThrow(OtlpDecodeError);
  });
});
