/**
 * The codecs the sfu engine forwards, narrowed as on the werift path: Opus, VP8, and H264
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

/** Codecs a subscriber m-line of `kind` may carry, in our order of preference. */
export function codecsOfKind(kind: MediaKind): CodecName[] {
  return kind === 'audio' ? ['opus'] : ['vp8', 'h264'];
}

/** Which of our codecs a codec from a description is, if we accept it. */
export function acceptedCodec(codec: SdpCodec, kind: MediaKind): CodecName | undefined {
  const encoding = codec.name.toLowerCase();
  if (kind === 'audio') return encoding === 'opus' && codec.clockRate === 48000 ? 'opus' : undefined;
  if (codec.clockRate !== 90000) return undefined;
  if (encoding === 'vp8') return 'vp8';
  if (encoding === 'h264') {
    const constrainedBaseline = (codec.params.get('profile-level-id') ?? '').toLowerCase().startsWith('42e0');
    return constrainedBaseline && codec.params.get('packetization-mode') === '1' ? 'h264' : undefined;
  }
  return undefined;
}

export function isRtxCodec(codec: SdpCodec): boolean {
  return codec.name.toLowerCase() === 'rtx';
}
