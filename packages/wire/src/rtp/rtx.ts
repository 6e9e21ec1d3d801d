/**
 * RTX retransmission format (RFC 4588 4): the original header (extensions included) under the
 * RTX SSRC, payload type and sequence number, with the original sequence number (OSN) as the
 * first two payload bytes. Padding is dropped both ways.
 */
import { rtpCheck, rtpPaddingSize, rtpSeq, setRtpPayloadType, setRtpSeq, setRtpSsrc } from './rtpHeader';

/**
 * Wraps packet `src` (already in the receiver's numbering: its sequence number becomes the OSN)
 * into `dst` as an RTX packet. Returns the RTX packet's length, or -1 if `src` is invalid or
 * `dst` too small.
 */
export function writeRtxPacket(
  src: Buffer,
  srcLen: number,
  dst: Buffer,
  rtxSsrc: number,
  rtxPayloadType: number,
  rtxSeq: number,
): number {
  const headerLen = rtpCheck(src, srcLen);
  if (headerLen < 0) return -1;
  const payloadEnd = srcLen - rtpPaddingSize(src, srcLen);
  const outLen = payloadEnd + 2;
  if (outLen > dst.length) return -1;
  src.copy(dst, 0, 0, headerLen);
  src.copy(dst, headerLen + 2, headerLen, payloadEnd);
  const osn = rtpSeq(src);
  dst[headerLen] = osn >>> 8;
  dst[headerLen + 1] = osn & 0xff;
  dst[0] = dst[0]! & ~0x20;
  setRtpSsrc(dst, rtxSsrc);
  setRtpPayloadType(dst, rtxPayloadType);
  setRtpSeq(dst, rtxSeq);
  return outLen;
}

/**
 * Turns an RTX packet back into the original, in place: sequence number from the OSN, the given
 * SSRC and payload type, payload moved down two bytes. Returns the new length, or -1 when there
 * is no OSN (an invalid packet, or a padding-only probe, which carries no media).
 */
export function unwrapRtx(buf: Uint8Array, len: number, ssrc: number, payloadType: number): number {
  const headerLen = rtpCheck(buf, len);
  if (headerLen < 0) return -1;
  const payloadEnd = len - rtpPaddingSize(buf, len);
  if (payloadEnd - headerLen < 2) return -1;
  const osn = (buf[headerLen]! << 8) | buf[headerLen + 1]!;
  buf.copyWithin(headerLen, headerLen + 2, payloadEnd);
  buf[0] = buf[0]! & ~0x20;
  setRtpSeq(buf, osn);
  setRtpSsrc(buf, ssrc);
  setRtpPayloadType(buf, payloadType);
  return payloadEnd - 2;
}
