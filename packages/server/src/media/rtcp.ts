import { PictureLossIndication, ReceiverEstimatedMaxBitrate, RtcpPayloadSpecificFeedback } from 'werift';

/** PLI (RFC 4585 6.3.1): asks the sender of `mediaSsrc` for a keyframe. */
export function pliPacket(senderSsrc: number, mediaSsrc: number): RtcpPayloadSpecificFeedback {
  return new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc, mediaSsrc }) });
}

/**
 * REMB (draft-alvestrand-rmcat-remb): caps what the publisher sends on `ssrcs` to `bitrate` bps.
 * werift parses REMB but never builds one, and its serializer wants exponent and mantissa
 * (18 bits) precomputed, so we do that here.
 */
export function rembPacket(senderSsrc: number, bitrate: number, ssrcs: number[]): RtcpPayloadSpecificFeedback {
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exp = 0;
  while (mantissa >= 1 << 18) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  return new RtcpPayloadSpecificFeedback({
    feedback: new ReceiverEstimatedMaxBitrate({
      senderSsrc,
      mediaSsrc: 0, // always 0 for REMB; the SSRCs it applies to follow the bitrate
      uniqueID: 'REMB',
      ssrcNum: ssrcs.length,
      brExp: exp,
      brMantissa: mantissa,
      ssrcFeedbacks: ssrcs,
    }),
  });
}

/** PSFB FMT 1 is PLI, FMT 4 is FIR: either way a subscriber wants a keyframe. */
export function isKeyFrameRequest(packet: { type: number; feedback?: { count?: number } }): boolean {
  return packet.type === RtcpPayloadSpecificFeedback.type && (packet.feedback?.count === 1 || packet.feedback?.count === 4);
}
