import { MediaError } from './errors';

/** Far above any real offer (18 m-lines from Chrome is ~15 KB); stops abuse before anything parses it. */
const MAX_SDP_LENGTH = 256 * 1024;

/**
 * Rejects what is plainly not a WebRTC session description, at the door, so the engine's SDP
 * readers only ever see something shaped like one (a lenient reader takes "garbage" for an
 * offer with no media).
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

/** msid ids are RFC 4566 tokens of at most 64 characters. */
export function msidToken(value: string): string {
  const token = value.replace(/[^A-Za-z0-9!#$%&'*+\-.^_`{|}~]/g, '-').slice(0, 64);
  return token === '' ? '-' : token;
}
