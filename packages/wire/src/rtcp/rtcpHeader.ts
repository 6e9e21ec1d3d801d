/** The RTCP common header: packet types (RFC 3550 12.1, RFC 4585 6.1), feedback formats (FMT), writing a header. */
export const RtcpType = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  /** Transport-layer feedback (RFC 4585): FMT 1 generic NACK, 15 transport-wide CC. */
  RTPFB: 205,
  /** Payload-specific feedback (RFC 4585): FMT 1 PLI, 4 FIR (RFC 5104), 15 application layer (REMB). */
  PSFB: 206,
} as const;

export const RtpfbFormat = { NACK: 1, TWCC: 15 } as const;
export const PsfbFormat = { PLI: 1, FIR: 4, AFB: 15 } as const;

export const RTCP_HEADER_SIZE = 4;

/** Quick test for the demultiplexer (RFC 5761 4): version 2 and a packet type in 192-223. */
export function looksLikeRtcp(buf: Uint8Array, len: number): boolean {
  return len >= RTCP_HEADER_SIZE && buf[0]! >> 6 === 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/** Writes a common header; `size` is the whole packet's length in bytes, a multiple of 4. */
export function writeRtcpHeader(buf: Uint8Array, at: number, count: number, type: number, size: number, padded = false): void {
  buf[at] = 0x80 | (padded ? 0x20 : 0) | (count & 0x1f);
  buf[at + 1] = type;
  const words = size / 4 - 1;
  buf[at + 2] = (words >>> 8) & 0xff;
  buf[at + 3] = words & 0xff;
}

/** Throws when a builder is handed a buffer too small: a programming error, never input-driven. */
export function ensureRoom(buf: Uint8Array, at: number, size: number): void {
  if (at < 0 || at + size > buf.length) throw new RangeError(`RTCP packet of ${size} bytes does not fit at ${at} in ${buf.length}`);
}

/** The sender's SSRC of an SR, RR or feedback packet at `at` (check the size first: at + 8 <= end). */
export function rtcpSenderSsrc(buf: Uint8Array, at: number): number {
  return ((buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!) >>> 0;
}

/** The media source SSRC of a feedback packet (RTPFB, PSFB) at `at` (check at + 12 <= end). */
export function rtcpMediaSsrc(buf: Uint8Array, at: number): number {
  return ((buf[at + 8]! << 24) | (buf[at + 9]! << 16) | (buf[at + 10]! << 8) | buf[at + 11]!) >>> 0;
}
