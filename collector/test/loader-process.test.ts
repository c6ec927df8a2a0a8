import { describe, expect, it } from 'vitest';
import { processEntries, type WireEntry } from '../dist/loader-process.js';
import { jsonRequest } from './helpers.js';

const entry = (seq: number, body: string): WireEntry => ({
  seq,
  kind: 'traces',
  encoding: 'json',
  body: Buffer.from(body),
});

describe('processEntries', () => {
  it('skips and reports an entry it cannot decode, and goes on with the others', async () => {
    const errors: string[] = [];
    const { perEntry, all } = await processEntries(
      [],
      [entry(7, '{"resourceSpans": 5}'), entry(8, jsonRequest(2))],
      errors,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^ingest-log: entry 7 cannot be decoded: resourceSpans is not an array/);
    expect(perEntry.map((p) => p.spans.length)).toEqual([0, 2]);
    expect(all.spans).toHaveLength(2);
  });
});
