import type {
  ConnectionStatus,
  ParticipantDetails,
  ParticipantId,
  ParticipantInfo,
  Permissions,
  PresenceStatus,
  TrackId,
  TrackInfo,
  TrackSource,
  WebhookParticipant,
} from '@confab/protocol';
import type { Consumer, Producer, TrackSettings, Transport } from '../media/types';
import type { ParticipantTransports } from './ParticipantTransports';
import type { ParticipantSession } from './ParticipantSession';
import type { ParticipantSnapshot } from './RoomSnapshot';

/** A track this participant publishes, with the producer that carries it. */
export interface PublishedTrack {
  info: TrackInfo;
  producer: Producer;
}

/** Who a participant is, as admitted (access token claims, or open mode's defaults). */
export interface ParticipantProfile {
  identity: string;
  name: string;
  metadata?: string;
  /** Present but not listed to the others (recorders, bots). */
  hidden: boolean;
}

/** One person in one room: presence, their tracks, their two transports (made on first use), their session. Owned by its Room. */
export class Participant {
  status: PresenceStatus;
  handRaised = false;
  connection: ConnectionStatus = 'connected';
  /** The highest request id processed: requests are numbered in order, so a resent one is a duplicate. */
  lastRequestId = 0;
  /** The revision of the latest subscriber offer sent; only its answer is applied. */
  offerRevision = 0;
  /** Ends the session if it is not resumed in time; set while the session is detached. */
  resumeTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The room moved here and this participant's transports are new: each resume says so
   * (`mediaReset`) until the client's first command on them shows it has rebuilt its side.
   */
  mediaReset = false;
  /** Withdraws `awaiting` tracks the client did not publish again in time after a media reset. */
  republishTimer: ReturnType<typeof setTimeout> | undefined;
  readonly tracks = new Map<TrackSource, PublishedTrack>();
  /**
   * Tracks published before the room moved here, whose media has not been published again yet:
   * the others keep seeing them (same ids) and receive them once the publisher is back.
   */
  readonly awaiting = new Map<TrackSource, TrackInfo>();
  /** What this participant receives, by the producer's track id. */
  readonly consumers = new Map<TrackId, Consumer>();
  /** Adaptive stream: how this participant shows each track, applied to the consumer whenever one exists. */
  readonly trackSettings = new Map<TrackId, TrackSettings>();
  /** Request ids of publisher offers awaiting their answer, oldest first (offers are serialized). */
  readonly pendingOfferIds: (number | undefined)[] = [];

  constructor(
    readonly id: ParticipantId,
    readonly profile: ParticipantProfile,
    /** What they may do; the room changes it (moderators, the admin API). */
    public permissions: Permissions,
    status: PresenceStatus,
    readonly session: ParticipantSession,
    readonly transports: ParticipantTransports,
    readonly joinedAt = Date.now(),
  ) {
    this.status = status;
  }

  /** Created on first use (ParticipantTransports): only code that needs the transport asks. */
  get publishTransport(): Transport {
    return this.transports.publishing;
  }

  get subscribeTransport(): Transport {
    return this.transports.subscribing;
  }

  get name(): string {
    return this.profile.name;
  }

  get identity(): string {
    return this.profile.identity;
  }

  get isModerator(): boolean {
    return this.permissions.moderator;
  }

  info(): ParticipantInfo {
    return {
      id: this.id,
      identity: this.profile.identity,
      name: this.profile.name,
      ...(this.profile.metadata === undefined ? {} : { metadata: this.profile.metadata }),
      moderator: this.permissions.moderator,
      handRaised: this.handRaised,
      status: this.status,
      connection: this.connection,
      joinedAt: this.joinedAt,
      tracks: [...[...this.tracks.values()].map((t) => t.info), ...this.awaiting.values()].map((info) => ({ ...info })),
    };
  }

  /** What the admin API shows of them. */
  details(): ParticipantDetails {
    const { id, identity, name, metadata, joinedAt, handRaised, tracks } = this.info();
    return { id, identity, name, ...(metadata === undefined ? {} : { metadata }), joinedAt, hidden: this.profile.hidden, handRaised, permissions: this.permissionsView(), tracks };
  }

  /** Who they are, for webhooks. */
  webhookView(): WebhookParticipant {
    const { metadata } = this.profile;
    return { id: this.id, identity: this.profile.identity, name: this.profile.name, ...(metadata === undefined ? {} : { metadata }) };
  }

  /** A copy of the permissions, for messages. */
  permissionsView(): Permissions {
    return { ...this.permissions, canPublishSources: [...this.permissions.canPublishSources] };
  }

  /** The room moves to another node: what this participant carries there. Its session sends nothing more here. */
  handOver(): ParticipantSnapshot {
    return {
      ...this.info(),
      permissions: this.permissionsView(),
      hidden: this.profile.hidden,
      trackSettings: [...this.trackSettings].map(([trackId, settings]) => ({ trackId, ...settings })),
      lastRequestId: this.lastRequestId,
      offerRevision: this.offerRevision,
      session: this.session.handOver(),
    };
  }

  trackById(trackId: TrackId): PublishedTrack | undefined {
    for (const track of this.tracks.values()) if (track.info.id === trackId) return track;
    return undefined;
  }

  /** Closes transports (and with them producers and consumers). Idempotent. */
  close(): void {
    clearTimeout(this.resumeTimer);
    clearTimeout(this.republishTimer);
    this.consumers.clear();
    this.tracks.clear();
    this.awaiting.clear();
    this.transports.close();
  }
}
