/**
 * A session description as lines, grouped into the session part and one part per m-section
 * (RFC 8866). Only structure is checked here; what the attributes mean is read by the modules
 * that need them (remoteTransport, publishOffer, subscribeAnswer).
 */

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpAttribute {
  name: string;
  /** The text after the first ':'; '' for a flag such as `a=rtcp-mux`. */
  value: string;
}

export interface SdpMediaSection {
  /** audio, video, application ... */
  kind: string;
  /** 0 marks a rejected or stopped m-section. */
  port: number;
  protocol: string;
  /** The m= line's format list (payload types for RTP). */
  formats: string[];
  mid: string | undefined;
  direction: SdpDirection;
  attributes: SdpAttribute[];
}

export interface ParsedSdp {
  session: SdpAttribute[];
  media: SdpMediaSection[];
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Splits `sdp` into its parts; throws a plain Error with the reason when a line is unreadable. */
export function parseSdp(sdp: string): ParsedSdp {
  const session: SdpAttribute[] = [];
  const media: SdpMediaSection[] = [];
  let sessionDirection: SdpDirection | undefined;
  let current: SdpMediaSection | undefined;
  let explicitDirection = false;
  for (const raw of sdp.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=') throw new Error(`unreadable SDP line: ${line.slice(0, 40)}`);
    const type = line[0];
    const text = line.slice(2);
    if (type === 'm') {
      const [kind, port, protocol, ...formats] = text.split(' ');
      const portNumber = Number(port?.split('/')[0]);
      if (!kind || !protocol || !Number.isInteger(portNumber) || portNumber < 0 || portNumber > 65535) {
        throw new Error(`unreadable m= line: ${line.slice(0, 60)}`);
      }
      current = { kind, port: portNumber, protocol, formats, mid: undefined, direction: sessionDirection ?? 'sendrecv', attributes: [] };
      explicitDirection = false;
      media.push(current);
    } else if (type === 'a') {
      const colon = text.indexOf(':');
      const attribute = colon < 0 ? { name: text, value: '' } : { name: text.slice(0, colon), value: text.slice(colon + 1) };
      if (current === undefined) {
        session.push(attribute);
        if (DIRECTIONS.has(attribute.name)) sessionDirection = attribute.name as SdpDirection;
        continue;
      }
      current.attributes.push(attribute);
      if (attribute.name === 'mid') current.mid = attribute.value.trim();
      else if (DIRECTIONS.has(attribute.name) && !explicitDirection) {
        current.direction = attribute.name as SdpDirection;
        explicitDirection = true;
      }
    }
  }
  return { session, media };
}

/** The value of the first `a=name` of the section, else of the session part. */
export function sdpAttribute(parsed: ParsedSdp, section: SdpMediaSection | undefined, name: string): string | undefined {
  return section?.attributes.find((a) => a.name === name)?.value ?? parsed.session.find((a) => a.name === name)?.value;
}

/** Every `a=name` value of the section. */
export function sectionAttributes(section: SdpMediaSection, name: string): string[] {
  const values: string[] = [];
  for (const attribute of section.attributes) if (attribute.name === name) values.push(attribute.value);
  return values;
}

/** The mids of every `a=group:BUNDLE` of the session part. */
export function bundledMids(parsed: ParsedSdp): Set<string> {
  const mids = new Set<string>();
  for (const { name, value } of parsed.session) {
    if (name !== 'group') continue;
    const [semantics, ...tags] = value.trim().split(/\s+/);
    if (semantics === 'BUNDLE') for (const tag of tags) mids.add(tag);
  }
  return mids;
}

/**
 * Whether an m-section takes part in the session. Port 0 means rejected or stopped, except with
 * `a=bundle-only` inside a BUNDLE group (RFC 9143 7.2.1): "use the group's transport". Firefox
 * offers so every m-section after the first once max-bundle is agreed (its camera, added after its
 * microphone, arrives as `m=video 0 ... a=bundle-only`); Chromium never does, so a check on the
 * port alone works with Chromium and silently drops Firefox's camera.
 */
export function sectionInUse(parsed: ParsedSdp, section: SdpMediaSection): boolean {
  if (section.port !== 0) return true;
  if (section.mid === undefined || !section.attributes.some((a) => a.name === 'bundle-only')) return false;
  return bundledMids(parsed).has(section.mid);
}
