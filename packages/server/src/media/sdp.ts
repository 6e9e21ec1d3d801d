import { MediaError } from './errors';

/** Far above any real offer (18 m-lines from Chrome is ~15 KB); stops abuse before werift parses. */
const MAX_SDP_LENGTH = 256 * 1024;

/**
 * Rejects what is plainly not a WebRTC session description. werift accepts almost anything
 * ("garbage" parses as an offer with no media) and would answer it, so we check first.
 */
export function validateSdp(sdp: unknown, type: 'offer' | 'answer'): asserts sdp is string {
  if (typeof sdp !== 'string' || sdp.length === 0) throw MediaError.invalidArgument(`${type}: SDP must be a non-empty string`);
  if (sdp.length > MAX_SDP_LENGTH) throw MediaError.invalidArgument(`${type}: SDP is too long`);
  if (!sdp.startsWith('v=0')) throw MediaError.invalidArgument(`${type}: SDP must start with v=0`);
  const sections = mediaSections(sdp);
  if (sections.length === 0) throw MediaError.invalidArgument(`${type}: SDP has no media sections`);
  for (const key of ['a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:']) {
    if (!sdp.includes(key)) throw MediaError.invalidArgument(`${type}: SDP lacks ${key.slice(2, -1)}`);
  }
  for (const section of sections) {
    if (section.mid === undefined) throw MediaError.invalidArgument(`${type}: every media section needs a=mid`);
  }
}

export interface MediaSection {
  kind: string;
  mid: string | undefined;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Port 0 marks a rejected / stopped m-line. */
  port: number;
}

export function mediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  let current: MediaSection | undefined;
  for (const raw of sdp.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('m=')) {
      const [kind = '', port = '0'] = line.slice(2).split(' ');
      current = { kind, mid: undefined, direction: 'sendrecv', port: Number(port) };
      sections.push(current);
    } else if (current) {
      if (line.startsWith('a=mid:')) current.mid = line.slice(6).trim();
      else if (line === 'a=sendonly' || line === 'a=recvonly' || line === 'a=inactive' || line === 'a=sendrecv') {
        current.direction = line.slice(2) as MediaSection['direction'];
      }
    }
  }
  return sections;
}

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/**
 * Removes transport-cc from a publisher's offer before werift sees it: werift echoes the offer's
 * rtcp-fb lines into its answer and then runs its broken TWCC feedback (WERIFT-NOTES 1).
 */
export function stripTransportCc(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(eol)
    .filter((line) => !(line.startsWith('a=rtcp-fb:') && line.endsWith(' transport-cc')) && !(line.startsWith('a=extmap:') && line.includes(TWCC_URI)))
    .join(eol);
}

/**
 * Keeps a subscriber offer's BUNDLE group valid for Chrome as consumers close. werift gives every
 * stopped m-line port 0 and leaves it in the group. Chrome then refuses later offers once the
 * group's first mid (the tag) is rejected, and moving the tag to another mid would make Chrome
 * start a new DTLS transport that werift never answers. So the tag m-line stays in the group and
 * keeps a port (it is inactive, carries nothing), and other rejected m-lines leave the group (RFC 8843).
 */
export function keepBundleTag(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const groupAt = lines.findIndex((l) => l.startsWith('a=group:BUNDLE '));
  if (groupAt < 0) return sdp;
  const tag = lines[groupAt]!.slice('a=group:BUNDLE '.length).split(' ')[0];
  const live = new Set(mediaSections(sdp).filter((s) => s.port !== 0).map((s) => s.mid));
  let sectionStart = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('m=')) sectionStart = i;
    else if (sectionStart >= 0 && lines[i] === `a=mid:${tag}`) {
      lines[sectionStart] = lines[sectionStart]!.replace(/^(m=\S+) 0 /, '$1 9 ');
      break;
    }
  }
  const members = [tag, ...[...live].filter((mid) => mid !== tag)];
  lines[groupAt] = `a=group:BUNDLE ${members.join(' ')}`;
  return lines.join(eol);
}

/** msid ids are RFC 4566 tokens of at most 64 characters. */
export function msidToken(value: string): string {
  const token = value.replace(/[^A-Za-z0-9!#$%&'*+\-.^_`{|}~]/g, '-').slice(0, 64);
  return token === '' ? '-' : token;
}
