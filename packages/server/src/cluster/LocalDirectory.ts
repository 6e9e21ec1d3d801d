import { ProtocolError, type RoomName } from '@confab/protocol';
import type { MediaEngine } from '../media/types';
import { Room, type RoomOptions } from '../rooms/Room';
import type { RoomSetup } from '../rooms/RoomAccessState';
import type { RoomSnapshot } from '../rooms/RoomSnapshot';

export interface DirectoryLimits {
  /** Rooms open at once on this node (CONFAB_MAX_ROOMS). */
  maxRooms: number;
}

/**
 * The rooms this node hosts, in memory. A router decides which node hosts a room; on the node that
 * does, the room lives here.
 */
export class LocalDirectory {
  private readonly byName = new Map<RoomName, Room>();
  private draining = false;
  /** Makes router ids unique: a room that failed may leave its router behind in the engine. */
  private generation = 0;

  constructor(
    private readonly media: MediaEngine,
    private readonly roomOptions: RoomOptions,
    private readonly limits: DirectoryLimits,
  ) {}

  /**
   * The room with this name, created if there is none. Synchronous, so two joins of a new room in
   * the same instant get the same Room. Throws a ProtocolError when a new room would pass the
   * node's room limit (resource_exhausted), or the node is draining or the room moving away (unavailable).
   */
  acquire(name: RoomName): Room {
    if (this.draining) throw ProtocolError.unavailable('server is shutting down');
    const existing = this.byName.get(name);
    if (existing?.isMoving) throw ProtocolError.unavailable(`room "${name}" is moving to another server; try again`);
    if (existing && !existing.isClosed) return existing;
    const room = this.create(name);
    room.opened();
    return room;
  }

  /**
   * Opens a room as the admin API asked (its settings, and it waits `emptyTimeoutSeconds` for its
   * first join). Throws `conflict` if a room of that name is open here, and as acquire() does.
   */
  open(name: RoomName, setup: RoomSetup): Room {
    if (this.draining) throw ProtocolError.unavailable('server is shutting down');
    const existing = this.byName.get(name);
    if (existing && (!existing.isClosed || existing.isMoving)) throw ProtocolError.conflict(`room "${name}" already exists`);
    const room = this.create(name, setup);
    room.opened();
    room.awaitFirstJoin();
    return room;
  }

  /**
   * Takes over a room moved from another node (Room.exportSnapshot there): its participants wait
   * here, detached, for their clients to resume with their old tokens. Synchronous, like acquire().
   * Throws a ProtocolError: draining (unavailable), a live room of that name here (conflict), the
   * room limit (resource_exhausted), or media that cannot carry everyone (the error of media).
   */
  adopt(snapshot: RoomSnapshot): Room {
    if (this.draining) throw ProtocolError.unavailable('server is shutting down');
    const existing = this.byName.get(snapshot.room);
    if (existing && (!existing.isClosed || existing.isMoving)) throw ProtocolError.conflict(`room "${snapshot.room}" is already open here`);
    const room = this.create(snapshot.room);
    room.restore(snapshot);
    return room;
  }

  private create(name: RoomName, setup?: RoomSetup): Room {
    if (this.byName.size >= this.limits.maxRooms) {
      throw ProtocolError.exhausted(`this server already hosts its limit of ${this.limits.maxRooms} rooms; try again later`);
    }
    let room: Room | undefined = undefined;
    // A media worker that dies fails its rooms: their members are told, and join again.
    const router = this.media.createRouter(`${name}#${++this.generation}`, {
      onFailed: (error) => room?.mediaFailed(error),
      onAudioLevels: (samples) => room?.audioLevels(samples),
    });
    room = new Room(name, router, this.roomOptions, (closed) => {
      if (this.byName.get(name) === closed) this.byName.delete(name);
    }, setup);
    this.byName.set(name, room);
    return room;
  }

  /** From now on acquire() refuses with `unavailable` (the node is shutting down). */
  drain(): void {
    this.draining = true;
  }

  get(name: RoomName): Room | undefined {
    return this.byName.get(name);
  }

  rooms(): IterableIterator<Room> {
    return this.byName.values();
  }

  /** Participants a room takes unless the admin API said otherwise (CONFAB_MAX_PARTICIPANTS_PER_ROOM). */
  get defaultMaxParticipants(): number {
    return this.roomOptions.maxParticipants;
  }

  /** This node's recordings (CONFAB_RECORDINGS_DIR), if its rooms can be recorded. */
  get recordings(): RoomOptions['recordings'] {
    return this.roomOptions.recordings;
  }

  /** Where the rooms' events go (webhooks). */
  get roomEvents(): RoomOptions['events'] {
    return this.roomOptions.events;
  }

  /** Refused joins and moderation, counted by the rooms here. */
  get accessMetrics(): RoomOptions['metrics'] {
    return this.roomOptions.metrics;
  }

  get roomCount(): number {
    return this.byName.size;
  }
}
