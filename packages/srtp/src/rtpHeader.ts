/** Reads of RTP/RTCP header fields straight from the packet bytes (no parsing into objects). */

/** Length of the RTP header (fixed part, CSRCs, extension), or -1 if `len` bytes hold no valid one. */
export function rtpHeaderLength(buf: Uint8Array, len: number): number {
  if (len < 12) return -1;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return -1;
  let n = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (n + 4 > len) return -1;
    n += 4 + ((buf[n + 2]! << 8) | buf[n + 3]!) * 4;
  }
  return n <= len ? n : -1;
}

export function readU16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!;
}

/** An SSRC as a signed 32-bit integer: the key SsrcTable takes. */
export function readI32(buf: Uint8Array, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

/** True when `len` is a whole number of bytes that `buf` actually holds. */
export function isPacketLength(buf: Uint8Array, len: number): boolean {
  return Number.isInteger(len) && len >= 0 && len <= buf.length;
}
