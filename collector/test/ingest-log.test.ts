import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestLog } from '../dist/index.js';
import { tmpDir } from './helpers.js';

const logFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.log'));

/** The open-file flags of each of this process's descriptors on a file in `dir` (Linux `/proc`). */
function openFlags(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (path.dirname(target) !== dir) continue;
    const flags = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    if (flags) out.set(path.basename(target), Number.parseInt(flags[1] as string, 8));
  }
  return out;
}

describe('IngestLog', () => {
  it('returns what was appended and not loaded, in order, after a reopen; numbering continues', async () => {
    const dir = path.join(tmpDir(), 'ingest');
    const log = new IngestLog({ dir });
    expect(log.open(0)).toEqual([]);
    // Concurrent appends are group-committed but keep their order and numbers.
    const seqs = await Promise.all(
      Array.from({ length: 5 }, (_, i) => log.append('traces', 'json', Buffer.from(`{"n":${i}}`))),
    );
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    await log.append('logs', 'protobuf', Buffer.from([0, 1, 2, 255]));
    // Simulated crash: no close (the fd is simply dropped with the object).
    const again = new IngestLog({ dir });
    const replay = again.open(3); // the store has 1..3
    expect(replay.map((e) => [e.seq, e.kind, e.encoding])).toEqual([
      [4, 'traces', 'json'],
      [5, 'traces', 'json'],
      [6, 'logs', 'protobuf'],
    ]);
    expect(replay[0]?.body.toString()).toBe('{"n":3}');
    expect([...(replay[2]?.body ?? [])]).toEqual([0, 1, 2, 255]);
    expect(await again.append('traces', 'records', Buffer.from('[]'))).toBe(7);
    again.markLoaded(7);
    await again.close();
    // Everything is loaded: the segments are gone and a reopen replays nothing.
    expect(logFiles(dir)).toEqual([]);
    const third = new IngestLog({ dir });
    expect(third.open(7)).toEqual([]);
    expect(await third.append('traces', 'json', Buffer.from('{}'))).toBe(8);
    await third.close();
  });

  it('ignores a torn or corrupt tail (a record that was never acknowledged)', async () => {
    const dir = path.join(tmpDir(), 'ingest');
    const log = new IngestLog({ dir });
    log.open(0);
    await log.append('traces', 'json', Buffer.from('{"a":1}'));
    await log.append('traces', 'json', Buffer.from('{"a":2}'));
    const file = path.join(dir, logFiles(dir)[0] as string);
    // A third record cut short by the crash, then a flipped byte in the second one's body.
    fs.appendFileSync(file, Buffer.from([9, 0, 0, 0, 1, 2, 3]));
    expect(new IngestLog({ dir }).open(0).map((e) => e.seq)).toEqual([1, 2]);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 7 - 2] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect(new IngestLog({ dir }).open(0).map((e) => e.body.toString())).toEqual(['{"a":1}']);
  });

  it('deletes full segments once loaded and keeps the ones still needed', async () => {
    const dir = path.join(tmpDir(), 'ingest');
    const log = new IngestLog({ dir, segmentBytes: 1000 });
    log.open(0);
    const body = Buffer.alloc(600, 120);
    for (let i = 0; i < 6; i++) await log.append('traces', 'json', body);
    // 600-byte bodies and a 1000-byte limit: each segment rotates after two records.
    expect(logFiles(dir).length).toBeGreaterThanOrEqual(3);
    log.markLoaded(4);
    const left = new IngestLog({ dir }).open(4);
    expect(left.map((e) => e.seq)).toEqual([5, 6]);
    expect(log.bytes).toBeLessThan(3 * 1300);
    log.markLoaded(6);
    await log.close();
    expect(logFiles(dir)).toEqual([]);
  });
  it('keeps every entry once, in order, across rotations and loads running while appends arrive', async () => {
    const dir = path.join(tmpDir(), 'ingest');
    const log = new IngestLog({ dir, segmentBytes: 2000 });
    log.open(0);
    const appended: Promise<number>[] = [];
    let loaded = 0;
    for (let round = 0; round < 20; round++) {
      // Five concurrent appends of ~500 bytes (a rotation every group or so), then a load of what
      // the previous round acknowledged, which may rotate a fully loaded active segment too.
      for (let i = 0; i < 5; i++) {
        const n = round * 5 + i;
        appended.push(log.append('traces', 'json', Buffer.from(JSON.stringify({ n, pad: 'x'.repeat(480) }))));
      }
      if (round % 3 === 2) {
        loaded = Math.max(loaded, ...(await Promise.all(appended)).slice(0, round * 5));
        log.markLoaded(loaded);
      }
    }
    const seqs = await Promise.all(appended);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // Simulated crash (no close): what was not loaded comes back once, in order, with its body.
    const replay = new IngestLog({ dir }).open(loaded);
    expect(replay.map((e) => e.seq)).toEqual(seqs.filter((s) => s > loaded));
    expect(replay.map((e) => JSON.parse(e.body.toString()).n)).toEqual(
      seqs.filter((s) => s > loaded).map((s) => s - 1),
    );
    log.markLoaded(100);
    await log.close();
    expect(logFiles(dir)).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'writes every segment with O_DSYNC (a write returns once on disk), the first and the rotated ones',
    async () => {
      const dir = fs.realpathSync(tmpDir());
      const log = new IngestLog({ dir, segmentBytes: 600 });
      log.open(0);
      const first = openFlags(dir);
      expect(first.size).toBe(1);
      for (const flags of first.values()) expect(flags & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC);
      // Past the segment size: the next segment is opened by the asynchronous rotation.
      await log.append('traces', 'json', Buffer.from(JSON.stringify({ pad: 'x'.repeat(700) })));
      await log.append('traces', 'json', Buffer.from('{}'));
      const rotated = openFlags(dir);
      expect([...rotated.keys()].filter((f) => !first.has(f))).toHaveLength(1);
      for (const flags of rotated.values()) {
        expect(flags & fs.constants.O_DSYNC).toBe(fs.constants.O_DSYNC);
        expect(flags & fs.constants.O_APPEND).toBe(fs.constants.O_APPEND);
      }
      log.markLoaded(2);
      await log.close();
    },
  );
});
