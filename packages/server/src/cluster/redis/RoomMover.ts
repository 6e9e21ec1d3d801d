import type { RoomName } from '@confab/protocol';
import { decodeRoomSnapshot, encodeRoomSnapshot } from '../../rooms/RoomSnapshot';
import type { Logger } from '../../service/logger';
import type { LocalDirectory } from '../LocalDirectory';
import type { ClusterStore } from './ClusterStore';
import type { LeaseKeeper } from './LeaseKeeper';
import type { NodeInstance } from './nodeIds';
import type { RelayBus } from './RelayBus';
import type { RelayItemOf } from './relayMessages';
import type { ClusterTimings } from './timings';

/**
 * Drain: this node's rooms move to other nodes while their calls go on. Per room: pick the
 * least-loaded other serving node, export the room (it stops taking commands), send the snapshot;
 * the target moves the lease to itself (one script, only if we still hold it) and adopts the room,
 * its participants waiting for their resumes; then the room is released here, which ends every
 * socket with `moved` (close 4002), and each client resumes at once, wherever its socket lands,
 * which placement sends to the new owner; last, the target hears who left for good meanwhile
 * (they were in the snapshot, and will not resume). See docs/cluster-redis.md "Drain".
 */
export class RoomMover {
  private readonly pending = new Map<number, (answer: RelayItemOf<'adopted'> | undefined) => void>();
  private nextCall = 0;

  constructor(
    private readonly store: ClusterStore,
    private readonly bus: RelayBus,
    private readonly leases: LeaseKeeper,
    private readonly rooms: LocalDirectory,
    private readonly timings: ClusterTimings,
    private readonly logger: Logger,
  ) {}

  /** Moves every room this node owns; resolves when each has moved, or failed to (then it stays until shutdown). */
  async moveAll(): Promise<void> {
    await Promise.all(this.leases.owned().map((room) => this.move(room)));
  }

  receive(from: NodeInstance, item: RelayItemOf<'adopt' | 'adopted' | 'departed'>): void {
    if (item.kind === 'adopted') return this.pending.get(item.call)?.(item);
    if (item.kind === 'departed') {
      this.rooms.get(item.room)?.departed(item.participants).catch((error: unknown) => this.logger.warn({ room: item.room, err: error }, 'removing who left a moving room failed'));
      return;
    }
    void this.adopt(item).then(
      () => this.bus.post(from, { kind: 'adopted', call: item.call, ok: true, message: '' }),
      (error: unknown) => {
        this.logger.warn({ err: (error as Error).message }, 'could not adopt a moving room');
        return this.bus.post(from, { kind: 'adopted', call: item.call, ok: false, message: (error as Error).message.slice(0, 500) });
      },
    );
  }

  private async move(name: RoomName): Promise<void> {
    const room = this.rooms.get(name);
    const lease = this.leases.leaseOf(name);
    if (!room || room.isClosed || !lease) return;
    const started = performance.now();
    const target = await this.store.pickTarget(name).catch(() => undefined);
    if (!target) {
      this.logger.warn({ room: name }, 'drain: no other node serving; the room stays until shutdown');
      return;
    }
    const snapshot = await room.exportSnapshot().catch(() => undefined);
    if (!snapshot) return; // closed meanwhile
    const call = ++this.nextCall;
    const answer = new Promise<RelayItemOf<'adopted'> | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.timings.callTimeoutMs);
      this.pending.set(call, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    const delivered = await this.bus.post(target, { kind: 'adopt', call, lease, snapshot: encodeRoomSnapshot(snapshot) });
    if (!delivered) this.pending.get(call)?.(undefined);
    const adopted = await answer;
    this.pending.delete(call);
    // Moved or not, the exported room cannot go on here: its clients resume, and if the move
    // failed they find no session and join afresh, on whichever node places the room next.
    this.leases.forget(name);
    if (!adopted?.ok) await this.store.release([[name, lease]]).catch(() => undefined); // so it is placed anew at once
    const departed = await room.release();
    // Who left while the room was on its way would otherwise linger there until their resume window ends.
    if (adopted?.ok && departed.length > 0) await this.bus.post(target, { kind: 'departed', room: name, participants: departed });
    const ms = Math.round(performance.now() - started);
    if (adopted?.ok) this.logger.info({ room: name, to: target, participants: snapshot.participants.length, ms }, 'drain: room moved');
    else this.logger.warn({ room: name, to: target, reason: adopted?.message ?? 'no answer' }, 'drain: room could not move; its clients join afresh');
  }

  /** The target's side: take the lease over from the node draining (if it still holds it), then the room. */
  private async adopt(item: RelayItemOf<'adopt'>): Promise<void> {
    const snapshot = decodeRoomSnapshot(item.snapshot);
    const sentAt = Date.now();
    const lease = await this.store.takeOver(snapshot.room, item.lease);
    if (!lease) throw new Error(`the lease of room "${snapshot.room}" is no longer the mover's`);
    this.leases.own(snapshot.room, lease, sentAt);
    this.rooms.adopt(snapshot);
  }
}
