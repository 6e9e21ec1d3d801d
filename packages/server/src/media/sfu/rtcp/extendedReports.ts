/**
 * RTCP extended reports (RFC 3611), the two blocks that give a media receiver the round-trip time
 * to the sender: we put a Receiver Reference Time block (RRTR, 4.4) in our reports to a
 * publisher, and its DLRR block (4.5) echoes it with the delay since, as LSR/DLSR do for senders.
 * Chrome offers `a=rtcp-xr:rcvr-rtt=all` and answers an RRTR with a DLRR.
 */

export const RTCP_XR = 207;
const RRTR_BLOCK = 4;
const DLRR_BLOCK = 5;

/** An XR packet with one RRTR block: header, sender SSRC, block header, NTP timestamp. */
export const RRTR_PACKET_SIZE = 20;

/** Writes an XR packet with our RRTR at `at`; returns the offset after it. */
export function writeRrtr(buf: Uint8Array, at: number, senderSsrc: number, ntpSeconds: number, ntpFraction: number): number {
  if (at + RRTR_PACKET_SIZE > buf.length) throw new RangeError('RRTR does not fit');
  buf[at] = 0x80;
  buf[at + 1] = RTCP_XR;
  buf[at + 2] = 0;
  buf[at + 3] = RRTR_PACKET_SIZE / 4 - 1;
  writeU32(buf, at + 4, senderSsrc);
  buf[at + 8] = RRTR_BLOCK;
  buf[at + 9] = 0;
  buf[at + 10] = 0;
  buf[at + 11] = 2;
  writeU32(buf, at + 12, ntpSeconds);
  writeU32(buf, at + 16, ntpFraction);
  return at + RRTR_PACKET_SIZE;
}

/**
 * Finds, in the XR packet at `at` (content end `end`, as RtcpCursor gives them), the DLRR
 * sub-block about `ssrc` (our RTCP SSRC) and returns the round-trip time it implies at
 * `nowCompact` (compact NTP, 1/65536 s), in ms; -1 if there is none or it echoes nothing.
 */
export function roundTripFromDlrr(buf: Uint8Array, at: number, end: number, ssrc: number, nowCompact: number): number {
  if (buf[at + 1] !== RTCP_XR || end - at < 8) return -1;
  let block = at + 8;
  while (block + 4 <= end) {
    const type = buf[block]!;
    const words = (buf[block + 2]! << 8) | buf[block + 3]!;
    const blockEnd = block + 4 + words * 4;
    if (blockEnd > end) return -1;
    if (type === DLRR_BLOCK) {
      for (let sub = block + 4; sub + 12 <= blockEnd; sub += 12) {
        if (readU32(buf, sub) !== ssrc) continue;
        const lastRr = readU32(buf, sub + 4);
        const delay = readU32(buf, sub + 8);
        if (lastRr === 0) return -1;
        const rtt = (nowCompact - lastRr - delay) >>> 0;
        // A value past half the 32-bit range means the report is from before our clock (bogus).
        return rtt < 0x80000000 ? (rtt * 1000) / 65536 : -1;
      }
    }
    block = blockEnd;
  }
  return -1;
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

function writeU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}
