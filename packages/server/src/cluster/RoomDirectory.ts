import type { RoomName } from '@confab/protocol';
import type { Room } from '../rooms/Room';

/**
 * Where rooms live. One node: LocalDirectory, in memory. Many nodes (later): a Redis-backed
 * directory behind the same interface, chosen once at start-up.
 */
export interface RoomDirectory {
  /**
   * The room with this name, created if there is none. Synchronous, so two joins of a new room in
   * the same instant get the same Room.
   */
  acquire(name: RoomName): Room;
  get(name: RoomName): Room | undefined;
  rooms(): IterableIterator<Room>;
  readonly roomCount: number;
}
