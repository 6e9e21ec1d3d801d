import {
  RTCRtpCodecParameters,
  useAudioLevelIndication,
  useSdesMid,
  type RTCPFB,
  type RTCRtpHeaderExtensionParameters,
} from 'werift';
import type { MediaKind, TransportRole } from './types';

/**
 * What each transport negotiates. Deliberately absent: transport-cc feedback and the
 * transport-wide-cc extension (werift's TWCC feedback breaks Chrome's estimator, WERIFT-NOTES 1),
 * abs-send-time (werift's NTP clock is wrong, note 4), red/ulpfec (werift cannot forward them).
 */

const PT = { vp8: 96, vp8Rtx: 97, h264: 102, h264Rtx: 103, opus: 111 } as const;
const H264_FMTP = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f';

const videoFeedback = (remb: boolean): RTCPFB[] => [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  // Publishers get REMB from us (RembFeedback); subscribers' estimates are of no use to us.
  ...(remb ? [{ type: 'goog-remb' }] : []),
];

function vp8(remb: boolean): RTCRtpCodecParameters[] {
  return [
    new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: PT.vp8, rtcpFeedback: videoFeedback(remb) }),
    rtx(PT.vp8Rtx, PT.vp8),
  ];
}

function h264(remb: boolean): RTCRtpCodecParameters[] {
  return [
    new RTCRtpCodecParameters({
      mimeType: 'video/H264',
      clockRate: 90000,
      payloadType: PT.h264,
      parameters: H264_FMTP,
      rtcpFeedback: videoFeedback(remb),
    }),
    rtx(PT.h264Rtx, PT.h264),
  ];
}

function opus(): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    payloadType: PT.opus,
    parameters: 'minptime=10;useinbandfec=1',
  });
}

function rtx(payloadType: number, apt: number): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType, parameters: `apt=${apt}` });
}

/** Fresh objects per peer connection: werift mutates codec and extension parameters it is given. */
export function peerCodecs(role: TransportRole): {
  codecs: { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] };
  headerExtensions: { audio: RTCRtpHeaderExtensionParameters[]; video: RTCRtpHeaderExtensionParameters[] };
} {
  const remb = role === 'publish';
  return {
    codecs: { audio: [opus()], video: [...vp8(remb), ...h264(remb)] },
    // Subscribers get none: werift would build them per packet, and nothing downstream needs them.
    headerExtensions:
      role === 'publish'
        ? { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid()] }
        : { audio: [], video: [] },
  };
}

/**
 * The codecs a subscriber m-line offers for a producer: only the producer's own codec (plus RTX),
 * because werift stamps every forwarded packet with the sender's first negotiated payload type.
 * Unknown yet (publisher's offer not applied): everything of that kind.
 */
export function subscribeCodecs(kind: MediaKind, producerCodec: RTCRtpCodecParameters | undefined): RTCRtpCodecParameters[] {
  if (kind === 'audio') return [opus()];
  const mime = producerCodec?.mimeType.toLowerCase();
  if (mime === 'video/vp8') return vp8(false);
  if (mime === 'video/h264') return h264(false);
  return [...vp8(false), ...h264(false)];
}

export function isRtx(codec: RTCRtpCodecParameters): boolean {
  return codec.mimeType.toLowerCase().endsWith('/rtx');
}

/** The codec a sender uses: the first non-RTX entry of a negotiated list. */
export function primaryCodec(codecs: readonly RTCRtpCodecParameters[]): RTCRtpCodecParameters | undefined {
  return codecs.find((codec) => !isRtx(codec));
}

export function sameCodec(a: RTCRtpCodecParameters | undefined, b: RTCRtpCodecParameters | undefined): boolean {
  return !!a && !!b && a.mimeType.toLowerCase() === b.mimeType.toLowerCase();
}

/**
 * Narrows what werift negotiated with a publisher. werift matches codecs by MIME type only, so it
 * would accept every H264 profile the browser lists; subscribers are offered constrained baseline
 * (42e0xx, packetization-mode=1) only, so that is all a publisher may send. Also drops RTX whose
 * primary went, and transport-cc feedback (belt and braces: the offer was already stripped).
 * Returns the input unchanged if filtering would leave nothing (werift then keeps its own choice).
 */
export function filterPublishCodecs(codecs: readonly RTCRtpCodecParameters[]): RTCRtpCodecParameters[] {
  const primaries = new Set<number>();
  for (const codec of codecs) {
    if (!isRtx(codec) && acceptPrimary(codec)) primaries.add(codec.payloadType);
  }
  if (primaries.size === 0) return [...codecs];
  const kept = codecs.filter((codec) =>
    isRtx(codec) ? primaries.has(Number(fmtp(codec).get('apt'))) : primaries.has(codec.payloadType),
  );
  for (const codec of kept) codec.rtcpFeedback = codec.rtcpFeedback.filter((fb) => fb.type !== 'transport-cc');
  return kept;
}

function acceptPrimary(codec: RTCRtpCodecParameters): boolean {
  switch (codec.mimeType.toLowerCase()) {
    case 'video/vp8':
    case 'audio/opus':
      return true;
    case 'video/h264': {
      const params = fmtp(codec);
      return params.get('packetization-mode') === '1' && (params.get('profile-level-id') ?? '').toLowerCase().startsWith('42e0');
    }
    default:
      return false;
  }
}

function fmtp(codec: RTCRtpCodecParameters): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of (codec.parameters ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return params;
}
