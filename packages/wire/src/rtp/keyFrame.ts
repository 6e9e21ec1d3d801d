/**
 * Does this RTP payload start a key frame? Read in place over `[start, end)` of the packet (the
 * payload offset from rtpCheck() and the length minus padding). Truncated payloads answer false.
 */

/**
 * VP8 (RFC 7741 4.2, 4.3): only the first packet of a frame (S=1, partition 0) carries the VP8
 * payload header, whose P bit (the low bit of its first byte) is 0 for a key frame.
 */
export function isVp8KeyFrame(buf: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  const b0 = buf[start]!;
  if ((b0 & 0x10) === 0 || (b0 & 0x07) !== 0) return false; // not S=1 with PID 0
  let i = start + 1;
  if (b0 & 0x80) {
    if (i >= end) return false;
    const x = buf[i++]!;
    if (x & 0x80) {
      // PictureID: 7 bits, or 15 when its first bit (M) is set.
      if (i >= end) return false;
      i += buf[i]! & 0x80 ? 2 : 1;
    }
    if (x & 0x40) i++; // TL0PICIDX
    if (x & 0x30) i++; // TID/Y/KEYIDX
  }
  return i < end && (buf[i]! & 0x01) === 0;
}

const H264_IDR = 5;
const H264_SPS = 7;
const H264_STAP_A = 24;
const H264_FU_A = 28;

/**
 * H264 (RFC 6184, packetization-mode 0 or 1): an IDR slice or an SPS, alone (single NAL unit),
 * inside a STAP-A aggregate, or at the start of an FU-A fragment.
 */
export function isH264KeyFrame(buf: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  const type = buf[start]! & 0x1f;
  if (type === H264_IDR || type === H264_SPS) return true;
  if (type === H264_FU_A) {
    if (start + 1 >= end) return false;
    const fu = buf[start + 1]!;
    const inner = fu & 0x1f;
    return (fu & 0x80) !== 0 && (inner === H264_IDR || inner === H264_SPS);
  }
  if (type === H264_STAP_A) {
    let i = start + 1;
    while (i + 2 < end) {
      const size = (buf[i]! << 8) | buf[i + 1]!;
      i += 2;
      if (size === 0 || i + size > end) return false;
      const inner = buf[i]! & 0x1f;
      if (inner === H264_IDR || inner === H264_SPS) return true;
      i += size;
    }
  }
  return false;
}
