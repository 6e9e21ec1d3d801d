/**
 * SDES (RFC 3550 6.5) carrying CNAMEs, and BYE (6.6). Both are rare (seconds apart, once per
 * stream), so their readers return fresh objects and strings; malformed input gives undefined.
 */
import { readU32, writeU32 } from './bytes';
import { RtcpType, ensureRoom, writeRtcpHeader } from './rtcpHeader';

export interface SdesChunk {
  ssrc: number;
  /** Absent when the chunk has no CNAME item. */
  cname?: string;
}

export interface Bye {
  ssrcs: number[];
  reason?: string;
}

const SDES_END = 0;
const SDES_CNAME = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The chunks of an SDES packet with their CNAMEs (other items are skipped). */
export function readSdes(buf: Uint8Array, at: number, end: number): SdesChunk[] | undefined {
  if (buf[at + 1] !== RtcpType.SDES) return undefined;
  const count = buf[at]! & 0x1f;
  const chunks: SdesChunk[] = [];
  let i = at + 4;
  for (let c = 0; c < count; c++) {
    if (i + 4 > end) return undefined;
    const chunk: SdesChunk = { ssrc: readU32(buf, i) };
    i += 4;
    for (;;) {
      if (i >= end) return undefined;
      const type = buf[i]!;
      if (type === SDES_END) break;
      if (i + 2 > end || i + 2 + buf[i + 1]! > end) return undefined;
      const length = buf[i + 1]!;
      if (type === SDES_CNAME) chunk.cname = decoder.decode(buf.subarray(i + 2, i + 2 + length));
      i += 2 + length;
    }
    // The END item, then null bytes up to the next 32-bit boundary (relative to the packet).
    i += 4 - ((i - at) & 3);
    if (i > end) return undefined;
    chunks.push(chunk);
  }
  return chunks;
}

/** Writes an SDES packet with one CNAME item per chunk (at most 31 chunks, CNAMEs up to 255 bytes of UTF-8). */
export function writeSdes(buf: Uint8Array, at: number, chunks: readonly { ssrc: number; cname: string }[]): number {
  if (chunks.length > 31) throw new RangeError(`at most 31 SDES chunks, got ${chunks.length}`);
  const names = chunks.map((chunk) => encoder.encode(chunk.cname));
  let size = 4;
  for (const name of names) {
    if (name.length > 255) throw new RangeError('CNAME longer than 255 bytes');
    size += 4 + ((2 + name.length + 4) & ~3);
  }
  ensureRoom(buf, at, size);
  writeRtcpHeader(buf, at, chunks.length, RtcpType.SDES, size);
  let i = at + 4;
  for (let c = 0; c < chunks.length; c++) {
    const name = names[c]!;
    writeU32(buf, i, chunks[c]!.ssrc);
    buf[i + 4] = SDES_CNAME;
    buf[i + 5] = name.length;
    buf.set(name, i + 6);
    const itemEnd = i + 6 + name.length;
    const chunkEnd = i + 4 + ((2 + name.length + 4) & ~3);
    buf.fill(0, itemEnd, chunkEnd); // END item and padding
    i = chunkEnd;
  }
  return i;
}

export function readBye(buf: Uint8Array, at: number, end: number): Bye | undefined {
  if (buf[at + 1] !== RtcpType.BYE) return undefined;
  const count = buf[at]! & 0x1f;
  let i = at + 4;
  if (i + count * 4 > end) return undefined;
  const bye: Bye = { ssrcs: [] };
  for (let c = 0; c < count; c++, i += 4) bye.ssrcs.push(readU32(buf, i));
  if (i < end) {
    const length = buf[i]!;
    if (i + 1 + length > end) return undefined;
    bye.reason = decoder.decode(buf.subarray(i + 1, i + 1 + length));
  }
  return bye;
}

export function writeBye(buf: Uint8Array, at: number, ssrcs: readonly number[], reason?: string): number {
  if (ssrcs.length > 31) throw new RangeError(`at most 31 SSRCs in a BYE, got ${ssrcs.length}`);
  const text = reason === undefined ? undefined : encoder.encode(reason);
  if (text && text.length > 255) throw new RangeError('BYE reason longer than 255 bytes');
  const size = 4 + ssrcs.length * 4 + (text ? (1 + text.length + 3) & ~3 : 0);
  ensureRoom(buf, at, size);
  writeRtcpHeader(buf, at, ssrcs.length, RtcpType.BYE, size);
  let i = at + 4;
  for (const ssrc of ssrcs) {
    writeU32(buf, i, ssrc);
    i += 4;
  }
  if (text) {
    buf[i] = text.length;
    buf.set(text, i + 1);
    buf.fill(0, i + 1 + text.length, at + size);
  }
  return at + size;
}
