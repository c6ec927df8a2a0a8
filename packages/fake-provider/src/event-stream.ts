/**
 * AWS event-stream binary framing (application/vnd.amazon.eventstream), used by Bedrock's streaming APIs:
 * total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4),
 * big-endian; string headers are name-length (1), name, type 7, value-length (2), value.
 * See https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE), as the event-stream prelude and message checksums use. */
export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const STRING_TYPE = 7;

/** Encode one event-stream message with string headers. */
export function encodeMessage(headers: Record<string, string>, payload: Uint8Array): Buffer {
  const headerParts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(STRING_TYPE, 1 + n.length);
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    headerParts.push(h);
  }
  const headerBytes = Buffer.concat(headerParts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(headerBytes.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  headerBytes.copy(out, 12);
  Buffer.from(payload).copy(out, 12 + headerBytes.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}

/** An `event` message whose payload is JSON. */
export function encodeEvent(eventType: string, body: unknown): Buffer {
  return encodeMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify(body), 'utf8'),
  );
}

/** An `exception` message (e.g. a mid-stream throttling error). */
export function encodeException(exceptionType: string, message: string): Buffer {
  return encodeMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    Buffer.from(JSON.stringify({ message }), 'utf8'),
  );
}

/** Decode a buffer of concatenated messages (used by tests and for validation). */
export function decodeMessages(buf: Uint8Array): { headers: Record<string, string>; payload: Buffer }[] {
  const b = Buffer.from(buf);
  const out: { headers: Record<string, string>; payload: Buffer }[] = [];
  let at = 0;
  while (at + 16 <= b.length) {
    const total = b.readUInt32BE(at);
    const headersLen = b.readUInt32BE(at + 4);
    if (total < 16 || at + total > b.length) break;
    if (crc32(b.subarray(at, at + 8)) !== b.readUInt32BE(at + 8))
      throw new Error('event-stream prelude CRC mismatch');
    if (crc32(b.subarray(at, at + total - 4)) !== b.readUInt32BE(at + total - 4))
      throw new Error('event-stream message CRC mismatch');
    const headers: Record<string, string> = {};
    let h = at + 12;
    const hEnd = h + headersLen;
    while (h < hEnd) {
      const nameLen = b.readUInt8(h);
      const name = b.toString('utf8', h + 1, h + 1 + nameLen);
      const type = b.readUInt8(h + 1 + nameLen);
      if (type !== STRING_TYPE) throw new Error(`unsupported event-stream header type ${type}`);
      const valueLen = b.readUInt16BE(h + 2 + nameLen);
      headers[name] = b.toString('utf8', h + 4 + nameLen, h + 4 + nameLen + valueLen);
      h += 4 + nameLen + valueLen;
    }
    out.push({ headers, payload: b.subarray(hEnd, at + total - 4) });
    at += total;
  }
  return out;
}
