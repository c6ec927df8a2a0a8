import { describe, expect, it } from 'vitest';
import { decodeTraces, encodeTraces } from '../dist/index.js';
import { spanRecord } from './helpers.js';

describe('encodeTraces', () => {
  // The protobuf body is built for protobufjs' encode directly (ids as bytes, int64 as numbers,
  // timestamps as low/high words): it must decode to what the OTLP/JSON body decodes to.
  const spans = [
    spanRecord({
      parentSpanId: 'a1a2a3a4a5a6a7a8',
      attributes: {
        s: 'text',
        b: true,
        i: 42,
        neg: -7,
        big: 2 ** 52 + 1,
        negBig: -(2 ** 40),
        d: 2.5,
        arr: [1, 'x', false],
        kv: { f: 'g', nested: { h: [] } },
      },
      events: [{ name: 'gen_ai.choice', timeUnixNano: '1700000000555555555', attributes: { index: 0 } }],
      links: [{ traceId: '1'.repeat(32), spanId: '2'.repeat(16), attributes: { why: 'retry' } }],
    }),
    spanRecord({
      spanId: 'c7ad6b7169203332',
      kind: 1,
      statusCode: 2,
      statusMessage: 'boom',
      startTimeUnixNano: '4294967296', // 2^32: the high word only
      endTimeUnixNano: '18446744073709551615', // 2^64 - 1
      enrichment: {
        cost: { totalUsd: 0.5, inputUsd: 0.25, outputUsd: 0.25, priceVersion: 'v1', reason: 'r' },
        countsUsage: true,
      },
      resource: { 'service.name': 'other', 'process.pid': 4242 },
    }),
  ];

  it('round-trips every value kind, id and timestamp through protobuf as through JSON', () => {
    const viaProto = decodeTraces(encodeTraces(spans, 'protobuf'), 'protobuf');
    const viaJson = decodeTraces(encodeTraces(spans, 'json'), 'json');
    expect(viaProto.rejected).toBe(0);
    expect(viaProto.spans).toEqual(viaJson.spans);
    const [a, b] = viaProto.spans;
    expect(a?.parentSpanId).toBe('a1a2a3a4a5a6a7a8');
    expect(a?.attributes).toMatchObject({ i: 42, neg: -7, big: 2 ** 52 + 1, negBig: -(2 ** 40), d: 2.5 });
    expect(a?.events[0]?.timeUnixNano).toBe('1700000000555555555');
    expect(a?.links[0]).toMatchObject({ traceId: '1'.repeat(32), spanId: '2'.repeat(16) });
    expect([b?.startTimeUnixNano, b?.endTimeUnixNano]).toEqual(['4294967296', '18446744073709551615']);
    expect(b?.attributes['genai_ops.cost.usd']).toBe(0.5);
    expect(b?.resource).toEqual({ 'service.name': 'other', 'process.pid': 4242 });
  });
});
