/**
 * What only the app's RTCPeerConnections can tell (the publisher's bandwidth estimate, playout
 * timestamps, the selected candidate pair), read from the connections PC_RECORDER keeps; and
 * TCP_ONLY, which keeps a page's connections off UDP by dropping the UDP candidates of every
 * remote description and trickled candidate, so only ICE-TCP is left to them.
 */
import type { Page } from 'playwright-core';

/** An init script; goes after PC_RECORDER (./network.ts) so the recorder sees these connections. */
export const TCP_ONLY = `(() => {
  const Base = window.RTCPeerConnection;
  const isUdp = (line) => /^(a=)?candidate:\\S+ \\d+ udp /i.test(line);
  window.RTCPeerConnection = class extends Base {
    setRemoteDescription(description) {
      if (description && description.sdp) {
        description = { type: description.type, sdp: description.sdp.split('\\r\\n').filter((l) => !isUdp(l)).join('\\r\\n') };
      }
      return super.setRemoteDescription(description);
    }
    addIceCandidate(candidate) {
      if (candidate && isUdp(candidate.candidate || '')) return Promise.resolve();
      return super.addIceCandidate(candidate);
    }
  };
})();`;

export interface SelectedPair {
  /** The server candidate's protocol: 'udp' or 'tcp'. */
  protocol: string;
  availableOutgoingBitrate: number | undefined;
}

export interface InboundTrack {
  kind: 'audio' | 'video';
  packetsReceived: number;
  framesDecoded: number | undefined;
  /** Sender NTP time (ms) of what plays out now; needs the sender's RTCP Sender Reports. */
  estimatedPlayoutTimestamp: number | undefined;
  /** The server candidate's protocol on the connection that receives it. */
  protocol: string | undefined;
}

/** The selected pair of the page's publishing connection (the one with a track to send). */
export async function publisherPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __e2ePeerConnections: RTCPeerConnection[] }).__e2ePeerConnections;
    const pc = pcs.find((p) => p.connectionState === 'connected' && p.getSenders().some((s) => s.track !== null));
    if (pc === undefined) return null;
    const stats = await pc.getStats();
    for (const s of stats.values()) {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
      const pair = stats.get(s.selectedCandidatePairId);
      const remote = pair && stats.get(pair.remoteCandidateId);
      if (remote) return { protocol: remote.protocol, availableOutgoingBitrate: pair.availableOutgoingBitrate };
    }
    return null;
  });
}

/** Every inbound RTP stream of the page, one getStats() per connection (so a connection's streams are read at one instant). */
export async function inboundTracks(page: Page): Promise<InboundTrack[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __e2ePeerConnections: RTCPeerConnection[] }).__e2ePeerConnections;
    const tracks: InboundTrack[] = [];
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      let protocol: string | undefined;
      for (const s of stats.values()) {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
        const pair = stats.get(s.selectedCandidatePairId);
        protocol = pair ? stats.get(pair.remoteCandidateId)?.protocol : undefined;
      }
      for (const s of stats.values()) {
        if (s.type !== 'inbound-rtp') continue;
        tracks.push({
          kind: s.kind,
          packetsReceived: s.packetsReceived,
          framesDecoded: s.framesDecoded,
          estimatedPlayoutTimestamp: s.estimatedPlayoutTimestamp,
          protocol,
        });
      }
    }
    return tracks;
  });
}
