import type { ConnectionStatus, ParticipantInfo, PresenceStatus, TrackSource } from '@confab/protocol';
import { RemoteTrack } from './RemoteTrack';

/** Someone else in the room. */
export class RemoteParticipant {
  readonly id: string;
  /** Who they are to the app: the access token's subject (open mode: their browser's id). */
  readonly identity: string;
  /** Their access token's metadata, as the app backend set it. */
  readonly metadata: string | undefined;
  name: string;
  status: PresenceStatus;
  /** 'reconnecting' while their connection is lost and the server waits for them to resume. */
  connection: ConnectionStatus;
  /** They may moderate the room. */
  moderator: boolean;
  handRaised: boolean;
  readonly joinedAt: Date;
  private readonly trackMap = new Map<TrackSource, RemoteTrack>();

  constructor(info: ParticipantInfo) {
    this.id = info.id;
    this.identity = info.identity;
    this.metadata = info.metadata;
    this.name = info.name;
    this.status = info.status;
    this.connection = info.connection;
    this.moderator = info.moderator;
    this.handRaised = info.handRaised;
    this.joinedAt = new Date(info.joinedAt);
    for (const track of info.tracks) this.trackMap.set(track.source, new RemoteTrack(track, info.id));
  }

  /** Published tracks by source, subscribed or not. */
  get tracks(): ReadonlyMap<TrackSource, RemoteTrack> {
    return this.trackMap;
  }

  /** @internal */
  trackById(trackId: string): RemoteTrack | undefined {
    for (const track of this.trackMap.values()) if (track.id === trackId) return track;
    return undefined;
  }

  /** @internal Adds (or replaces) the track for its source; returns the replaced one. */
  setTrack(track: RemoteTrack): RemoteTrack | undefined {
    const previous = this.trackMap.get(track.source);
    this.trackMap.set(track.source, track);
    return previous === track ? undefined : previous;
  }

  /** @internal */
  removeTrack(track: RemoteTrack): void {
    if (this.trackMap.get(track.source) === track) this.trackMap.delete(track.source);
  }

  /** @internal Applies name/status/connection/moderator/hand from the server; true if anything changed. */
  update(info: ParticipantInfo): boolean {
    const changed =
      info.name !== this.name ||
      info.status !== this.status ||
      info.connection !== this.connection ||
      info.moderator !== this.moderator ||
      info.handRaised !== this.handRaised;
    this.name = info.name;
    this.status = info.status;
    this.connection = info.connection;
    this.moderator = info.moderator;
    this.handRaised = info.handRaised;
    return changed;
  }
}
