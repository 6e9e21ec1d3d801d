import type { RoomName } from '@confab/protocol';
import type { Room } from '../rooms/Room';

/**
 * Where rooms live. One node: LocalDirectory, in memory. Many nodes (later): a Redis-backed
 * directory behind the same interface, chosen once at start-up.
 */
export interface RoomDirectory {
  /**
   * The room with this name, created if there is none. Synchronous, so two joins of a new room in
   * the same instant get the same Room. Throws a ProtocolError when a new room would pass the
   * node's room limit (resource_exhausted) or the node is draining (unavailable).
   */
  acquire(name: RoomName): Room;
  /** From now on acquire() refuses with `unavailable` (the node is shutting down). */
  drain(): void;
  get(name: RoomName): Room | undefined;
  rooms(): IterableIterator<Room>;
  readonly roomCount: number;
}
