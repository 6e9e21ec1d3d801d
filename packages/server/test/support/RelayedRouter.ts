import { setImmediate as hop } from 'node:timers/promises';
import { decodeClientMessage, decodeServerMessage, encodeMessage, type ServerMessage } from '@confab/protocol';
import type { ListeningAddress, RoomRouter, RoutedSession } from '../../src/cluster/RoomRouter';
import type { SessionEndReason, SessionLink } from '../../src/rooms/ParticipantSession';
import type { JoinRequest, ResumeRequest, RoomCommand } from '../../src/rooms/requests';

/**
 * A router that puts a message bus between the edge and the room, as a cluster does between the
 * node holding a socket and the node owning the room: every command and every message back is
 * encoded to wire JSON, decoded on the other side, and delivered a turn of the event loop later.
 * Tests run real signaling through it to show the edge needs nothing but the RoomRouter interface.
 */
export class RelayedRouter implements RoomRouter {
  /** Messages and commands that crossed the bus, both ways. */
  crossings = 0;

  constructor(private readonly owner: RoomRouter) {}

  get administration() {
    return this.owner.administration;
  }

  get localRooms() {
    return this.owner.localRooms;
  }

  get serving() {
    return this.owner.serving;
  }

  start(address: ListeningAddress): Promise<void> {
    return this.owner.start(address);
  }

  drain(): Promise<boolean> {
    return this.owner.drain();
  }

  close(): Promise<void> {
    return this.owner.close();
  }

  async connect(request: JoinRequest | ResumeRequest, link: SessionLink): Promise<RoutedSession> {
    const remoteLink = new RelayedLink(link, () => this.crossings++);
    const session = await this.owner.connect(this.cross(request), remoteLink);
    await hop();
    return new RelayedSession(session, (command) => this.cross(command));
  }

  private cross<T extends JoinRequest | ResumeRequest | RoomCommand>(message: T): T {
    this.crossings++;
    const decoded = decodeClientMessage(encodeMessage(message));
    if (!decoded.ok) throw new Error(`the bus could not carry ${message.type}: ${decoded.error.message}`);
    return decoded.message as T;
  }
}

/** The owner's side of a connection on another node: what the room sends goes back over the bus. */
class RelayedLink implements SessionLink {
  constructor(
    private readonly edge: SessionLink,
    private readonly counted: () => void,
  ) {}

  send(message: ServerMessage, seq?: number): void {
    this.counted();
    const decoded = decodeServerMessage(encodeMessage(message, seq));
    if (!decoded.ok) throw new Error(`the bus could not carry ${message.type}: ${decoded.error.message}`);
    setImmediate(() => this.edge.send(decoded.message, decoded.seq));
  }

  supersede(): void {
    setImmediate(() => this.edge.supersede());
  }

  end(reason: SessionEndReason): void {
    setImmediate(() => this.edge.end(reason));
  }
}

/** The edge's side: commands go over the bus to the owner's session. */
class RelayedSession implements RoutedSession {
  constructor(
    private readonly owner: RoutedSession,
    private readonly cross: (command: RoomCommand) => RoomCommand,
  ) {}

  get room() {
    return this.owner.room;
  }

  get participantId() {
    return this.owner.participantId;
  }

  async send(command: RoomCommand): Promise<boolean> {
    const carried = this.cross(command);
    await hop();
    return this.owner.send(carried);
  }

  acknowledge(seq: number): void {
    setImmediate(() => this.owner.acknowledge(seq));
  }

  async close(): Promise<void> {
    await hop();
    return this.owner.close();
  }

  async detach(): Promise<void> {
    await hop();
    return this.owner.detach();
  }
}
