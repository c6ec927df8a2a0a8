import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** What an ingest-log entry holds: a request body as received (after gunzip), or the records as JSON. */
export type IngestEncoding = 'json' | 'protobuf' | 'records';
export type IngestKind = 'traces' | 'logs';

export interface IngestEntry {
  seq: number;
  kind: IngestKind;
  encoding: IngestEncoding;
  body: Buffer;
}

export interface IngestLogConfig {
  /** Directory of the segment files (created). */
  dir: string;
  /** Start a new segment file beyond this many bytes. Default 64 MiB. */
  segmentBytes?: number;
}

const KINDS: IngestKind[] = ['traces', 'logs'];
const ENCODINGS: IngestEncoding[] = ['json', 'protobuf', 'records'];
/**
 * Segments are written with O_DSYNC where the platform has it: each write returns once its data (and
 * the file size) is on disk, as a write followed by `fdatasync` would, in one system call. An append
 * then takes one trip through libuv's thread pool instead of two, and the acknowledging thread is woken
 * once, not twice: on a busy machine each wake-up can wait milliseconds for a CPU.
 */
const SYNC_WRITES = process.platform !== 'win32' && typeof fs.constants.O_DSYNC === 'number';
const SEGMENT_FLAGS = SYNC_WRITES
  ? fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_DSYNC
  : 'a';
/** Record header: u32 body length, u32 crc32 of (rest of header + body), f64 seq, u8 kind, u8 encoding. */
const HEADER = 4 + 4 + 8 + 1 + 1;

interface Segment {
  file: string;
  firstSeq: number;
  lastSeq: number;
  bytes: number;
}

