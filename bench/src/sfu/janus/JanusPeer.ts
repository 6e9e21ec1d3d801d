import { peerConfig, waitUntil } from '@confab/loadtest';
import { RTCPeerConnection } from 'werift';
import type { JanusApi } from './JanusApi';

/**
 * A werift peer connection configured as our headless participants' are (same codecs, extensions,
 * loopback host candidates), whose candidates trickle to one Janus handle. They are held until the
 * handle has our description (`openTrickle()`), as our own participants hold theirs.
 */
export class JanusPeer {
  readonly pc = new RTCPeerConnection(peerConfig({ iceServers: [] }));
  private held: ({ candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null)[] | undefined = [];

  constructor(
    private readonly api: JanusApi,
    private readonly handle: number,
    onFailed: () => void,
  ) {
    this.pc.onIceCandidate.subscribe((c) => {
      const candidate = c ? { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } : null;
      if (this.held) this.held.push(candidate);
      else this.api.trickle(this.handle, candidate);
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') onFailed();
    });
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** Resolves once ICE and DTLS are up (Janus lists a publisher's streams only from then on). */
  async connected(timeoutMs: number): Promise<void> {
    await waitUntil(() => this.pc.connectionState === 'connected', timeoutMs, 'janus peer connection');
  }

  /** Our description is with Janus now: send what was gathered, and the rest as it comes. */
  openTrickle(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const candidate of held) this.api.trickle(this.handle, candidate);
    if (this.pc.iceGatheringState === 'complete' && !held.includes(null)) this.api.trickle(this.handle, null);
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => undefined);
  }
}
