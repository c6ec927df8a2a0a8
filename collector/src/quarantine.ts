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

/**
 * Writes an entry durably to `dir` (`<seq>-<ms>.json`: temp file, fsync, rename, fsync of the
 * directory) and returns the file. A file is never overwritten: an entry quarantined again after a
 * crash (before its position was committed) gets a second file with the same `seq`.
 */
export async function writeQuarantine(
  dir: string,
  entry: { seq: number; kind: IngestKind; encoding: IngestEncoding; body: Uint8Array; records: number },
  error: string,
): Promise<string> {
  await fs.promises.mkdir(dir, { recursive: true });
  const record: QuarantinedEntry = {
    seq: entry.seq,
    kind: entry.kind,
    encoding: entry.encoding,
    records: entry.records,
    error,
    quarantinedAt: new Date().toISOString(),
    body: Buffer.from(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength).toString('base64'),
  };
  const file = path.join(dir, `${entry.seq}-${Date.now()}.json`);
  const tmp = `${file}.tmp`;
  try {
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(record));
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