interface Pending {
  /** Header and body: written with writev, never concatenated (bodies are up to the body limit). */
  bufs: [Buffer, Buffer];
  seq: number;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

function encodeRecord(
  seq: number,
  kind: IngestKind,
  encoding: IngestEncoding,
  body: Buffer,
): [Buffer, Buffer] {
  const head = Buffer.allocUnsafe(HEADER);
  head.writeUInt32LE(body.length, 0);
  head.writeDoubleLE(seq, 8);
  head.writeUInt8(KINDS.indexOf(kind), 16);
  head.writeUInt8(ENCODINGS.indexOf(encoding), 17);
  const crc = zlib.crc32(body, zlib.crc32(head.subarray(8)));
  head.writeUInt32LE(crc, 4);
  return [head, body];
}

/** writev until every byte is written (writev may write less than asked). */
async function writeAll(fd: number, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  while (rest.length) {
    const written = await new Promise<number>((resolve, reject) =>
      fs.writev(fd, rest, (err, n) => (err ? reject(err) : resolve(n))),
    );
    let skip = written;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}

/** Parses the records of one segment; stops at the first torn or corrupt record (never acknowledged). */
function readSegment(file: string): IngestEntry[] {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (err) {
    // Deleted since it was listed: it was loaded (only loaded segments are deleted).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: IngestEntry[] = [];
  let at = 0;
  while (at + HEADER <= data.length) {
    const len = data.readUInt32LE(at);
    if (at + HEADER + len > data.length) break;
    const head = data.subarray(at + 8, at + HEADER);
    const body = data.subarray(at + HEADER, at + HEADER + len);
    if (zlib.crc32(body, zlib.crc32(head)) !== data.readUInt32LE(at + 4)) break;
    const kind = KINDS[data.readUInt8(at + 16)];
    const encoding = ENCODINGS[data.readUInt8(at + 17)];
    if (!kind || !encoding) break;
    out.push({ seq: data.readDoubleLE(at + 8), kind, encoding, body: Buffer.from(body) });
    at += HEADER + len;
  }
  return out;
}

/**
 * The collector's durable ingest log: each accepted request is appended (framed, checksummed) to a
 * segment file and fsynced before the receiver acknowledges it; the loader then stores it in DuckDB
 * in large batches, and the segments whose entries are all stored are deleted. Concurrent appends are
 * group-committed (one write + one fsync for all the entries that arrived during the previous fsync).
 * On start, `open()` returns the entries still on disk so they can be loaded again (idempotent: the
 * store records the last loaded sequence number in the same transaction as the rows).
 */
export class IngestLog {
  private readonly _segmentBytes: number;
  private _segments: Segment[] = [];
  private _fd?: number;
  private _nextSeq = 1;
  private _queue: Pending[] = [];
  private _writing = false;
  private _loadedSeq = 0;
  private _closed = false;
  /** Deletions of loaded segments still running (off the event loop); `close()` waits for them. */
  private _removing = new Set<Promise<void>>();

  constructor(private readonly _config: IngestLogConfig) {
    this._segmentBytes = _config.segmentBytes ?? 64 * 1024 * 1024;
  }

  /** Bytes on disk not yet deleted. */
  get bytes(): number {
    return this._segments.reduce((n, s) => n + s.bytes, 0);
  }

  /**
   * Opens the log and returns the entries with a sequence number above `loadedSeq` (the store's
   * last loaded one), oldest first. New entries continue the numbering.
   */
  open(loadedSeq: number): IngestEntry[] {
    fs.mkdirSync(this._config.dir, { recursive: true });
    this._loadedSeq = loadedSeq;
    const files = fs
      .readdirSync(this._config.dir)
      .filter((f) => /^\d+\.log$/.test(f))
      .sort();
    const replay: IngestEntry[] = [];
    let maxSeq = loadedSeq;
    for (const f of files) {
      const file = path.join(this._config.dir, f);
      const entries = readSegment(file);
      const last = entries.at(-1)?.seq ?? 0;
      maxSeq = Math.max(maxSeq, last);
      if (last <= loadedSeq) {
        fs.rmSync(file, { force: true });
        continue;
      }
      for (const e of entries) if (e.seq > loadedSeq) replay.push(e);
      // Old segments are never appended to again (a torn tail stays behind the last good record).
      this._segments.push({
        file,
        firstSeq: entries[0]?.seq ?? 0,
        lastSeq: last,
        bytes: fs.statSync(file).size,
      });
    }
    this._nextSeq = maxSeq + 1;
    this._rotate();
    return replay;
  }

  /** Appends an entry; resolves with its sequence number once it is on disk (fsynced). */
  append(kind: IngestKind, encoding: IngestEncoding, body: Buffer): Promise<number> {
    if (this._closed || this._fd === undefined) return Promise.reject(new Error('ingest log is closed'));
    const seq = this._nextSeq++;
    return new Promise<number>((resolve, reject) => {
      this._queue.push({ bufs: encodeRecord(seq, kind, encoding, body), seq, resolve, reject });
      if (!this._writing) void this._drain();
    });
  }

  private async _drain(): Promise<void> {
    this._writing = true;
    while (this._queue.length) {
      const group = this._queue;
      this._queue = [];
      try {
        const seg = this._segments.at(-1) as Segment;
        const bufs = group.flatMap((p) => p.bufs);
        const length = bufs.reduce((n, b) => n + b.length, 0);
        await writeAll(this._fd as number, bufs);
        // With O_DSYNC the writes returned once durable: no second trip through the thread pool.
        if (!SYNC_WRITES)
          await new Promise<void>((resolve, reject) =>
            fs.fdatasync(this._fd as number, (err) => (err ? reject(err) : resolve())),
          );
        seg.bytes += length;
        if (seg.firstSeq === 0) seg.firstSeq = (group[0] as Pending).seq;
        seg.lastSeq = (group.at(-1) as Pending).seq;
        for (const p of group) p.resolve(p.seq);
        // Appends arriving meanwhile queue up (`_writing` is still set) and go to the new segment.
        if (seg.bytes >= this._segmentBytes) await this._rotateAsync();
      } catch (err) {
        for (const p of group) p.reject(err as Error);
        // The segment may hold a partial record now: continue in a fresh one (readers stop at it).
        try {
          this._rotate();
        } catch {}
      }
    }
    this._writing = false;
  }

  /**
   * `_rotate` without blocking the event loop: the open and the directory fsync (which can wait for
   * the file system's journal, i.e. for other writers such as DuckDB's) run in the thread pool, so
   * they never delay the acknowledgement of requests already appended. The caller holds `_writing`.
   */
  private async _rotateAsync(): Promise<void> {
    const file = path.join(this._config.dir, `${String(this._nextSeq).padStart(16, '0')}.log`);
    const fd = await new Promise<number>((resolve, reject) =>
      fs.open(file, SEGMENT_FLAGS, (err, f) => (err ? reject(err) : resolve(f))),
    );
    const dirFd = await new Promise<number>((resolve, reject) =>
      fs.open(this._config.dir, 'r', (err, f) => (err ? reject(err) : resolve(f))),
    );
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(dirFd, (err) => (err ? reject(err) : resolve())));
    } finally {
      fs.close(dirFd, () => undefined);
    }
    const old = this._fd;
    this._fd = fd;
    if (old !== undefined) fs.close(old, () => undefined);
    this._segments.push({ file, firstSeq: 0, lastSeq: 0, bytes: 0 });
    this._prune(false);
  }

  /** Starts a new segment file (and deletes fully loaded ones). */
  private _rotate(): void {
    if (this._fd !== undefined) fs.closeSync(this._fd);
    const file = path.join(this._config.dir, `${String(this._nextSeq).padStart(16, '0')}.log`);
    this._fd = fs.openSync(file, SEGMENT_FLAGS);
    const dirFd = fs.openSync(this._config.dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    this._segments.push({ file, firstSeq: 0, lastSeq: 0, bytes: 0 });
    this._prune();
  }

  /** Records that every entry up to `seq` is stored; deletes the segments that are no longer needed. */
  markLoaded(seq: number): void {
    if (seq <= this._loadedSeq) return;
    this._loadedSeq = seq;
    this._prune(false);
    const active = this._segments.at(-1);
    // A large active segment that is fully loaded is rotated so it can go.
    if (active && active.bytes >= this._segmentBytes / 4 && active.lastSeq <= seq && !this._writing) {
      this._writing = true;
      this._rotateAsync()
        .catch(() => undefined) // the current segment stays active; a later load retries
        .finally(() => {
          this._writing = false;
          if (this._queue.length && !this._closed) void this._drain();
        });
    }
  }

  /** Deletes the loaded segments but the active one; `sync` false: in the thread pool. */
  private _prune(sync = true): void {
    const keep: Segment[] = [];
    const last = this._segments.length - 1;
    this._segments.forEach((s, i) => {
      if (i !== last && s.lastSeq <= this._loadedSeq) {
        if (sync) fs.rmSync(s.file, { force: true });
        else {
          // A failed delete leaves a loaded segment behind, which the next open() deletes.
          const done: Promise<void> = fs.promises
            .rm(s.file, { force: true })
            .catch(() => undefined)
            .finally(() => this._removing.delete(done));
          this._removing.add(done);
        }
      } else keep.push(s);
    });
    this._segments = keep;
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    if (this._closed) return;
    while (this._writing || this._queue.length) await new Promise((r) => setTimeout(r, 2));
    await Promise.all(this._removing);
    this._closed = true;
    if (this._fd !== undefined) fs.closeSync(this._fd);
    this._fd = undefined;
    this._prune();
    const active = this._segments.at(-1);
    if (active && active.lastSeq <= this._loadedSeq) fs.rmSync(active.file, { force: true });
  }
}
