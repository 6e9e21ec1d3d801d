import type { IceCandidate } from '@confab/protocol';

/** The slice of RTCPeerConnection the queue needs (a fake is enough in tests). */
export interface CandidateSink {
  readonly remoteDescription: RTCSessionDescription | null;
  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void>;
}

/**
 * Remote trickle candidates for one peer connection. Candidates that arrive before the remote
 * description are held and applied by `flush()` once it is set. `null` is end-of-candidates.
 */
export class CandidateQueue {
  private held: (IceCandidate | null)[] = [];

  constructor(
    private readonly pc: CandidateSink,
    private readonly onError: (error: unknown) => void,
  ) {}

  get size(): number {
    return this.held.length;
  }

  add(candidate: IceCandidate | null): void {
    if (this.pc.remoteDescription === null) this.held.push(candidate);
    else this.apply(candidate);
  }

  /** Applies held candidates; call after every setRemoteDescription. */
  flush(): void {
    if (this.pc.remoteDescription === null) return;
    const held = this.held;
    this.held = [];
    for (const candidate of held) this.apply(candidate);
  }

  clear(): void {
    this.held = [];
  }

  private apply(candidate: IceCandidate | null): void {
    if (candidate === null) {
      // End of candidates; older browsers reject the argument-less form, which is harmless.
      this.pc.addIceCandidate().catch(() => undefined);
      return;
    }
    const init: RTCIceCandidateInit = { candidate: candidate.candidate };
    if (candidate.sdpMid != null) init.sdpMid = candidate.sdpMid;
    if (candidate.sdpMLineIndex != null) init.sdpMLineIndex = candidate.sdpMLineIndex;
    if (candidate.usernameFragment != null) init.usernameFragment = candidate.usernameFragment;
    this.pc.addIceCandidate(init).catch(this.onError);
  }
}

/** A local RTCIceCandidate (or null) as the wire wants it. */
export function candidateToWire(candidate: RTCIceCandidate | null): IceCandidate | null {
  if (candidate === null) return null;
  const json = typeof candidate.toJSON === 'function' ? candidate.toJSON() : candidate;
  return {
    candidate: json.candidate ?? '',
    sdpMid: json.sdpMid ?? null,
    sdpMLineIndex: json.sdpMLineIndex ?? null,
    usernameFragment: json.usernameFragment ?? null,
  };
}
