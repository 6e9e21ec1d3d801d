import { RtpHeader, RtpPacket } from 'werift';

/**
 * The per-subscriber copy werift forces on us: `RTCRtpSender.sendRtp` rewrites the header it is
 * given (ssrc, payload type, sequence number, extensions) and keeps it in its retransmission
 * cache, so one object shared by many senders would be corrupted (WERIFT-NOTES 6). The payload
 * buffer is shared; werift never writes to it. The publisher's header extensions are dropped:
 * their ids mean nothing on the subscriber's transport.
 */
export function cloneForForwarding(packet: RtpPacket, sequenceNumber: number): RtpPacket {
  const src = packet.header;
  const header = new RtpHeader();
  header.padding = src.padding;
  header.paddingSize = src.paddingSize;
  header.marker = src.marker;
  header.payloadType = src.payloadType;
  header.sequenceNumber = sequenceNumber;
  header.timestamp = src.timestamp;
  header.ssrc = src.ssrc;
  header.csrcLength = src.csrcLength;
  header.csrc = src.csrc;
  return new RtpPacket(header, packet.payload);
}

/** True when `a` is after `b` in 16-bit sequence space. */
export function seqNewer(a: number, b: number): boolean {
  return a !== b && ((a - b) & 0xffff) < 0x8000;
}
