import type { IceCandidate, PeerTarget } from '@confab/protocol';
import type { RTCIceCandidate, RTCPeerConnection } from 'werift';
import type { SignalChannel } from './SignalChannel';

/**
 * Trickle ICE for one peer connection, both ways (docs/protocol.md "Two peer connections").
 * Remote candidates that arrive before the remote description are held until `flushRemote()`.
 * Local candidates are held until `openLocal()`, i.e. until our offer/answer has been sent, so the
 * server never sees a candidate for a description it does not have yet.
 */
export class IceTrickle {
  private readonly remoteHeld: (IceCandidate | null)[] = [];
  private readonly localHeld: (IceCandidate | null)[] = [];
  private localOpen = false;
  errors = 0;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly target: PeerTarget,
    private readonly signal: SignalChannel,
  ) {
    pc.onIceCandidate.subscribe((candidate) => this.local(candidate ? toWire(candidate) : null));
  }

  openLocal(): void {
    if (this.localOpen) return;
    this.localOpen = true;
    for (const candidate of this.localHeld.splice(0)) this.send(candidate);
  }

  addRemote(candidate: IceCandidate | null): void {
    if (!this.pc.remoteDescription) this.remoteHeld.push(candidate);
    else this.apply(candidate);
  }

  /** Call after every setRemoteDescription. */
  flushRemote(): void {
    for (const candidate of this.remoteHeld.splice(0)) this.apply(candidate);
  }

  private local(candidate: IceCandidate | null): void {
    if (this.localOpen) this.send(candidate);
    else this.localHeld.push(candidate);
  }

  private send(candidate: IceCandidate | null): void {
    this.signal.send({ type: 'candidate', target: this.target, candidate });
  }

  private apply(candidate: IceCandidate | null): void {
    if (candidate === null) return; // werift needs no end-of-candidates
    this.pc
      .addIceCandidate({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? undefined,
        sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
        usernameFragment: candidate.usernameFragment ?? undefined,
      })
      .catch(() => this.errors++);
  }
}

function toWire(candidate: RTCIceCandidate): IceCandidate {
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    usernameFragment: candidate.usernameFragment ?? null,
  };
}
