import { OtlpDecodeError } from './decode-error.js';

/**
 * Protobuf wire-format primitives shared by the receiver's scan (`scan.ts`) and the trace decoder
 * (`decode-traces-protobuf.ts`).
 */

/** Wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

export function fail(what: string): never {
  throw new OtlpDecodeError(`invalid protobuf: ${what}`);
}

/** Offset after the last varint read by `varint` or field skipped by `skip` (no tuple per field). */
export let pos = 0;

/** Reads a varint at `at` (at most 10 bytes; exact up to 2^53) and sets `pos` after it. */
export function varint(b: Uint8Array, at: number, end: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail('truncated varint');
    const byte = b[at++] as number;
    if (i < 8) value += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) {
      pos = at;
      return value;
    }
  }
  return fail('varint too long');
}

/** Validates one field's payload of wire type `wt` at `at`; returns the offset after it (also in `pos`). */
export function skip(b: Uint8Array, wt: number, at: number, end: number): number {
  switch (wt) {
    case VARINT:
      varint(b, at, end);
      return pos;
    case I64:
      if (at + 8 > end) fail('truncated fixed64');
      pos = at + 8;
      return pos;
    case I32:
      if (at + 4 > end) fail('truncated fixed32');
      pos = at + 4;
      return pos;
    case LEN: {
      const len = varint(b, at, end);
      if (pos + len > end) fail('length-delimited field overruns its message');
      pos += len;
      return pos;
    }
    default:
      return fail(`wire type ${wt}`);
  }
}
