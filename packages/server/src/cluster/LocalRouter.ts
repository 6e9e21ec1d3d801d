import { ProtocolError } from '@confab/protocol';
import type { SessionLink } from '../rooms/ParticipantSession';
import type { JoinRequest, ResumeRequest, RoomLogger } from '../rooms/requests';
import { LocalAdministration } from './LocalAdministration';
import type { LocalDirectory } from './LocalDirectory';
import { LocalSession } from './LocalSession';
import type { RoomRouter, RoutedSession } from './RoomRouter';

/** The single-node router: every room lives in this process's LocalDirectory. */
export class LocalRouter implements RoomRouter {
  readonly serving = true;
  readonly administration: LocalAdministration;

  constructor(
    readonly localRooms: LocalDirectory,
    private readonly logger: RoomLogger,
  ) {
    this.administration = new LocalAdministration(localRooms);
  }

  async connect(request: JoinRequest | ResumeRequest, link: SessionLink, signal?: AbortSignal): Promise<RoutedSession> {
    // acquire() is synchronous, so two first joins of one room in the same instant get one Room.
    const room = request.type === 'join' ? this.localRooms.acquire(request.room) : this.localRooms.get(request.room);
    if (!room) throw ProtocolError.notFound('session not found or expired; join again');
    const participant = await (request.type === 'join' ? room.join(request, link, signal) : room.resume(request, link));
    return new LocalSession(room, participant, link, this.logger);
  }

  async start(): Promise<void> {}

  async drain(): Promise<boolean> {
    this.localRooms.drain();
    return false;
  }

  async close(): Promise<void> {}
}
