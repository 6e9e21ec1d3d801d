/**
 * Just enough SDP to put Chromium in front of the ICE-lite/DTLS transport alone (no engine yet):
 * read the browser's ICE ufrag and fingerprints, answer its offer as an ICE-lite DTLS server, or
 * offer it a receive-only audio section. Test support only: the engine writes the real SDP.
 */
import {
  candidateToSdp,
  type IceCandidate,
  type LocalIceDtlsParameters,
  type RemoteIceDtlsParameters,
} from '../../packages/server/src/media/sfu/net/index';

export interface OfferedSection {
  kind: string;
  mid: string;
  direction: string;
  /** The first payload type of the m-line and its rtpmap, e.g. `111 opus/48000/2`. */
  codec: { pt: string; rtpmap: string };
}

/** The browser's ICE ufrag and fingerprints from any description, and its setup role. */
export function readRemote(sdp: string): RemoteIceDtlsParameters & { setup: string | null } {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
  if (!ufrag) throw new Error('no a=ice-ufrag in the description');
  const fingerprints = [...sdp.matchAll(/^a=fingerprint:(\S+) (\S+)/gm)].map((m) => ({
    algorithm: m[1]!,
    value: m[2]!,
  }));
  return { usernameFragment: ufrag, fingerprints, setup: /^a=setup:(\S+)/m.exec(sdp)?.[1] ?? null };
}

export function readSections(sdp: string): OfferedSection[] {
  return sdp
    .split(/^(?=m=)/m)
    .slice(1)
    .map((section) => {
      const [, kind, pt] = /^m=(\S+) \d+ \S+ (\S+)/.exec(section) ?? [];
      const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
      if (!kind || !pt || mid === undefined) throw new Error(`unreadable m-section: ${section.slice(0, 80)}`);
      const rtpmap = new RegExp(`^a=rtpmap:${pt} (\\S+)`, 'm').exec(section)?.[1] ?? '';
      const direction = /^a=(sendrecv|sendonly|recvonly|inactive)$/m.exec(section)?.[1] ?? 'sendrecv';
      return { kind, mid, direction, codec: { pt, rtpmap } };
    });
}

function sessionHeader(mids: string[]): string[] {
  return [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${mids.join(' ')}`,
    'a=msid-semantic: WMS',
  ];
}

type LocalIdentity = Pick<LocalIceDtlsParameters, 'usernameFragment' | 'password' | 'fingerprint'>;

function transportLines(local: LocalIdentity, setup: string, candidates: readonly IceCandidate[]): string[] {
  return [
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${local.usernameFragment}`,
    `a=ice-pwd:${local.password}`,
    `a=fingerprint:${local.fingerprint.algorithm} ${local.fingerprint.value}`,
    `a=setup:${setup}`,
    ...candidates.map((c) => `a=${candidateToSdp(c)}`),
    'a=end-of-candidates',
    'a=rtcp-mux',
  ];
}

const ANSWER_DIRECTION: Record<string, string> = {
  sendrecv: 'recvonly',
  sendonly: 'recvonly',
  recvonly: 'inactive',
  inactive: 'inactive',
};

/** Answers every offered media section with its first codec, receive-only, as a passive DTLS server. */
export function liteAnswer(offer: string, local: LocalIdentity, candidates: readonly IceCandidate[]): string {
  const sections = readSections(offer);
  const lines = sessionHeader(sections.map((s) => s.mid));
  for (const s of sections) {
    lines.push(
      `m=${s.kind} 9 UDP/TLS/RTP/SAVPF ${s.codec.pt}`,
      ...transportLines(local, 'passive', candidates),
      `a=mid:${s.mid}`,
      `a=${ANSWER_DIRECTION[s.direction] ?? 'inactive'}`,
      `a=rtpmap:${s.codec.pt} ${s.codec.rtpmap}`,
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** Offers one Opus section we would send on (setup actpass: the browser must answer active). */
export function liteAudioOffer(local: LocalIceDtlsParameters): string {
  const lines = sessionHeader(['0']);
  lines.push(
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...transportLines(local, 'actpass', local.candidates),
    'a=mid:0',
    'a=sendonly',
    'a=msid:confab audio0',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1111 cname:confab',
  );
  return lines.join('\r\n') + '\r\n';
}
