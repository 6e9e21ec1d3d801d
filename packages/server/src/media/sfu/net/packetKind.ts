/**
 * What a datagram (or RFC 4571 frame) on the shared port is, from its first bytes (RFC 7983
 * section 7; RFC 5761 section 4 splits RTP from RTCP by the payload-type byte).
 */
export const PacketKind = {
  Stun: 0,
  Dtls: 1,
  Rtp: 2,
  Rtcp: 3,
  /** ZRTP, TURN channels, QUIC, or too short to tell: dropped. */
  Unknown: 4,
} as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

export function classifyPacket(buf: Uint8Array, length: number): PacketKind {
  if (length < 2) return PacketKind.Unknown;
  const first = buf[0]!;
  if (first < 4) return PacketKind.Stun;
  if (first >= 20 && first <= 63) return PacketKind.Dtls;
  if (first >= 128 && first <= 191) {
    // RTCP packet types 192-223 (FIR .. XR and beyond) sit where RTP would have marker + PT 64-95.
    const second = buf[1]!;
    return second >= 192 && second <= 223 ? PacketKind.Rtcp : PacketKind.Rtp;
  }
  return PacketKind.Unknown;
}
