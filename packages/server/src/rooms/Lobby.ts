import type { MessageOf, ParticipantId, ServerMessage } from '@confab/protocol';
import type { Admission } from './Admission';
import type { Participant } from './Participant';
import type { SessionLink } from './ParticipantSession';
import type { JoinRequest } from './requests';

/** Someone waiting in a room's lobby: their join, held until a moderator decides. */
export interface Knock {
  id: ParticipantId;
  request: JoinRequest;
  admission: Admission;
  link: SessionLink;
  since: number;
  /** Settles the join: the participant once admitted, or the refusal. */
  settle: (outcome: { participant: Participant } | { error: unknown }) => void;
}

/**
 * The people waiting to be let into one room, oldest first. They are not participants: the room
 * sends them nothing (no presence, chat or media) until admitted.
 */
export class Lobby {
  private readonly knocks = new Map<ParticipantId, Knock>();

  get size(): number {
    return this.knocks.size;
  }

  add(knock: Knock): void {
    this.knocks.set(knock.id, knock);
  }

  take(id: ParticipantId): Knock | undefined {
    const knock = this.knocks.get(id);
    this.knocks.delete(id);
    return knock;
  }

  /** Everyone, oldest first, and the lobby is empty. */
  takeAll(): Knock[] {
    const all = [...this.knocks.values()];
    this.knocks.clear();
    return all;
  }

  /** What moderators see. */
  message(): MessageOf<ServerMessage, 'lobby'> {
    return {
      type: 'lobby',
      waiting: [...this.knocks.values()].map((k) => ({ participantId: k.id, identity: k.admission.profile.identity, name: k.admission.profile.name, since: k.since })),
    };
  }
}
