import type {
  ConnectionStatus,
  ParticipantId,
  ParticipantInfo,
  PresenceStatus,
  TrackId,
  TrackInfo,
  TrackSource,
} from '@confab/protocol';
import type { Consumer, Producer, Transport } from '../media/types';
import type { ParticipantSession } from './ParticipantSession';

/** A track this participant publishes, with the producer that carries it. */
export interface PublishedTrack {
  info: TrackInfo;
  producer: Producer;
}

/** One person in one room: presence, their tracks, their two transports, their session. Owned by its Room. */
export class Participant {
  status: PresenceStatus;
  connection: ConnectionStatus = 'connected';
  /** The highest request id processed: requests are numbered in order, so a resent one is a duplicate. */
  lastRequestId = 0;
  /** The revision of the latest subscriber offer sent; only its answer is applied. */
  offerRevision = 0;
  /** Ends the session if it is not resumed in time; set while `connection` is 'reconnecting'. */
  resumeTimer: ReturnType<typeof setTimeout> | undefined;
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
    readonly session: ParticipantSession,
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
      connection: this.connection,
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
    clearTimeout(this.resumeTimer);
    this.consumers.clear();
    this.tracks.clear();
    this.publishTransport.close();
    this.subscribeTransport.close();
  }
}
