import { ErrorCode } from '@confab/protocol';
import type { Participant } from '../rooms/Participant';
import type { SessionLink } from '../rooms/ParticipantSession';
import type { Room } from '../rooms/Room';
import type { RoomCommand, RoomLogger } from '../rooms/requests';
import { toErrorMessage, toProtocolError } from '../service/errors';
import type { RoutedSession } from './RoomRouter';

/** A participant whose room is in this process: commands go straight onto the room's queue. */
export class LocalSession implements RoutedSession {
  constructor(
    private readonly target: Room,
    private readonly participant: Participant,
    private readonly link: SessionLink,
    private readonly logger: RoomLogger,
  ) {}

  get room() {
    return this.target.name;
  }

  get participantId() {
    return this.participant.id;
  }

  async send(command: RoomCommand): Promise<boolean> {
    try {
      await this.target.handle(this.participant.id, command);
      return true;
    } catch (error) {
      if (toProtocolError(error).code === ErrorCode.Internal) {
        this.logger.error({ err: error, room: this.target.name, type: command.type }, 'command failed');
      }
      this.participant.session.send(toErrorMessage(error, 'id' in command ? command.id : undefined));
      return false;
    }
  }

  acknowledge(seq: number): void {
    this.participant.session.acknowledge(seq);
  }

  close(): Promise<void> {
    return this.target.connectionClosed(this.participant.id, this.link);
  }

  detach(): Promise<void> {
    return this.target.connectionLost(this.participant.id, this.link);
  }
}
