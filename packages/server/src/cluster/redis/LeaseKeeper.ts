import type { RoomName } from '@confab/protocol';
import type { Logger } from '../../service/logger';
import type { ClusterMetrics } from '../../service/metrics';
import type { LocalDirectory } from '../LocalDirectory';
import type { ClusterStore } from './ClusterStore';
import type { RedisHealth } from './RedisHealth';
import { slowRenewalMs, type ClusterTimings } from './timings';

interface HeldLease {
  lease: string;
  /** When the last renewal (or placement) that Redis confirmed was sent: the lease lasts at least leaseMs from then. */
  confirmedAt: number;
}

export type LossReason = 'lost' | 'fenced';

/**
 * The leases of the rooms this node owns. All are renewed together every renewMs (one script, on
 * a connection of its own: ClusterStore.renew).
 * Fencing: a room whose lease has not been confirmed for leaseMs - fenceMarginMs is closed here,
 * before the lease can expire and another node could take the room, unless Redis is down or
 * stalled for every node (RedisHealth), when nobody can take it. A room that closed gives its lease back.
 * A node that was merely late is not fenced: see fence().
 */
export class LeaseKeeper {
  private readonly held = new Map<RoomName, HeldLease>();
  private renewer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  private renewing = false;
  /** A tick came while a renewal was still out: renew again as soon as it is done. */
  private owed = false;
  /** When the renewal still awaiting its answer was sent. */
  private inFlightSentAt: number | undefined;
  /** fence()'s second look, after this turn's I/O phase (see fence()). */
  private lookAgain: NodeJS.Immediate | undefined;
  /** The rooms now due have had their second look. */
  private lookedAgain = false;
  /** Logged once per outage that rooms are kept past their fence deadline. */
  private keptThroughOutage = false;

  constructor(
    private readonly store: ClusterStore,
    private readonly health: RedisHealth,
    private readonly rooms: LocalDirectory,
    private readonly timings: ClusterTimings,
    private readonly metrics: ClusterMetrics,
    private readonly logger: Logger,
    /** This node must stop serving `room` now. */
    private readonly onLoss: (room: RoomName, reason: LossReason) => void,
  ) {}

  start(): void {
    this.renewer = setInterval(() => void this.renew(), this.timings.renewMs);
    this.renewer.unref();
  }

  /** Redis is reachable again (reconnected): renew now rather than at the next tick. */
  renewSoon(): void {
    void this.renew();
  }

  stop(): void {
    clearInterval(this.renewer);
    clearTimeout(this.fenceTimer);
    clearImmediate(this.lookAgain);
  }

  /** Records a lease Redis just gave us; `sentAt` is when the request that got it was sent. */
  own(room: RoomName, lease: string, sentAt: number): void {
    this.held.set(room, { lease, confirmedAt: sentAt });
    this.metrics.setRoomsOwned(this.held.size);
    this.scheduleFence();
  }

  /** True if `room` is ours and not past its fence deadline. */
  holds(room: RoomName, now = Date.now()): boolean {
    const held = this.held.get(room);
    return held !== undefined && now < this.deadline(held);
  }

  leaseOf(room: RoomName): string | undefined {
    return this.held.get(room)?.lease;
  }

  /** Rooms with a lease here. */
  owned(): RoomName[] {
    return [...this.held.keys()];
  }

  /** Stops tracking `room` (it moved away, or was closed here). */
  forget(room: RoomName): void {
    if (this.held.delete(room)) this.metrics.setRoomsOwned(this.held.size);
  }

  /** Gives back every lease (a clean stop), so nobody waits for them to expire. */
  async releaseAll(): Promise<void> {
    const leases = [...this.held].map(([room, h]) => [room, h.lease] as const);
    this.held.clear();
    this.metrics.setRoomsOwned(0);
    await this.store.release(leases);
  }

  private async renew(): Promise<void> {
    if (this.renewing) {
      this.owed = true;
      return this.health.troubled(); // the last one is still out: keep finding out why
    }
    this.renewing = true;
    try {
      await this.renewHeld();
      // After the renewal, not before: a release must not hold a renewal up by a round trip.
      await this.releaseClosed();
    } finally {
      this.renewing = false;
    }
    // Answered late (a stall, a slow Redis): the deadline it set may be near, and the next tick a
    // whole period away.
    if (this.owed) {
      this.owed = false;
      void this.renew();
    }
  }

