import type { ParticipantId, RoomName } from '@confab/protocol';
import { Participant } from './Participant';
import { ParticipantSession } from './ParticipantSession';
import type { ParticipantTransports } from './ParticipantTransports';
import type { RoomLogger } from './requests';
import type { ParticipantSnapshot, RoomSnapshot } from './RoomSnapshot';

/**
 * A session moved here waits at least this long for its client, whatever CONFAB_RESUME_WINDOW_SECONDS
 * says: its client was told to resume at once, so this only bounds how long one that never comes keeps its place.
 */
export const MOVED_RESUME_WINDOW_MIN_MS = 10_000;

/**
 * A room on its way to another node (drain; docs/protocol.md "Room moves"), on the node it leaves:
 * from Room.exportSnapshot() to Room.release(). The room runs each step on its queue and hands over
 * only its members.
 */
export class OutgoingMove {
  /**
   * Left for good after the snapshot was taken (a `leave`, a closed tab): the snapshot still
   * carries them, so the new node is told to remove them at once (Room.departed) instead of
   * waiting MOVED_RESUME_WINDOW_MIN_MS for a client that will never resume.
   */
  private readonly departures = new Set<ParticipantId>();

  private constructor(
    private readonly room: RoomName,
    private readonly logger: RoomLogger,
  ) {}

  /** Starts the move: each member's timers stop here, and its state is taken down for the new node. */
  static start(
    room: RoomName,
    members: Iterable<Participant>,
    roomState: Pick<RoomSnapshot, 'state' | 'webhooks'>,
    logger: RoomLogger,
  ): { move: OutgoingMove; snapshot: RoomSnapshot } {
    const participants: ParticipantSnapshot[] = [];
    for (const participant of members) {
      clearTimeout(participant.resumeTimer);
      clearTimeout(participant.republishTimer);
      participants.push(participant.handOver());
    }
    logger.info({ room, size: participants.length }, 'room exported to move');
    return { move: new OutgoingMove(room, logger), snapshot: { v: 1, room, exportedAt: Date.now(), participants, ...roomState } };
  }

  /** `participantId` left for good while the room was on its way. */
  departed(participantId: ParticipantId): void {
    this.departures.add(participantId);
  }

  /**
   * The new node has the room: every member's connection ends with `moved` (its client resumes
   * there at once) and its media here is closed. Nobody is told of a leave. Returns who left
   * meanwhile, for the new node.
   */
  release(members: readonly Participant[]): ParticipantId[] {
    for (const step of members.flatMap((p) => [() => p.session.end('moved'), () => p.close()])) {
      try {
        step();
      } catch (error) {
        this.logger.warn({ room: this.room, err: error }, 'releasing a moved room: cleanup failed');
      }
    }
    this.logger.info({ room: this.room, size: members.length, departed: this.departures.size }, 'room released after its move');
    return [...this.departures];
  }
}

/**
 * One participant of a room moved here, on its new `transports` (made on first use): same id, session (detached until
 * its client resumes) and tracks, which wait (`awaiting`) until the client publishes them again.
 */
export function arrivingParticipant(
  state: ParticipantSnapshot,
  transports: ParticipantTransports,
  replayBufferSize: number,
): Participant {
  const session = new ParticipantSession(undefined, replayBufferSize, state.session);
  const profile = { identity: state.identity, name: state.name, ...(state.metadata === undefined ? {} : { metadata: state.metadata }), hidden: state.hidden };
  const participant = new Participant(state.id, profile, state.permissions, state.status, session, transports, state.joinedAt);
  participant.connection = state.connection;
  participant.handRaised = state.handRaised;
  participant.lastRequestId = state.lastRequestId;
  participant.offerRevision = state.offerRevision;
  participant.mediaReset = true;
  for (const track of state.tracks) participant.awaiting.set(track.source, { ...track });
  for (const { trackId, ...settings } of state.trackSettings) participant.trackSettings.set(trackId, settings);
  return participant;
}
