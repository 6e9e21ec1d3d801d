/**
 * Our answer to a publisher's offer: ICE-lite, DTLS passive, every accepted m-section recvonly
 * with the one codec we take (and its RTX) under the publisher's payload types, the header
 * extensions we read under its ids, the feedback we send, and for simulcast the rids we receive.
 */
import { RtpExtensionUri } from '@confab/wire';
import type { LocalIceDtlsParameters } from '../net/index';
import { sectionAttributes } from './parseSdp';
import type { PublishNegotiation } from './publishOffer';
import type { SdpCodec } from './rtpParameters';
import { joinSdp, rejectedSectionLines, sessionLines, transportLines, type SessionOrigin } from './sdpLines';

/** The rtcp-fb values we honour on the primary codec. */
const FEEDBACK_WE_SEND = ['nack', 'nack pli', 'ccm fir'];

export function writePublishAnswer(negotiation: PublishNegotiation, local: LocalIceDtlsParameters, origin: SessionOrigin): string {
  const bundle = negotiation.sections.filter((s) => s.stream !== undefined).map((s) => s.stream!.mid);
  const lines = sessionLines(origin, bundle);
  const transportCc = negotiation.extensionIds.transportCc > 0;
  for (const section of negotiation.sections) {
    const { offered, stream } = section;
    if (stream === undefined) {
      lines.push(...rejectedSectionLines(offered.kind, offered.protocol, offered.formats, offered.mid));
      continue;
    }
    lines.push(`m=${offered.kind} 9 ${offered.protocol} ${section.codecs.map((c) => c.payloadType).join(' ')}`);
    lines.push(...transportLines(local, 'passive'));
    lines.push(`a=mid:${stream.mid}`);
    for (const extension of section.extensions) lines.push(`a=extmap:${extension.id} ${extension.uri}`);
    lines.push(`a=${section.direction}`, 'a=rtcp-mux');
    if (section.rids.length > 0) {
      for (const rid of section.rids) lines.push(`a=rid:${rid} recv`);
      lines.push(`a=simulcast:recv ${section.rids.join(';')}`);
    }
    if (sectionAttributes(offered, 'rtcp-rsize').length > 0) lines.push('a=rtcp-rsize');
    for (const codec of section.codecs) lines.push(...codecLines(codec, transportCc && hasTransportCc(section.extensions)));
  }
  return joinSdp(lines);
}

function hasTransportCc(extensions: readonly { uri: string }[]): boolean {
  return extensions.some((e) => e.uri === RtpExtensionUri.transportWideCc);
}

function codecLines(codec: SdpCodec, transportCc: boolean): string[] {
  const channels = codec.channels > 1 ? `/${codec.channels}` : '';
  const lines = [`a=rtpmap:${codec.payloadType} ${codec.name}/${codec.clockRate}${channels}`];
  for (const feedback of codec.feedback) {
    if (FEEDBACK_WE_SEND.includes(feedback) || (transportCc && feedback === 'transport-cc')) {
      lines.push(`a=rtcp-fb:${codec.payloadType} ${feedback}`);
    }
  }
  if (codec.fmtp !== '') lines.push(`a=fmtp:${codec.payloadType} ${codec.fmtp}`);
  return lines;
}
