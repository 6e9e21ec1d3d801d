import type { RTCIceCandidate, RTCPeerConnection } from 'werift';
import type { MediaLogger } from './logger';
import type { IceCandidateInit } from './types';

/**
 * Trickle ICE for one peer connection, both ways, in the order the client can use it:
 * local candidates wait while the description they belong to is being produced (werift gathers
 * inside setLocalDescription, but the client must get the description first); remote candidates
 * wait until the first remote description is applied.
 */
export class IceTrickle {
  private held: (IceCandidateInit | null)[] | undefined = undefined;
  private pendingRemote: (IceCandidateInit | null)[] | undefined = [];

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly send: (candidate: IceCandidateInit | null) => void,
    private readonly logger: MediaLogger,
    private readonly label: string,
  ) {}

  /** werift's local candidate event; undefined is end-of-candidates. */
  readonly onLocalCandidate = (candidate: RTCIceCandidate | undefined): void => {
    const init: IceCandidateInit | null = candidate
      ? {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? null,
          sdpMLineIndex: candidate.sdpMLineIndex ?? null,
          usernameFragment: candidate.usernameFragment ?? null,
        }
      : null;
    if (this.held) this.held.push(init);
    else this.send(init);
  };

  holdLocal(): void {
    this.held ??= [];
  }

  releaseLocal(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const candidate of held) this.send(candidate);
  }

  /** A candidate from the client; malformed or unusable ones are logged, never thrown. */
  async addRemote(candidate: IceCandidateInit | null): Promise<void> {
    if (candidate !== null && (typeof candidate !== 'object' || typeof candidate.candidate !== 'string')) {
      this.logger.warn({ transport: this.label }, 'ignoring malformed remote ICE candidate');
      return;
    }
    if (this.pendingRemote) this.pendingRemote.push(candidate);
    else await this.apply(candidate);
  }

  /** The first remote description is applied: queued candidates can go in now. */
  async remoteDescribed(): Promise<void> {
    const pending = this.pendingRemote;
    this.pendingRemote = undefined;
    for (const candidate of pending ?? []) await this.apply(candidate);
  }

  close(): void {
    this.held = undefined;
    this.pendingRemote = [];
  }

  private async apply(candidate: IceCandidateInit | null): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      this.logger.warn({ err, transport: this.label }, 'remote ICE candidate rejected');
    }
  }
}
