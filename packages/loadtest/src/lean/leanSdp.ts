/**
 * The subscriber offer as the lean subscriber needs it, and the answer it sends back: every
 * m-section accepted as offered (codecs, RTX, extensions, feedback), recvonly, DTLS client
 * (`a=setup:active`), our own ICE credentials and certificate fingerprint. No decoder stands
 * behind it, so nothing offered needs to be declined.
 */

export interface OfferedSection {
  mid: string;
  kind: string;
  /** Port 0: rejected by the server, answered rejected. */
  rejected: boolean;
  /** Kept in the offer without a sender (the BUNDLE tag after its track went): answered inactive. */
  inactive: boolean;
  /** The m-line's formats, in order. */
  formats: string[];
  /** Media SSRC, and its RTX SSRC (FID group) or 0. */
  ssrc: number;
  rtxSsrc: number;
  /** Clock rate of the section's first codec. */
  clockRate: number;
  /** a= lines the answer repeats as offered: rtpmap, fmtp, rtcp-fb, extmap. */
  mediaLines: string[];
}

export interface SubscriberOffer {
  iceUfrag: string;
  icePassword: string;
  /** UDP host candidates, `address:port`. */
  udpCandidates: { address: string; port: number }[];
  /** The transport-wide-cc extension id, 0 when not offered. */
  transportCcId: number;
  bundle: string[];
  sections: OfferedSection[];
}

export interface LeanLocalParameters {
  iceUfrag: string;
  icePassword: string;
  /** `sha-256 AB:CD:...` */
  fingerprint: string;
}

const TRANSPORT_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const REPEATED = /^a=(rtpmap|fmtp|rtcp-fb|extmap):/;

export function readSubscriberOffer(sdp: string): SubscriberOffer {
  const offer: SubscriberOffer = { iceUfrag: '', icePassword: '', udpCandidates: [], transportCcId: 0, bundle: [], sections: [] };
  let section: OfferedSection | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const [kind = '', port = '0', , ...formats] = line.slice(2).split(' ');
      section = { mid: '', kind, rejected: port === '0', inactive: false, formats, ssrc: 0, rtxSsrc: 0, clockRate: 0, mediaLines: [] };
      offer.sections.push(section);
    } else if (line.startsWith('a=group:BUNDLE ')) {
      offer.bundle = line.slice('a=group:BUNDLE '.length).trim().split(' ');
    } else if (line.startsWith('a=ice-ufrag:')) {
      offer.iceUfrag = line.slice('a=ice-ufrag:'.length).trim();
    } else if (line.startsWith('a=ice-pwd:')) {
      offer.icePassword = line.slice('a=ice-pwd:'.length).trim();
    } else if (line.startsWith('a=candidate:')) {
      const candidate = parseUdpCandidate(line.slice(2));
      if (candidate && !offer.udpCandidates.some((c) => c.address === candidate.address && c.port === candidate.port)) offer.udpCandidates.push(candidate);
    } else if (section) {
      readSectionLine(offer, section, line);
    }
  }
  if (!offer.iceUfrag || !offer.icePassword) throw new Error('subscriber offer without a=ice-ufrag/a=ice-pwd');
  return offer;
}

function readSectionLine(offer: SubscriberOffer, section: OfferedSection, line: string): void {
  if (line === 'a=inactive') section.inactive = true;
  else if (line.startsWith('a=mid:')) section.mid = line.slice('a=mid:'.length).trim();
  else if (line.startsWith('a=ssrc-group:FID ')) {
    const [media, rtx] = line.slice('a=ssrc-group:FID '.length).split(' ').map(Number);
    section.ssrc = media ?? 0;
    section.rtxSsrc = rtx ?? 0;
  } else if (line.startsWith('a=ssrc:') && section.ssrc === 0) section.ssrc = Number(line.slice('a=ssrc:'.length).split(' ')[0]);
  if (!REPEATED.test(line)) return;
  section.mediaLines.push(line);
  if (line.startsWith('a=rtpmap:') && section.clockRate === 0) section.clockRate = Number(line.split('/')[1] ?? 0);
  if (line.startsWith('a=extmap:') && line.includes(TRANSPORT_CC_URI)) offer.transportCcId = Number(line.slice('a=extmap:'.length).split(/[ /]/)[0]);
}

/** `candidate:... 1 udp <priority> <address> <port> typ host ...` */
function parseUdpCandidate(value: string): { address: string; port: number } | undefined {
  const parts = value.split(' ');
  if (parts[2]?.toLowerCase() !== 'udp' || parts[1] !== '1') return undefined;
  const address = parts[4];
  const port = Number(parts[5]);
  return address && address.includes('.') && Number.isInteger(port) ? { address, port } : undefined;
}

export function writeLeanAnswer(offer: SubscriberOffer, local: LeanLocalParameters): string {
  const lines = ['v=0', `o=- ${Date.now()} 1 IN IP4 0.0.0.0`, 's=-', 't=0 0'];
  if (offer.bundle.length > 0) lines.push(`a=group:BUNDLE ${offer.bundle.join(' ')}`);
  lines.push('a=msid-semantic: WMS');
  for (const section of offer.sections) {
    lines.push(`m=${section.kind} ${section.rejected ? 0 : 9} UDP/TLS/RTP/SAVPF ${section.formats.join(' ')}`, 'c=IN IP4 0.0.0.0');
    if (section.rejected) {
      lines.push(`a=mid:${section.mid}`, 'a=inactive');
      continue;
    }
    lines.push(
      'a=rtcp:9 IN IP4 0.0.0.0',
      `a=ice-ufrag:${local.iceUfrag}`,
      `a=ice-pwd:${local.icePassword}`,
      `a=fingerprint:${local.fingerprint}`,
      'a=setup:active',
      `a=mid:${section.mid}`,
      section.inactive ? 'a=inactive' : 'a=recvonly',
      'a=rtcp-mux',
      'a=rtcp-rsize',
      ...section.mediaLines,
    );
  }
  return lines.join('\r\n') + '\r\n';
}
