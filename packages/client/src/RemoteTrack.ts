import type { MediaKind, TrackInfo, TrackSource } from '@confab/protocol';

/** A track another participant publishes. `mediaStreamTrack` is set while subscribed. */
export class RemoteTrack {
  readonly id: string;
  readonly source: TrackSource;
  readonly kind: MediaKind;
  readonly participantId: string;
  muted: boolean;
  /** The media, once it arrived (TrackSubscribed); undefined again after TrackUnsubscribed. */
  mediaStreamTrack?: MediaStreamTrack;
  /** @internal The receiver the media arrives on, for stats. */
  receiver?: RTCRtpReceiver;

  constructor(info: TrackInfo, participantId: string) {
    this.id = info.id;
    this.source = info.source;
    this.kind = info.kind;
    this.participantId = participantId;
    this.muted = info.muted;
    this.mediaStreamTrack = undefined;
    this.receiver = undefined;
  }

  get isSubscribed(): boolean {
    return this.mediaStreamTrack !== undefined;
  }
}
