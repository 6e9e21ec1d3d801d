import { kindOfSource, type MediaKind, type TrackSource } from '@confab/protocol';

/** One of your published tracks. */
export class LocalTrack {
  readonly source: TrackSource;
  readonly kind: MediaKind;
  /** @internal The publisher transceiver carrying it (a new one after a full rejoin). */
  transceiver: RTCRtpTransceiver;
  /** @internal True if the SDK captured the track (and so stops it on unpublish/leave). */
  owned: boolean;
  private track: MediaStreamTrack;
  private isMuted = false;
  private serverId: string | undefined = undefined;

  constructor(source: TrackSource, track: MediaStreamTrack, transceiver: RTCRtpTransceiver, owned: boolean) {
    this.source = source;
    this.kind = kindOfSource(source);
    this.track = track;
    this.transceiver = transceiver;
    this.owned = owned;
  }

  /** The captured media (changes after `switchDevice`); use it for the local preview. */
  get mediaStreamTrack(): MediaStreamTrack {
    return this.track;
  }

  get muted(): boolean {
    return this.isMuted;
  }

  /** The server's track id, once the server has told us (it may stay unknown). */
  get id(): string | undefined {
    return this.serverId;
  }

  /** @internal */
  markMuted(muted: boolean): void {
    this.isMuted = muted;
  }

  /** @internal */
  assignId(id: string): void {
    this.serverId = id;
  }

  /** @internal Swaps the captured track (device switch); the caller deals with the sender. */
  replaceMediaStreamTrack(track: MediaStreamTrack, owned: boolean): MediaStreamTrack {
    const previous = this.track;
    this.track = track;
    this.owned = owned;
    return previous;
  }

  /** @internal Stops the captured track if the SDK captured it. */
  stopIfOwned(): void {
    if (this.owned) this.track.stop();
  }
}
