import { describe, expect, it } from 'vitest';
import { decodeTraces, encodeTraces, packPrepared, prepareSpans, unpackPrepared } from '../dist/index.js';
import { spanRecord } from './helpers.js';

describe('packPrepared / unpackPrepared', () => {
  it('round-trips span and enrichment rows exactly (nulls, numbers, bigints, booleans, unicode)', () => {
    const spans = [
      spanRecord({
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': 1234,
          'gen_ai.usage.output_tokens': 0,
          'gen_ai.input.messages': JSON.stringify([
            { role: 'user', parts: [{ type: 'text', content: 'héllo 👋 日本語 \u0000 "quoted"' }] },
          ]),
        },
        enrichment: {
          countsUsage: true,
          cost: { totalUsd: 0.0012345, inputUsd: 0.001, outputUsd: 0.0002345, priceVersion: 'v1' },
          guardrails: [
            { name: 'input', action: 'allow' },
            { name: 'output', action: 'flag' },
          ],
        },
      }),
      spanRecord({ spanId: 'c7ad6b7169203332', startTimeUnixNano: '0', statusCode: 2, enrichment: {} }),
    ];
    const prepared = prepareSpans(spans);
    expect(prepared.rows[1]?.[8]).toBeNull();
    expect(prepared.rows[0]?.[8]).toBe(1700000000123456789n);
    expect(prepared.enrichments).toHaveLength(2);
    const packed = packPrepared(prepared);
    expect(packed.byteLength).toBeGreaterThan(100);
    expect(unpackPrepared(packed)).toEqual(prepared);
  });

  it('survives a transfer to another thread (its own ArrayBuffer) and an empty batch', async () => {
    const { MessageChannel } = await import('node:worker_threads');
    const prepared = prepareSpans([spanRecord({})]);
    const packed = packPrepared(prepared);
    const { port1, port2 } = new MessageChannel();
    const got = new Promise<Uint8Array>((resolve) => port2.once('message', resolve));
    port1.postMessage(packed, [packed.buffer as ArrayBuffer]);
    expect(unpackPrepared(await got)).toEqual(prepared);
    port1.close();
    expect(unpackPrepared(packPrepared(prepareSpans([])))).toEqual({ rows: [], enrichments: [] });
  });
});

describe('spans of several resources in one batch', () => {
  // Spans of one ResourceSpans share a resource object: rows and forwarded requests serialize it once per
  // run of spans, and each span must still get its own resource.
  const a = { 'service.name': 'a', 'telemetry.sdk.language': 'nodejs' };
  const b = { 'service.name': 'b' };
  const aAgain = { ...a }; // equal to `a`, another object
  const resources = [a, a, b, a, aAgain, b];
  const spans = resources.map((resource, i) => spanRecord({ spanId: `c7ad6b716920333${i}`, resource }));

  it('gives every row its own resource JSON', () => {
    const probe = prepareSpans([spanRecord({ resource: { marker: 'x' } })]).rows[0] ?? [];
    const at = probe.indexOf('{"marker":"x"}');
    expect(at).toBeGreaterThan(0);
    const rows = prepareSpans(spans).rows;
    expect(rows.map((r) => r[at])).toEqual(resources.map((r) => JSON.stringify(r)));
  });

  it('groups forwarded spans by resource content, each span under its own resource', () => {
    for (const encoding of ['json', 'protobuf'] as const) {
      const decoded = decodeTraces(encodeTraces(spans, encoding), encoding).spans;
      const byId = new Map(decoded.map((s) => [s.spanId, s.resource]));
      for (const s of spans) expect(byId.get(s.spanId)).toEqual(s.resource);
      // Two resources by content: a and its copy are one ResourceSpans.
      expect(new Set(decoded.map((s) => s.resource)).size).toBe(2);
    }
  });
});

describe('enrichment rows', () => {
  it('keeps the first row of each (trace, span, kind, name) in a batch, also for a span sent twice', () => {
    const verdicts = (tag: string) => [
      { name: 'input', action: `allow-${tag}` },
      { name: 'output', action: `flag-${tag}` },
      // Same name twice in one span: the first wins.
      { name: 'input', action: `again-${tag}` },
    ];
    const a = spanRecord({
      spanId: 'aaaaaaaaaaaaaaaa',
      enrichment: { guardrails: verdicts('a1'), judge: { score: 1 } },
    });
    const b = spanRecord({ spanId: 'bbbbbbbbbbbbbbbb', enrichment: { guardrails: verdicts('b') } });
    // The same span again (a retried export in the same group), then a new span after it.
    const aAgain = spanRecord({
      spanId: 'aaaaaaaaaaaaaaaa',
      enrichment: { guardrails: verdicts('a2'), extra: 1 },
    });
    const c = spanRecord({ spanId: 'cccccccccccccccc', enrichment: { guardrails: verdicts('c') } });
    const rows = prepareSpans([a, b, aAgain, c]).enrichments.map((r) => [r.spanId, r.kind, r.name, r.value]);
    expect(rows).toEqual([
      ['aaaaaaaaaaaaaaaa', 'guardrails', 'input', JSON.stringify({ name: 'input', action: 'allow-a1' })],
      ['aaaaaaaaaaaaaaaa', 'guardrails', 'output', JSON.stringify({ name: 'output', action: 'flag-a1' })],
      ['aaaaaaaaaaaaaaaa', 'judge', '', JSON.stringify({ score: 1 })],
      ['bbbbbbbbbbbbbbbb', 'guardrails', 'input', JSON.stringify({ name: 'input', action: 'allow-b' })],
      ['bbbbbbbbbbbbbbbb', 'guardrails', 'output', JSON.stringify({ name: 'output', action: 'flag-b' })],
      ['aaaaaaaaaaaaaaaa', 'extra', '', '1'],
      ['cccccccccccccccc', 'guardrails', 'input', JSON.stringify({ name: 'input', action: 'allow-c' })],
      ['cccccccccccccccc', 'guardrails', 'output', JSON.stringify({ name: 'output', action: 'flag-c' })],
    ]);
  });
});
