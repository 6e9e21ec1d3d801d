/**
 * The fixed RTP header (RFC 3550 5.1), read and rewritten in place on the caller's buffer. Every
 * function takes the packet at offset 0 of `buf`; `len` is the packet's length, so one
 * preallocated work buffer can hold packets of any size. Nothing here allocates.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers  ...        |
 */

export const RTP_HEADER_SIZE = 12;

/** Why rtpCheck() refused a packet; all negative so a result >= 12 is a header length. */
export const RtpInvalid = {
  TooShort: -1,
  BadVersion: -2,
  CsrcOverflow: -3,
  ExtensionOverflow: -4,
  BadPadding: -5,
} as const;

/**
 * Validates the header's structure (version 2; CSRC list, extension block and padding all inside
 * `len`) and returns the payload offset, or a negative RtpInvalid code. The payload is then
 * `[rtpCheck(), len - rtpPaddingSize())` and may be empty (padding-only probes).
 * Only the block's bounds are checked; the extension readers stay within them.
 */
export function rtpCheck(buf: Uint8Array, len: number): number {
  if (len < RTP_HEADER_SIZE || len > buf.length) return RtpInvalid.TooShort;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return RtpInvalid.BadVersion;
  let offset = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if (offset > len) return RtpInvalid.CsrcOverflow;
  if (b0 & 0x10) {
    if (offset + 4 > len) return RtpInvalid.ExtensionOverflow;
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
    if (offset > len) return RtpInvalid.ExtensionOverflow;
  }
  if (b0 & 0x20) {
    const padding = buf[len - 1]!;
    if (padding === 0 || offset + padding > len) return RtpInvalid.BadPadding;
  }
  return offset;
}

/** Padding bytes at the end (the count in the last byte), 0 without the P bit. Assumes rtpCheck passed. */
export function rtpPaddingSize(buf: Uint8Array, len: number): number {
  return buf[0]! & 0x20 ? buf[len - 1]! : 0;
}

/** Quick test for the demultiplexer (RFC 7983 + RFC 5761): RTP, not RTCP (PT 64-95 is RTCP's range). */
export function looksLikeRtp(buf: Uint8Array, len: number): boolean {
  if (len < RTP_HEADER_SIZE || buf[0]! >> 6 !== 2) return false;
  const pt = buf[1]! & 0x7f;
  return pt < 64 || pt > 95;
}

export function rtpMarker(buf: Uint8Array): boolean {
  return (buf[1]! & 0x80) !== 0;
}

export function rtpPayloadType(buf: Uint8Array): number {
  return buf[1]! & 0x7f;
}

export function rtpSeq(buf: Uint8Array): number {
  return (buf[2]! << 8) | buf[3]!;
}

export function rtpTimestamp(buf: Uint8Array): number {
  return ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
}

export function rtpSsrc(buf: Uint8Array): number {
  return ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
}

export function rtpCsrcCount(buf: Uint8Array): number {
  return buf[0]! & 0x0f;
}

export function rtpHasExtension(buf: Uint8Array): boolean {
  return (buf[0]! & 0x10) !== 0;
}

export function setRtpMarker(buf: Uint8Array, marker: boolean): void {
  buf[1] = marker ? buf[1]! | 0x80 : buf[1]! & 0x7f;
}

export function setRtpPayloadType(buf: Uint8Array, payloadType: number): void {
  buf[1] = (buf[1]! & 0x80) | (payloadType & 0x7f);
}

export function setRtpSeq(buf: Uint8Array, seq: number): void {
  buf[2] = (seq >>> 8) & 0xff;
  buf[3] = seq & 0xff;
}

export function setRtpTimestamp(buf: Uint8Array, timestamp: number): void {
  buf[4] = timestamp >>> 24;
  buf[5] = (timestamp >>> 16) & 0xff;
  buf[6] = (timestamp >>> 8) & 0xff;
  buf[7] = timestamp & 0xff;
}

export function setRtpSsrc(buf: Uint8Array, ssrc: number): void {
  buf[8] = ssrc >>> 24;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}
