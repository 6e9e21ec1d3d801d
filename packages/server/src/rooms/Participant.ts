import type {
  ParticipantId,
  ParticipantInfo,
  PresenceStatus,
  ServerMessage,
  TrackId,
  TrackInfo,
  TrackSource,
} from '@confab/protocol';
import type { Consumer, Producer, Transport } from '../media/types';

/** How a room reaches one participant's client; implemented by the service edge. */
export interface ParticipantSink {
  send(message: ServerMessage): void;
  /** The room has dropped this participant (it failed): end the client's session so it joins again. */
  end(): void;
}

/** A track this participant publishes, with the producer that carries it. */
export interface PublishedTrack {
  info: TrackInfo;
  producer: Producer;
}

/** One person in one room: presence, their tracks, their two transports. Owned by its Room. */
export class Participant {
  status: PresenceStatus;
  readonly joinedAt = Date.now();
  readonly tracks = new Map<TrackSource, PublishedTrack>();
  /** What this participant receives, by the producer's track id. */
  readonly consumers = new Map<TrackId, Consumer>();
  /** Request ids of publisher offers awaiting their answer, oldest first (offers are serialized). */
  readonly pendingOfferIds: (number | undefined)[] = [];

  constructor(
    readonly id: ParticipantId,
    readonly name: string,
    status: PresenceStatus,
    readonly sink: ParticipantSink,
    readonly publishTransport: Transport,
    readonly subscribeTransport: Transport,
  ) {
    this.status = status;
  }

  info(): ParticipantInfo {
    return {
      id: this.id,
      name: this.name,
      status: this.status,
      joinedAt: this.joinedAt,
      tracks: [...this.tracks.values()].map((t) => ({ ...t.info })),
    };
  }

  trackById(trackId: TrackId): PublishedTrack | undefined {
    for (const track of this.tracks.values()) if (track.info.id === trackId) return track;
    return undefined;
  }

  /** Closes transports (and with them producers and consumers). Idempotent. */
  close(): void {
    this.consumers.clear();
    this.tracks.clear();
    this.publishTransport.close();
    this.subscribeTransport.close();
  }
}
