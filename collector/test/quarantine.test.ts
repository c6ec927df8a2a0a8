/**
 * The quarantine directory is bounded: past `maxBytes` the oldest files (by sequence number) are deleted and
 * their records counted; an entry larger than the bound alone is counted and not written; files and
 * interrupted writes left by an earlier run are found at the first use. Real files in a temp directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Quarantine, type QuarantineDropReason, type QuarantineEntry } from '../dist/quarantine.js';
import { tmpDir } from './helpers.js';

function entry(seq: number, bodyBytes: number, kind: 'traces' | 'logs' = 'traces'): QuarantineEntry {
  return { seq, kind, encoding: 'json', records: seq * 10, body: Buffer.alloc(bodyBytes, 120) };
}

/** The quarantine files on disk, by name, with their sizes. */
function onDisk(dir: string): Record<string, number> {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, fs.statSync(path.join(dir, f)).size]),
  );
}

function quarantine(dir: string, maxBytes: number) {
  const drops: Array<[string, number, QuarantineDropReason]> = [];
  const sizes: number[] = [];
  const q = new Quarantine({
    dir,
    maxBytes,
    onDrop: (kind, records, reason) => drops.push([kind, records, reason]),
    onSize: (bytes) => sizes.push(bytes),
  });
  return { q, drops, sizes };
}

const seqOf = (file: string): number => Number(file.split('-')[0]);
const total = (files: Record<string, number>): number => Object.values(files).reduce((a, b) => a + b, 0);

describe('Quarantine', () => {
  it('deletes the oldest files to stay under the bound and counts their records', async () => {
    const dir = tmpDir();
    // Each file is ~1.4 KB (the body in base64 plus the fields): three fit in 4,500 bytes, four do not.
    const { q, drops, sizes } = quarantine(dir, 4500);
    for (const seq of [1, 2, 3]) expect(await q.write(entry(seq, 1000), 'Conversion Error: x')).toBeDefined();
    expect(Object.keys(onDisk(dir)).map(seqOf)).toEqual([1, 2, 3]);
    expect(drops).toEqual([]);
    await q.write(entry(4, 1000, 'logs'), 'Conversion Error: x');
    await q.write(entry(5, 1000), 'Conversion Error: x');
    const files = onDisk(dir);
    expect(Object.keys(files).map(seqOf)).toEqual([3, 4, 5]);
    expect(drops).toEqual([
      ['traces', 10, 'size_limit'],
      ['traces', 20, 'size_limit'],
    ]);
    expect(q.bytes).toBe(total(files));
    expect(q.bytes).toBeLessThanOrEqual(4500);
    expect(sizes.at(-1)).toBe(q.bytes);
    // The newest entry, intact.
    const last = JSON.parse(fs.readFileSync(path.join(dir, Object.keys(files)[2] as string), 'utf8'));
    expect(last).toMatchObject({ seq: 5, kind: 'traces', records: 50, error: 'Conversion Error: x' });
    expect(Buffer.from(last.body, 'base64')).toEqual(Buffer.alloc(1000, 120));
  });

  it('does not write an entry larger than the bound alone, and counts it', async () => {
    const dir = tmpDir();
    const { q, drops } = quarantine(dir, 4500);
    await q.write(entry(1, 1000), 'e');
    expect(await q.write(entry(2, 5000, 'logs'), 'e')).toBeUndefined();
    expect(drops).toEqual([['logs', 20, 'too_large']]);
    // What was there stays.
    expect(Object.keys(onDisk(dir)).map(seqOf)).toEqual([1]);
  });

  it('counts the files of an earlier run, deletes interrupted writes, and evicts in sequence order', async () => {
    const dir = tmpDir();
    const first = quarantine(dir, 100_000).q;
    for (const seq of [9, 10, 11]) await first.write(entry(seq, 1000), 'e');
    fs.writeFileSync(path.join(dir, '12-1.json.tmp'), 'half a file');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not ours');
    const before = onDisk(dir);

    const { q, drops, sizes } = quarantine(dir, 4500);
    await q.open();
    expect(fs.existsSync(path.join(dir, '12-1.json.tmp'))).toBe(false);
    const ours = Object.fromEntries(Object.entries(before).filter(([f]) => f.endsWith('.json')));
    expect(q.bytes).toBe(total(ours));
    expect(sizes).toEqual([q.bytes]);
    await q.write(entry(13, 1000), 'e');
    // 9 is older than 10 and 11 (numeric order, not the names' text order).
    expect(drops).toEqual([['traces', 90, 'size_limit']]);
    expect(
      Object.keys(onDisk(dir))
        .filter((f) => f.endsWith('.json'))
        .map(seqOf),
    ).toEqual([10, 11, 13]);
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(true);
  });

  it('treats a missing directory as empty and creates it at the first write', async () => {
    const dir = path.join(tmpDir(), 'quarantine');
    const { q, sizes } = quarantine(dir, 4500);
    await q.open();
    expect([q.bytes, sizes]).toEqual([0, [0]]);
    await q.write(entry(1, 10), 'e');
    expect(Object.keys(onDisk(dir))).toHaveLength(1);
  });
});
