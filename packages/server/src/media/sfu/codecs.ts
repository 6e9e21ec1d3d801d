/**
 * The codecs the sfu engine forwards: Opus, VP8, and H264
 * constrained baseline with packetization-mode 1 (what every browser decodes), each video codec
 * with RTX. Deliberately absent: red/ulpfec (not forwarded), VP9/AV1 (not in every subscriber).
 */
import type { MediaKind } from '../types';
import type { SdpCodec } from './sdp/rtpParameters';

export type CodecName = 'opus' | 'vp8' | 'h264';

/** How we describe a codec in subscriber offers: our own payload types. */
export interface SubscribeCodec {
  name: CodecName;
  kind: MediaKind;
  /** The rtpmap encoding name. */
  encoding: string;
  clockRate: number;
  channels: number;
  fmtp: string;
  payloadType: number;
  /** -1: no RTX for this codec. */
  rtxPayloadType: number;
  feedback: readonly string[];
}

/** transport-cc: the subscriber's feedback drives our send-side bandwidth estimate towards it. */
const VIDEO_FEEDBACK = ['transport-cc', 'nack', 'nack pli', 'ccm fir'] as const;
const AUDIO_FEEDBACK = ['transport-cc'] as const;

export const SUBSCRIBE_CODECS: Readonly<Record<CodecName, SubscribeCodec>> = {
  opus: {
    name: 'opus',
    kind: 'audio',
    encoding: 'opus',
    clockRate: 48000,
    channels: 2,
    fmtp: 'minptime=10;useinbandfec=1',
    payloadType: 111,
    rtxPayloadType: -1,
    feedback: AUDIO_FEEDBACK,
  },
  vp8: {
    name: 'vp8',
    kind: 'video',
    encoding: 'VP8',
    clockRate: 90000,
    channels: 1,
    fmtp: '',
    payloadType: 96,
    rtxPayloadType: 97,
    feedback: VIDEO_FEEDBACK,
  },
  h264: {
    name: 'h264',
    kind: 'video',
    encoding: 'H264',
    clockRate: 90000,
    channels: 1,
    fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    payloadType: 102,
    rtxPayloadType: 103,
    feedback: VIDEO_FEEDBACK,
  },
};

/**
 * Codecs a subscriber m-line of `kind` may carry, in our order of preference. VP8 leads because
 * every browser decodes it; H264 does not decode everywhere (Firefox without the OpenH264 plugin
 * has none), so it is taken only from a publisher that offers no VP8.
 */
export function codecsOfKind(kind: MediaKind): CodecName[] {
  return kind === 'audio' ? ['opus'] : ['vp8', 'h264'];
}

/**
 * The codec we receive from a publisher's m-section: in our order of preference, not the
 * publisher's (Safari, or a page calling setCodecPreferences, puts H264 first), so a stream is
 * one that every subscriber can decode whenever the publisher can send one. Among entries of the
 * same codec the publisher's order decides.
 */
export function preferredCodec(offered: readonly SdpCodec[], kind: MediaKind): SdpCodec | undefined {
  for (const name of codecsOfKind(kind)) {
    const codec = offered.find((c) => acceptedCodec(c, kind) === name);
    if (codec !== undefined) return codec;
  }
  return undefined;
}

/** Which of our codecs a codec from a description is, if we accept it. */
export function acceptedCodec(codec: SdpCodec, kind: MediaKind): CodecName | undefined {
  const encoding = codec.name.toLowerCase();
  if (kind === 'audio') return encoding === 'opus' && codec.clockRate === 48000 ? 'opus' : undefined;
  if (codec.clockRate !== 90000) return undefined;
  if (encoding === 'vp8') return 'vp8';
  if (encoding === 'h264') {
    const constrainedBaseline = isConstrainedBaseline(codec.params.get('profile-level-id'));
    return constrainedBaseline && codec.params.get('packetization-mode') === '1' ? 'h264' : undefined;
  }
  return undefined;
}

/**
 * Whether an H264 profile-level-id (6 hex digits: profile_idc, profile-iop, level_idc) names the
 * Constrained Baseline profile, in any of the three ways RFC 6184 table 5 allows: 42 with
 * constraint_set1, 4D with constraint_set0, 58 with constraint_set0 and 1 (the low four iop bits
 * zero). Browsers write 42e01f, but also 42c01f or 42e034 (a higher level); absent means Baseline.
 */
export function isConstrainedBaseline(profileLevelId: string | undefined): boolean {
  if (profileLevelId === undefined || !/^[0-9a-f]{6}$/i.test(profileLevelId)) return false;
  const profile = parseInt(profileLevelId.slice(0, 2), 16);
  const iop = parseInt(profileLevelId.slice(2, 4), 16);
  if (profile === 0x42) return (iop & 0x4f) === 0x40;
  if (profile === 0x4d) return (iop & 0x8f) === 0x80;
  if (profile === 0x58) return (iop & 0xcf) === 0xc0;
  return false;
}

export function isRtxCodec(codec: SdpCodec): boolean {
  return codec.name.toLowerCase() === 'rtx';
}
