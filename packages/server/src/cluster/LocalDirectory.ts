import type { RoomName } from '@confab/protocol';
import type { MediaEngine } from '../media/types';
import { Room, type RoomOptions } from '../rooms/Room';
import type { RoomDirectory } from './RoomDirectory';

/** All rooms of a single node, in memory. */
export class LocalDirectory implements RoomDirectory {
  private readonly byName = new Map<RoomName, Room>();

  constructor(
    private readonly media: MediaEngine,
    private readonly roomOptions: RoomOptions,
  ) {}

  acquire(name: RoomName): Room {
    const existing = this.byName.get(name);
    if (existing && !existing.isClosed) return existing;
    let room: Room | undefined = undefined;
    // A media worker that dies fails its rooms: their members are told to join again.
    const router = this.media.createRouter(name, { onFailed: (error) => void room?.mediaFailed(error) });
    room = new Room(name, router, this.roomOptions, (closed) => {
      if (this.byName.get(name) === closed) this.byName.delete(name);
    });
    this.byName.set(name, room);
    return room;
  }

  get(name: RoomName): Room | undefined {
    return this.byName.get(name);
  }

  rooms(): IterableIterator<Room> {
    return this.byName.values();
  }

  get roomCount(): number {
    return this.byName.size;
  }
}
