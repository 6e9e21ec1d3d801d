import type { IceCandidate, PeerTarget } from '@confab/protocol';
import { CandidateQueue, candidateToWire } from './CandidateQueue';
import { ConfabError } from './errors';
import type { SignalClient } from './SignalClient';

/** What the peer connections need from the signaling channel. */
export type Signaller = Pick<SignalClient, 'request' | 'send'>;

/**
 * What the publisher and subscriber connections share: trickle ICE both ways for one `target`,
 * reporting a failed connection, and closing.
 */
export class PeerLink {
  private readonly candidates: CandidateQueue;
  private _closed = false;
  private candidateGathered!: () => void;
  /** Settles at this connection's first local ICE candidate (or the end of gathering without one). */
  readonly firstCandidate = new Promise<void>((resolve) => (this.candidateGathered = resolve));
  private connectingEnded!: () => void;
  /** Settles once the connection is past connecting for the first time: connected, or failed or closed by the browser. */
  readonly firstConnected = new Promise<void>((resolve) => (this.connectingEnded = resolve));
  /** Set by the connection that owns this link: how it restarts ICE. */
  onIceFailed: (() => void) | undefined;

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly target: PeerTarget,
    private readonly signal: Signaller,
    onError: (error: ConfabError) => void,
  ) {
    this.candidates = new CandidateQueue(pc, (error) =>
      onError(ConfabError.connectionFailed(`${target}: could not add a remote ICE candidate`, error)),
    );
    pc.onicecandidate = (event) => {
      this.candidateGathered();
      this.sendCandidate(event.candidate);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState !== 'new' && pc.connectionState !== 'connecting') this.connectingEnded();
      if (pc.connectionState === 'failed' && !this._closed) {
        onError(ConfabError.connectionFailed(`${target} connection failed (ICE/DTLS)`));
      }
    };
    // Media lost its path while signaling is fine (UDP blocked, address changed): restart ICE.
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed' && !this._closed) this.onIceFailed?.();
    };
  }

  get closed(): boolean {
    return this._closed;
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    if (!this._closed) this.candidates.add(candidate);
  }

  /** Applies held remote candidates; call after every setRemoteDescription. */
  flushCandidates(): void {
    this.candidates.flush();
  }

  /** Closes the peer connection; false if it was already closed. */
  close(): boolean {
    if (this._closed) return false;
    this._closed = true;
    this.candidates.clear();
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.close();
    return true;
  }

  private sendCandidate(candidate: RTCIceCandidate | null): void {
    if (this._closed) return;
    try {
      this.signal.send({ type: 'candidate', target: this.target, candidate: candidateToWire(candidate) });
    } catch {
      // the socket is gone; the room reports that
    }
  }
}