  private async renewHeld(): Promise<void> {
    const leases = [...this.held].map(([room, h]) => [room, h.lease] as const);
    if (leases.length === 0) return;
    const sentAt = Date.now();
    this.inFlightSentAt = sentAt;
    const slow = setTimeout(() => this.health.troubled(), slowRenewalMs(this.timings));
    let answers;
    try {
      answers = await this.store.renew(leases);
    } catch (error) {
      this.metrics.leaseFailed(leases.length);
      this.logger.debug({ err: (error as Error).message, rooms: leases.length }, 'lease renewal failed');
      return;
    } finally {
      clearTimeout(slow);
      this.inFlightSentAt = undefined;
    }
    let renewed = 0;
    answers.forEach((answer, i) => {
      const [room, lease] = leases[i]!;
      const held = this.held.get(room);
      if (held?.lease !== lease) return; // moved or dropped meanwhile
      if (answer === 'lost') {
        this.metrics.leaseFailed();
        this.lose(room, 'lost');
        return;
      }
      if (answer === 'reclaimed') this.logger.info({ room }, 'lease reclaimed after a Redis outage');
      held.confirmedAt = Math.max(held.confirmedAt, sentAt);
      renewed++;
    });
    this.metrics.leaseRenewed(renewed);
    if (renewed > 0) this.keptThroughOutage = false;
    this.scheduleFence();
  }

  /**
   * Rooms that closed here (the last one left) give their lease back. Not a room on its way to
   * another node: the target takes its lease over from ours (RoomMover), and a release in between
   * would fail the move.
   */
  private async releaseClosed(): Promise<void> {
    const isOver = (room: RoomName) => {
      const open = this.rooms.get(room);
      return !open || (open.isClosed && !open.isMoving);
    };
    const closed = [...this.held].filter(([room]) => isOver(room)).map(([room, h]) => [room, h.lease] as const);
    if (closed.length === 0) return;
    for (const [room] of closed) this.forget(room);
    try {
      await this.store.release(closed);
    } catch {
      return; // they expire on their own
    }
    // A join may have opened one of them again while the release was out: take its lease back.
    for (const [room] of closed) {
      if (this.rooms.get(room) && !this.rooms.get(room)!.isClosed && !this.held.has(room)) {
        const sentAt = Date.now();
        const claim = await this.store.claim(room).catch(() => undefined);
        if (claim?.kind === 'ok') this.own(room, claim.lease, sentAt);
        else this.lose(room, 'lost');
      }
    }
  }

  private deadline(held: HeldLease): number {
    return held.confirmedAt + this.timings.leaseMs - this.timings.fenceMarginMs;
  }

  /** Wakes at the earliest fence deadline (timer ticks alone could be late by a whole renewal period). */
  private scheduleFence(): void {
    clearTimeout(this.fenceTimer);
    let earliest = Infinity;
    for (const held of this.held.values()) earliest = Math.min(earliest, this.deadline(held));
    if (earliest === Infinity) return;
    this.fenceTimer = setTimeout(() => this.fence(), Math.max(0, earliest - Date.now()));
    this.fenceTimer.unref();
  }

  private fence(): void {
    const now = Date.now();
    const due = [...this.held].filter(([, held]) => now >= this.deadline(held));
    if (due.length === 0) {
      this.lookedAgain = false;
      return this.scheduleFence();
    }
    if (this.health.outageForEveryone(now)) {
      if (!this.keptThroughOutage) this.logger.warn({ rooms: due.length }, 'leases not renewed, but Redis is down for every node: keeping the rooms');
      this.keptThroughOutage = true;
      this.fenceTimer = setTimeout(() => this.fence(), this.timings.renewMs / 4);
      this.fenceTimer.unref();
      return;
    }
    if (!this.lookedAgain && due.every(([, held]) => this.mayBeLate(held, now))) {
      // Late, perhaps not lost: after a busy stretch timers run before sockets are read, so the
      // answer to a renewal sent in time may be waiting unread. Read it (this turn's I/O phase
      // comes before setImmediate), then decide.
      this.lookedAgain = true;
      this.lookAgain = setImmediate(() => this.fence());
      return;
    }
    this.lookedAgain = false;
    for (const [room] of due) this.lose(room, 'fenced');
    this.scheduleFence();
  }

  /**
   * Worth one more look: a renewal sent after this lease's last confirmation is still out (its
   * answer would move the deadline), and the lease is certainly still ours in Redis for half the
   * margin, far longer than one I/O phase.
   */
  private mayBeLate(held: HeldLease, now: number): boolean {
    return this.inFlightSentAt !== undefined && this.inFlightSentAt > held.confirmedAt && now < held.confirmedAt + this.timings.leaseMs - this.timings.fenceMarginMs / 2;
  }

  private lose(room: RoomName, reason: LossReason): void {
    this.forget(room);
    this.onLoss(room, reason);
  }
}
