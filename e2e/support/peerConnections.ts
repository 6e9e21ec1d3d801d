/**
 * Page-side access to the app's RTCPeerConnections, for what only their stats show (the
 * publisher's bandwidth estimate, playout timestamps, the selected candidate pair). An init
 * script records every connection the page makes; with `tcpOnly` it also keeps the page's
 * connections off UDP by dropping the UDP candidates of every remote description, so only
 * ICE-TCP remains.
 */
import type { Page } from 'playwright-core';

export function peerConnectionsScript(options: { tcpOnly?: boolean } = {}): string {
  return `(() => {
  if (window.top !== window) return;
  const tcpOnly = ${options.tcpOnly === true};
  const Native = window.RTCPeerConnection;
  const pcs = [];
  const stripUdp = (sdp) => sdp.split('\\r\\n').filter((l) => !/^a=candidate:\\S+ \\d+ udp /i.test(l)).join('\\r\\n');
  class Recorded extends Native {
    constructor(...args) {
      super(...args);
      pcs.push(this);
    }
    setRemoteDescription(description) {
      if (tcpOnly && description && description.sdp) description = { type: description.type, sdp: stripUdp(description.sdp) };
      return super.setRemoteDescription(description);
    }
    addIceCandidate(candidate) {
      if (tcpOnly && candidate && / udp /i.test(candidate.candidate || '')) return Promise.resolve();
      return super.addIceCandidate(candidate);
    }
  }
  window.RTCPeerConnection = Recorded;
  Object.defineProperty(window, '__confabPeerConnections', { value: pcs });
})()`;
}

export interface SelectedPair {
  /** 'udp' or 'tcp', from the remote (server) candidate. */
  protocol: string;
  availableOutgoingBitrate: number | undefined;
  currentRoundTripTime: number | undefined;
}

/** The selected candidate pair of the page's publishing connection (the one with a sending track). */
export async function publisherPair(page: Page): Promise<SelectedPair | null> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections;
    const pc = pcs.find((p) => p.connectionState !== 'closed' && p.getSenders().some((s) => s.track !== null));
    if (pc === undefined) return null;
    const stats = await pc.getStats();
    for (const s of stats.values()) {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
      const pair = stats.get(s.selectedCandidatePairId);
      const remote = pair && stats.get(pair.remoteCandidateId);
      if (!pair || !remote) return null;
      return { protocol: remote.protocol, availableOutgoingBitrate: pair.availableOutgoingBitrate, currentRoundTripTime: pair.currentRoundTripTime };
    }
    return null;
  });
}

export interface InboundTrack {
  kind: string;
  trackIdentifier: string;
  packetsReceived: number;
  framesDecoded: number | undefined;
  estimatedPlayoutTimestamp: number | undefined;
  /** 'udp' or 'tcp': the remote candidate of the connection's selected pair. */
  protocol: string | undefined;
}

/** Every inbound RTP stream of the page's receiving connections, read in one getStats() each. */
export async function inboundTracks(page: Page): Promise<InboundTrack[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections;
    const out: InboundTrack[] = [];
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      let protocol: string | undefined;
      for (const s of stats.values()) {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = stats.get(s.selectedCandidatePairId);
          protocol = pair ? stats.get(pair.remoteCandidateId)?.protocol : undefined;
        }
      }
      for (const s of stats.values()) {
        if (s.type !== 'inbound-rtp') continue;
        out.push({
          kind: s.kind,
          trackIdentifier: s.trackIdentifier,
          packetsReceived: s.packetsReceived,
          framesDecoded: s.framesDecoded,
          estimatedPlayoutTimestamp: s.estimatedPlayoutTimestamp,
          protocol,
        });
      }
    }
    return out;
  });
}
