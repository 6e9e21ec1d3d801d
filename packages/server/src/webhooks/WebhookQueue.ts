import type { WebhookEvent } from '@confab/protocol';
import { closingKey, openingKey } from './eventPairs';

export type DropReason = 'queue_full' | 'gave_up' | 'rejected';

/** One event, serialised and signed once; its deliveries to every URL share it. */
export interface SignedEvent {
  readonly event: WebhookEvent;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** One event on its way to one URL. */
export interface Delivery {
  readonly signed: SignedEvent;
  /** Queue order across all lanes: the smaller, the older. */
  readonly order: number;
  /** Failed attempts so far. */
  failures: number;
}

/** One room life's deliveries to one URL, oldest first. Only the head is ever posted. */
export interface Lane {
  readonly url: number;
  readonly sid: string;
  readonly deliveries: Delivery[];
  /** The head's POST while it is open; the head cannot be dropped meanwhile. */
  inFlight: Promise<void> | undefined;
  /** The head failed; its next attempt waits for this timer. */
  retryTimer: NodeJS.Timeout | undefined;
  /** Pair keys of openings dropped here, with why: their closings go the same way when they come. */
  readonly droppedOpenings: Map<string, DropReason>;
}

export interface Dropped {
  readonly lane: Lane;
  readonly delivery: Delivery;
  /** For a closing dropped because its opening was: the opening's reason. */
  readonly reason: DropReason;
  readonly withOpening: boolean;
}

/**
 * Every delivery not yet done, in lanes per URL and room sid, under one bound on the deliveries
 * waiting across all of them. Decides what goes when full; knows nothing of HTTP or of time.
 */
export class WebhookQueue {
  /** Per URL: its lanes by room sid. */
  private readonly lanes: Map<string, Lane>[];
  /** Per URL: deliveries waiting, the one in flight included. */
  private readonly waiting: number[];
  private total = 0;
  private nextOrder = 0;

  constructor(
    urlCount: number,
    private readonly maxWaiting: number,
  ) {
    this.lanes = Array.from({ length: urlCount }, () => new Map<string, Lane>());
    this.waiting = new Array<number>(urlCount).fill(0);
  }

  /** Deliveries waiting, across rooms and URLs. */
  get size(): number {
    return this.total;
  }

  /**
   * Queues the event for every URL. Returns the lanes it joined, to be pumped, and what was
   * dropped: the event itself where its opening was dropped before, and when the queue is full,
   * the oldest deliveries of the URL furthest behind.
   */
  push(signed: SignedEvent): { lanes: Lane[]; dropped: Dropped[] } {
    const lanes: Lane[] = [];
    const dropped: Dropped[] = [];
    for (let url = 0; url < this.lanes.length; url++) {
      const lane = this.laneOf(url, signed.event.room.sid);
      const delivery: Delivery = { signed, order: this.nextOrder++, failures: 0 };
      const key = closingKey(signed.event);
      const openingDropped = key === undefined ? undefined : lane.droppedOpenings.get(key);
      if (key !== undefined && openingDropped) {
        lane.droppedOpenings.delete(key);
        dropped.push({ lane, delivery, reason: openingDropped, withOpening: true });
        this.forgetIfIdle(lane);
        continue;
      }
      lane.deliveries.push(delivery);
      this.count(url, 1);
      lanes.push(lane);
      while (this.total > this.maxWaiting) dropped.push(...this.dropOldest());
    }
    return { lanes, dropped };
  }

  /** The lane's head reached its URL. */
  accepted(lane: Lane): void {
    const head = lane.deliveries[0];
    if (head) this.remove(lane, head);
  }

  /** Drops a delivery that is not in flight, and with an opening, its closing (now or when it comes). */
  drop(lane: Lane, delivery: Delivery, reason: DropReason): Dropped[] {
    const dropped: Dropped[] = [{ lane, delivery, reason, withOpening: false }];
    const key = openingKey(delivery.signed.event);
    // An opening is older than its closing, so that closing is not the head and not in flight.
    const closing = key === undefined ? undefined : lane.deliveries.find((d) => closingKey(d.signed.event) === key);
    if (key !== undefined && !closing) lane.droppedOpenings.set(key, reason);
    this.remove(lane, delivery);
    if (closing) {
      this.remove(lane, closing);
      dropped.push({ lane, delivery: closing, reason, withOpening: true });
    }
    return dropped;
  }

  /** The lanes of one room life, one per URL that has something for it. */
  lanesOf(sid: string): Lane[] {
    return this.lanes.flatMap((lanes) => lanes.get(sid) ?? []);
  }

  allLanes(): Lane[] {
    return this.lanes.flatMap((lanes) => [...lanes.values()]);
  }

  /** Takes one room life out of the queue: the events some URL has not had yet, oldest first. */
  takeRoom(sid: string): WebhookEvent[] {
    const events = new Map<string, WebhookEvent>();
    for (const lane of this.lanesOf(sid)) {
      for (const { signed } of lane.deliveries) events.set(signed.event.id, signed.event);
      this.count(lane.url, -lane.deliveries.length);
      this.lanes[lane.url]!.delete(sid);
    }
    return [...events.values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * Makes room: the oldest delivery not in flight of the URL with the most waiting. That is the
   * receiver furthest behind, so a dead receiver's backlog never costs a healthy one its events;
   * and its newest events, what its rooms are like now, are the ones worth keeping.
   */
  private dropOldest(): Dropped[] {
    let victim: { lane: Lane; delivery: Delivery } | undefined;
    for (const lanes of this.lanes) {
      for (const lane of lanes.values()) {
        const delivery = lane.deliveries[lane.inFlight ? 1 : 0];
        if (delivery && (!victim || this.olderOnFullerUrl(lane, delivery, victim.lane, victim.delivery))) victim = { lane, delivery };
      }
    }
    // There is always one: the delivery just pushed is not in flight.
    return this.drop(victim!.lane, victim!.delivery, 'queue_full');
  }

  private olderOnFullerUrl(lane: Lane, delivery: Delivery, thanLane: Lane, than: Delivery): boolean {
    const fuller = this.waiting[lane.url]! - this.waiting[thanLane.url]!;
    return fuller > 0 || (fuller === 0 && delivery.order < than.order);
  }

  private laneOf(url: number, sid: string): Lane {
    const lanes = this.lanes[url]!;
    let lane = lanes.get(sid);
    if (!lane) {
      lane = { url, sid, deliveries: [], inFlight: undefined, retryTimer: undefined, droppedOpenings: new Map() };
      lanes.set(sid, lane);
    }
    return lane;
  }

  private remove(lane: Lane, delivery: Delivery): void {
    lane.deliveries.splice(lane.deliveries.indexOf(delivery), 1);
    this.count(lane.url, -1);
    // Nothing follows a room's end: no closing is still to come.
    if (delivery.signed.event.event === 'room_finished') lane.droppedOpenings.clear();
    this.forgetIfIdle(lane);
  }

  /**
   * An empty lane is forgotten unless a post is open or a closing is awaited. A retry timer may
   * still fire on it: it finds nothing to send, and a later event of the room makes a new lane.
   */
  private forgetIfIdle(lane: Lane): void {
    if (lane.deliveries.length === 0 && lane.droppedOpenings.size === 0 && !lane.inFlight) this.lanes[lane.url]!.delete(lane.sid);
  }

  private count(url: number, change: number): void {
    this.waiting[url]! += change;
    this.total += change;
  }
}
