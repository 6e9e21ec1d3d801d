/**
 * Which path a page's media took: the selected ICE candidate pair of each of the app's peer
 * connections (recorded by browser.ts's init script), with both candidates' type and protocol.
 */
import type { Page } from 'playwright-core';

export interface CandidateInfo {
  /** host, srflx, prflx or relay */
  candidateType: string;
  /** udp or tcp: how this candidate's packets travel to the other side */
  protocol: string;
  /** relay candidates: how the browser reaches the TURN server (udp, tcp, tls) */
  relayProtocol: string | undefined;
  address: string;
  port: number;
}

export interface SelectedPairInfo {
  /** The app's publisher connection (it has a track to send) or its subscriber one. */
  connection: 'publisher' | 'subscriber';
  local: CandidateInfo;
  remote: CandidateInfo;
}

/** The selected pair of every connected peer connection of the page (none while still connecting). */
export async function selectedPairs(page: Page): Promise<SelectedPairInfo[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections ?? [];
    const out: SelectedPairInfo[] = [];
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      let pair: Record<string, unknown> | undefined;
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      });
      // Older reports: the nominated, succeeded pair.
      if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
      if (!pair) continue;
      // (No helper functions in here: the page gets this function's source, without the bundler's helpers.)
      const ends = [stats.get(pair['localCandidateId'] as string) ?? {}, stats.get(pair['remoteCandidateId'] as string) ?? {}].map((c) => ({
        candidateType: c.candidateType,
        protocol: c.protocol,
        relayProtocol: c.relayProtocol,
        address: c.address,
        port: c.port,
      }));
      out.push({ connection: pc.getSenders().some((s) => s.track !== null) ? 'publisher' : 'subscriber', local: ends[0]!, remote: ends[1]! });
    }
    return out;
  });
}

/** One line per connection, e.g. `publisher local=relay/udp(via udp) remote=host/udp`. */
export function describePairs(pairs: SelectedPairInfo[]): string {
  const side = (c: CandidateInfo) => `${c.candidateType}/${c.protocol}${c.relayProtocol ? `(via ${c.relayProtocol})` : ''}`;
  return pairs.map((p) => `${p.connection} local=${side(p.local)} remote=${side(p.remote)}`).join('; ');
}

/** UDP ports of the local candidates of every live peer connection of the page. */
export async function localUdpPortsOf(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections ?? [];
    const ports = new Set<number>();
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'local-candidate' && s.protocol === 'udp' && typeof s.port === 'number') ports.add(s.port);
      });
    }
    return [...ports];
  });
}

/**
 * Gathers with only `server` in the page, relay-only, and reports the relay candidates (their
 * relayProtocol) and the ICE errors: whether the browser could allocate on that TURN server.
 */
export async function gatherRelay(page: Page, server: RTCIceServer, timeoutMs = 8_000): Promise<{ relayProtocols: string[]; errors: string[] }> {
  return page.evaluate(
    async ({ server, timeoutMs }) => {
      const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
      const errors: string[] = [];
      pc.addEventListener('icecandidateerror', (e) => {
        const ev = e as RTCPeerConnectionIceErrorEvent;
        errors.push(`${ev.errorCode} ${ev.errorText} (${ev.url})`);
      });
      const done = new Promise<void>((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, timeoutMs);
      });
      pc.createDataChannel('probe');
      await pc.setLocalDescription(await pc.createOffer());
      await done;
      const relayProtocols: string[] = [];
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'local-candidate' && s.candidateType === 'relay') relayProtocols.push(String(s.relayProtocol));
      });
      pc.close();
      return { relayProtocols, errors };
    },
    { server, timeoutMs },
  );
}
