/**
 * The RTP side of one m-section: codecs (rtpmap, fmtp, rtcp-fb), header extensions (extmap) and
 * the sender's SSRCs (ssrc, ssrc-group:FID), and its simulcast encodings (rid, simulcast,
 * ssrc-group:SIM).
 */
import { sectionAttributes, type SdpMediaSection } from './parseSdp';

export interface SdpCodec {
  payloadType: number;
  /** The encoding name as written (case kept), e.g. 'VP8', 'opus', 'rtx'. */
  name: string;
  clockRate: number;
  channels: number;
  /** The fmtp line's text, '' if none. */
  fmtp: string;
  /** fmtp parameters, names lower-cased. */
  params: Map<string, string>;
  /** rtcp-fb values for this payload type (and for '*'), e.g. 'nack', 'nack pli', 'transport-cc'. */
  feedback: string[];
}

export interface SdpExtension {
  id: number;
  uri: string;
}

export interface SdpSsrcs {
  /** The media SSRC, or undefined when the section signals none. */
  primary: number | undefined;
  /** Its retransmission SSRC (ssrc-group:FID), if any. */
  rtx: number | undefined;
}

export function readCodecs(section: SdpMediaSection): SdpCodec[] {
  const codecs = new Map<number, SdpCodec>();
  for (const value of sectionAttributes(section, 'rtpmap')) {
    const match = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(value);
    if (!match) continue;
    const payloadType = Number(match[1]);
    if (payloadType > 127 || !section.formats.includes(match[1]!)) continue;
    codecs.set(payloadType, {
      payloadType,
      name: match[2]!,
      clockRate: Number(match[3]),
      channels: match[4] === undefined ? 1 : Number(match[4]),
      fmtp: '',
      params: new Map(),
      feedback: [],
    });
  }
  for (const value of sectionAttributes(section, 'fmtp')) {
    const space = value.indexOf(' ');
    const codec = codecs.get(Number(value.slice(0, space)));
    if (!codec || space < 0) continue;
    codec.fmtp = value.slice(space + 1).trim();
    codec.params = fmtpParameters(codec.fmtp);
  }
  for (const value of sectionAttributes(section, 'rtcp-fb')) {
    const space = value.indexOf(' ');
    if (space < 0) continue;
    const target = value.slice(0, space);
    const feedback = value.slice(space + 1).trim();
    for (const codec of codecs.values()) {
      if (target === '*' || Number(target) === codec.payloadType) codec.feedback.push(feedback);
    }
  }
  // In the order of the m= line: the sender's preference.
  return section.formats.map((f) => codecs.get(Number(f))).filter((c): c is SdpCodec => c !== undefined);
}

export function fmtpParameters(fmtp: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return params;
}

/** One-byte-header ids only (1-14): the forms we read and write. */
export function readExtensions(section: SdpMediaSection): SdpExtension[] {
  const extensions: SdpExtension[] = [];
  for (const value of sectionAttributes(section, 'extmap')) {
    const match = /^(\d+)(?:\/\S+)? (\S+)/.exec(value);
    const id = Number(match?.[1]);
    if (match && id >= 1 && id <= 14) extensions.push({ id, uri: match[2]! });
  }
  return extensions;
}

export function readSsrcs(section: SdpMediaSection): SdpSsrcs {
  for (const value of sectionAttributes(section, 'ssrc-group')) {
    const [semantics, primary, rtx] = value.split(' ');
    if (semantics === 'FID' && isSsrc(primary) && isSsrc(rtx)) return { primary: Number(primary), rtx: Number(rtx) };
  }
  const first = sectionAttributes(section, 'ssrc')[0]?.split(' ')[0];
  return { primary: isSsrc(first) ? Number(first) : undefined, rtx: undefined };
}

function isSsrc(text: string | undefined): text is string {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return false;
  return Number(text) <= 0xffffffff;
}

/** One simulcast encoding the sender declares: its rid, and its SSRCs when signalled (ssrc-group:SIM). */
export interface SdpSimulcastLayer {
  rid: string;
  ssrc: number | undefined;
  rtx: number | undefined;
}

/**
 * The encodings of `a=simulcast:send` (RFC 8853) that have an `a=rid:<id> send` line, in the order
 * listed: the SDK sends them low to high (q, h, f). Alternatives (`,`) keep their first choice; a
 * paused one (`~`) is still a layer. Without rids, an `a=ssrc-group:SIM` (older or non-rid
 * senders) names the layers' SSRCs, low to high, each with its FID partner. Empty: not simulcast.
 */
export function readSimulcast(section: SdpMediaSection): SdpSimulcastLayer[] {
  const sendRids = new Set<string>();
  for (const value of sectionAttributes(section, 'rid')) {
    const [id, direction] = value.trim().split(/\s+/);
    if (id !== undefined && direction === 'send' && RID.test(id)) sendRids.add(id);
  }
  const simulcast = sectionAttributes(section, 'simulcast')[0]?.trim();
  if (simulcast !== undefined && sendRids.size > 0) {
    const match = /^send\s+(\S+)/.exec(simulcast);
    const layers: SdpSimulcastLayer[] = [];
    for (const alternatives of match?.[1]?.split(';') ?? []) {
      const rid = alternatives.split(',')[0]!.replace(/^~/, '');
      if (sendRids.has(rid) && !layers.some((l) => l.rid === rid)) layers.push({ rid, ssrc: undefined, rtx: undefined });
    }
    if (layers.length > 1) return layers;
  }
  const fid = new Map<number, number>();
  for (const value of sectionAttributes(section, 'ssrc-group')) {
    const [semantics, primary, rtx] = value.split(' ');
    if (semantics === 'FID' && isSsrc(primary) && isSsrc(rtx)) fid.set(Number(primary), Number(rtx));
  }
  for (const value of sectionAttributes(section, 'ssrc-group')) {
    const [semantics, ...ssrcs] = value.trim().split(/\s+/);
    if (semantics !== 'SIM' || ssrcs.length < 2 || !ssrcs.every(isSsrc)) continue;
    return ssrcs.map((ssrc, i) => ({ rid: String(i), ssrc: Number(ssrc), rtx: fid.get(Number(ssrc)) }));
  }
  return [];
}

/** RFC 8851 rid-id: alphanumerics, '-' and '_' (we keep them short). */
const RID = /^[A-Za-z0-9_-]{1,16}$/;
