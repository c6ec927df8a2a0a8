import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IngestEncoding, IngestKind } from './ingest-log.js';

/** An ingest-log entry DuckDB cannot store, as written to the quarantine directory (one JSON file). */
export interface QuarantinedEntry {
  /** The entry's ingest-log sequence number. */
  seq: number;
  kind: IngestKind;
  /** `json` / `protobuf`: the OTLP request body as received; `records`: the decoded records as JSON. */
  encoding: IngestEncoding;
  /** Spans or log records in the entry. */
  records: number;
  /** Why it could not be stored (the last commit error). */
  error: string;
  quarantinedAt: string;
  /** The entry's body, base64. */
  body: string;
}

/** An entry to quarantine: its ingest-log position, kind, wire body and record count. */
export interface QuarantineEntry {
  seq: number;
  kind: IngestKind;
  encoding: IngestEncoding;
  body: Uint8Array;
  records: number;
}

/** Default bound on the quarantine directory: 1 GiB. */
export const DEFAULT_QUARANTINE_MAX_BYTES = 1024 * 1024 * 1024;

/** Records the quarantine lost: evicted to stay under the bound (`size_limit`), or bigger than it (`too_large`). */
export type QuarantineDropReason = 'size_limit' | 'too_large';

export interface QuarantineOptions {
  dir: string;
  /** Bound on the bytes of the quarantine files; the oldest are deleted beyond it. */
  maxBytes: number;
  /** Told of every file dropped (or entry never written) with its kind and record count. */
  onDrop?: (kind: IngestKind, records: number, reason: QuarantineDropReason) => void;
  /** Told of the directory's size after every change (and after the first scan). */
  onSize?: (bytes: number) => void;
}

const FILE = /^(\d+)-(\d+)\.json$/;

interface QuarantineFile {
  name: string;
  seq: number;
  ms: number;
  bytes: number;
}

/**
 * The quarantine directory, bounded: entries DuckDB can never store are kept as files (one JSON
 * `QuarantinedEntry` each, written durably) until the files pass `maxBytes`; then the oldest (by sequence
 * number) are deleted, and their records counted as dropped, to make room. An entry larger than the bound alone is not
 * written, and counted. The directory is scanned once, at the first use (`open()` or `write()`): files
 * left by earlier runs count, and temp files of a write a crash interrupted are deleted. One writer.
 */
export class Quarantine {
  private _files: QuarantineFile[] | undefined;
  private _bytes = 0;

  constructor(private readonly _options: QuarantineOptions) {}

  /** Bytes in the directory (after `open()`). */
  get bytes(): number {
    return this._bytes;
  }

  /** Scans the directory (once). A missing directory is empty. */
  async open(): Promise<void> {
    if (this._files !== undefined) return;
    const files: QuarantineFile[] = [];
    let names: string[] = [];
    try {
      names = await fs.promises.readdir(this._options.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const name of names) {
      const full = path.join(this._options.dir, name);
      if (name.endsWith('.json.tmp')) {
        await fs.promises.rm(full, { force: true });
        continue;
      }
      const file = fileOf(name);
      if (!file) continue;
      const stat = await fs.promises.stat(full).catch(() => undefined);
      if (stat?.isFile()) files.push({ ...file, bytes: stat.size });
    }
    files.sort((a, b) => a.seq - b.seq || a.ms - b.ms);
    this._files = files;
    this._bytes = files.reduce((n, f) => n + f.bytes, 0);
    this._options.onSize?.(this._bytes);
  }

  /**
   * Writes `entry` durably, deleting the oldest files first when it would not fit. Returns the file, or
   * undefined when the entry alone is larger than the bound (it is counted as dropped, not written).
   */
  async write(entry: QuarantineEntry, error: string): Promise<string | undefined> {
    await this.open();
    const files = this._files as QuarantineFile[];
    const json = quarantineJson(entry, error);
    const size = Buffer.byteLength(json);
    if (size > this._options.maxBytes) {
      this._options.onDrop?.(entry.kind, entry.records, 'too_large');
      return undefined;
    }
    while (files.length > 0 && this._bytes + size > this._options.maxBytes) {
      const oldest = files.shift() as QuarantineFile;
      const full = path.join(this._options.dir, oldest.name);
      const head = await readHead(full);
      await fs.promises.rm(full, { force: true });
      this._bytes -= oldest.bytes;
      if (head) this._options.onDrop?.(head.kind, head.records, 'size_limit');
    }
    const file = await writeFileDurably(this._options.dir, entry.seq, json);
    files.push({ ...(fileOf(path.basename(file)) as Omit<QuarantineFile, 'bytes'>), bytes: size });
    this._bytes += size;
    this._options.onSize?.(this._bytes);
    return file;
  }
}

/** A quarantine file's name, sequence number and time (`<seq>-<ms>.json`), or undefined for another name. */
function fileOf(name: string): Omit<QuarantineFile, 'bytes'> | undefined {
  const m = FILE.exec(name);
  return m ? { name, seq: Number(m[1]), ms: Number(m[2]) } : undefined;
}

/** The kind and record count of a quarantine file, from its first bytes (the fields come first). */
async function readHead(file: string): Promise<{ kind: IngestKind; records: number } | undefined> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(file, 'r');
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.toString('utf8', 0, bytesRead);
    const kind = /"kind":"(traces|logs)"/.exec(head)?.[1] as IngestKind | undefined;
    const records = /"records":(\d+)/.exec(head)?.[1];
    return kind && records ? { kind, records: Number(records) } : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

function quarantineJson(entry: QuarantineEntry, error: string): string {
  // seq, kind, encoding and records first: `readHead` reads them from the file's first bytes.
  const record: QuarantinedEntry = {
    seq: entry.seq,
    kind: entry.kind,
    encoding: entry.encoding,
    records: entry.records,
    error,
    quarantinedAt: new Date().toISOString(),
    body: Buffer.from(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength).toString('base64'),
  };
  return JSON.stringify(record);
}

/**
 * Writes a quarantine file durably to `dir` (`<seq>-<ms>.json`: temp file, fsync, rename, fsync of the
 * directory) and returns it. A file is never overwritten: an entry quarantined again after a crash
 * (before its position was committed) gets a second file with the same `seq`.
 */
async function writeFileDurably(dir: string, seq: number, json: string): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${seq}-${Date.now()}.json`);
  const tmp = `${file}.tmp`;
  try {
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.writeFile(json);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  const d = await fs.promises.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
  return file;
}
