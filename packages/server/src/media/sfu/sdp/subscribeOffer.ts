/**
 * Our offer to a subscriber: ICE-lite, DTLS actpass (the browser answers active, we stay the
 * server), one sendonly m-section per consumer with our own payload types, SSRC and RTX SSRC,
 * msid and cname. An m-section whose consumer closed is rejected (port 0) and leaves the BUNDLE
 * group, except the group's first (its tag): Chrome refuses later offers once the tag is
 * rejected, so that one stays, inactive.
 */
import { RtpExtensionUri } from '@confab/wire';
import type { MediaKind } from '../../types';
import type { SubscribeCodec } from '../codecs';
import type { LocalIceDtlsParameters } from '../net/index';
import { joinSdp, sessionLines, transportLines, type SessionOrigin } from './sdpLines';

/** The id of ssrc-audio-level in our offers (the only extension we forward). */
export const SUBSCRIBE_AUDIO_LEVEL_ID = 1;
/** The id of transport-wide-cc in our offers: every packet we send carries our own transport-wide number. */
export const SUBSCRIBE_TRANSPORT_CC_ID = 3;

export interface OfferedSender {
  ssrc: number;
  /** Used when a codec has RTX. */
  rtxSsrc: number;
  cname: string;
  /** msid: the publisher (one stream per publisher, so its audio and video play in sync) and the track. */
  streamId: string;
  trackId: string;
}

export interface OfferSection {
  mid: string;
  kind: MediaKind;
  /** What the m-section offers (kept as last offered once it stops sending). */
  codecs: readonly SubscribeCodec[];
  /** null once the m-section carries nothing any more. */
  sender: OfferedSender | null;
}

export function writeSubscribeOffer(sections: readonly OfferSection[], local: LocalIceDtlsParameters, origin: SessionOrigin): string {
  const tag = sections[0]?.mid;
  const bundle = sections.filter((s) => s.sender !== null || s.mid === tag).map((s) => s.mid);
  const lines = sessionLines(origin, bundle);
  for (const section of sections) {
    const { codecs, sender } = section;
    const payloadTypes = codecs.flatMap((c) => (c.rtxPayloadType >= 0 ? [c.payloadType, c.rtxPayloadType] : [c.payloadType]));
    // Rejected m-sections keep their codecs: werift cannot parse one without.
    const rejected = sender === null && section.mid !== tag;
    lines.push(`m=${section.kind} ${rejected ? 0 : 9} UDP/TLS/RTP/SAVPF ${payloadTypes.join(' ')}`);
    lines.push(...(rejected ? ['c=IN IP4 0.0.0.0'] : transportLines(local, 'actpass')));
    lines.push(`a=mid:${section.mid}`);
    if (section.kind === 'audio') lines.push(`a=extmap:${SUBSCRIBE_AUDIO_LEVEL_ID} ${RtpExtensionUri.audioLevel}`);
    lines.push(`a=extmap:${SUBSCRIBE_TRANSPORT_CC_ID} ${RtpExtensionUri.transportWideCc}`);
    lines.push(sender === null ? 'a=inactive' : 'a=sendonly');
    if (sender !== null) lines.push(`a=msid:${sender.streamId} ${sender.trackId}`);
    lines.push('a=rtcp-mux', 'a=rtcp-rsize');
    for (const codec of codecs) lines.push(...codecLines(codec));
    if (sender !== null) lines.push(...ssrcLines(sender, codecs));
  }
  return joinSdp(lines);
}

function codecLines(codec: SubscribeCodec): string[] {
  const channels = codec.channels > 1 ? `/${codec.channels}` : '';
  const lines = [`a=rtpmap:${codec.payloadType} ${codec.encoding}/${codec.clockRate}${channels}`];
  for (const feedback of codec.feedback) lines.push(`a=rtcp-fb:${codec.payloadType} ${feedback}`);
  if (codec.fmtp !== '') lines.push(`a=fmtp:${codec.payloadType} ${codec.fmtp}`);
  if (codec.rtxPayloadType >= 0) {
    lines.push(`a=rtpmap:${codec.rtxPayloadType} rtx/${codec.clockRate}`, `a=fmtp:${codec.rtxPayloadType} apt=${codec.payloadType}`);
  }
  return lines;
}

function ssrcLines(sender: OfferedSender, codecs: readonly SubscribeCodec[]): string[] {
  const withRtx = codecs.some((c) => c.rtxPayloadType >= 0);
  const ssrcs = withRtx ? [sender.ssrc, sender.rtxSsrc] : [sender.ssrc];
  const lines = withRtx ? [`a=ssrc-group:FID ${sender.ssrc} ${sender.rtxSsrc}`] : [];
  for (const ssrc of ssrcs) lines.push(`a=ssrc:${ssrc} cname:${sender.cname}`, `a=ssrc:${ssrc} msid:${sender.streamId} ${sender.trackId}`);
  return lines;
}
