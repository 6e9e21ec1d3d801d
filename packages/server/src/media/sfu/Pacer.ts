import type { PacketSlots } from './PacketSlots';

/** Packets are let out in steps this far apart, each step up to the budget. */
export const PACER_INTERVAL_MS = 5;
/**
 * With nothing queued, a packet leaves at once while the bucket holds less than this much sending
 * time: an ordinary frame (a few packets) is not held back; a key frame's tail is spread.
 */
const BURST_MS = 20;
/** Video waits at most this long; older video is dropped first when the queue is over it. */
const MAX_QUEUE_MS = 500;
/** Queued packets at most (a 2 Mbps key frame burst is ~200). */
const CAPACITY = 1024;
/** Copy buffers kept for reuse once the queue empties; more are left to the GC. */
const KEEP_BUFFERS = 64;
/** A probe cluster lasts about this long, with at least this many packets. */
const PROBE_MS = 15;
const PROBE_MIN_PACKETS = 5;
/** RTP padding carries at most 255 bytes. */
const PROBE_PADDING = 255;

/** Where paced packets go. */
export interface PacerOutput {
  /** Stamps, protects and sends `slot[0, length)` now; returns the bytes that left (0: none). */
  sendNow(slot: Buffer, length: number, cluster: number): number;
  /** Writes a padding-only packet with `padding` bytes of padding into `slot`; returns its length, 0 if none can be made. */
  writePadding(slot: Buffer, padding: number): number;
}

/**
 * Spreads video towards one subscriber over time so that a key frame (tens of packets at once)
 * does not hit a bottleneck's queue as one burst: a leaky bucket draining at the pacing rate
 * (2.5x the estimate), letting a packet through at once while the bucket holds less than 20 ms
 * of sending and the queue is empty, otherwise queueing a copy (the engine's send slots are
 * reused, so a queued packet lives in a buffer of ours) released every 5 ms. Audio never waits.
 * Also sends probe clusters: padding packets at a target rate for ~15 ms, numbered by cluster.
 */
export class Pacer {
  /** Packets dropped because they waited too long or the queue was full. */
  dropped = 0;
  private rateBps = Infinity;
  /** Bytes sent beyond what the rate has paid off so far. */
  private debt = 0;
  private lastDrainMs = 0;
  private readonly queue: Array<Buffer | null> = new Array<Buffer | null>(CAPACITY).fill(null);
  private readonly lengths = new Int32Array(CAPACITY);
  private readonly enqueuedMs = new Float64Array(CAPACITY);
  private head = 0;
  private count = 0;
  private readonly spare: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private probeCluster = -1;
  private probeBps = 0;
  private probeStartMs = 0;
  private probeBytes = 0;
  private probePackets = 0;
  private closed = false;

  constructor(
    private readonly out: PacerOutput,
    private readonly slots: PacketSlots,
  ) {}

  /** The rate the queue drains at, bits/s (Infinity: no pacing). */
  get rate(): number {
    return this.rateBps;
  }

  setRate(bps: number): void {
    this.rateBps = bps;
  }

  /** Packets waiting. */
  get queued(): number {
    return this.count;
  }

  /** How long the oldest queued packet has waited, ms. */
  queueMs(nowMs: number): number {
    return this.count === 0 ? 0 : nowMs - this.enqueuedMs[this.head]!;
  }

  /** Audio (or anything that must not wait): out at once, counted against the budget. */
  sendNow(slot: Buffer, length: number): boolean {
    const n = this.out.sendNow(slot, length, -1);
    this.debt += n;
    return n > 0;
  }

  /** Video: out at once if the budget allows and nothing waits, else queued (copied). */
  send(slot: Buffer, length: number, nowMs: number): boolean {
    if (this.rateBps === Infinity) return this.out.sendNow(slot, length, -1) > 0;
    this.drain(nowMs);
    if (this.count === 0 && this.debt <= (this.rateBps * BURST_MS) / 8000) {
      const n = this.out.sendNow(slot, length, -1);
      this.debt += n;
      return n > 0;
    }
    this.enqueue(slot, length, nowMs);
    this.schedule();
    return true;
  }

  /** Sends a probe cluster numbered `cluster` at `bps` over the next ~15 ms. False if no padding can be made. */
  probe(bps: number, cluster: number, nowMs: number): boolean {
    if (this.closed) return false;
    this.probeCluster = cluster;
    this.probeBps = bps;
    this.probeStartMs = nowMs;
    this.probeBytes = 0;
    this.probePackets = 0;
    if (!this.probeStep(nowMs)) return false;
    this.schedule();
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.fill(null);
    this.count = 0;
    this.spare.length = 0;
    this.probeCluster = -1;
  }

  private stepBytes(): number {
    return (this.rateBps * PACER_INTERVAL_MS) / 8000;
  }

  private drain(nowMs: number): void {
    const paid = ((nowMs - this.lastDrainMs) * this.rateBps) / 8000;
    this.lastDrainMs = nowMs;
    this.debt = paid >= this.debt || !(paid >= 0) ? 0 : this.debt - paid;
  }

  private enqueue(slot: Buffer, length: number, nowMs: number): void {
    if (this.count === CAPACITY) this.dropOldest();
    const buf = this.spare.pop() ?? Buffer.allocUnsafe(this.slots.slotSize);
    slot.copy(buf, 0, 0, length);
    const i = (this.head + this.count) % CAPACITY;
    this.queue[i] = buf;
    this.lengths[i] = length;
    this.enqueuedMs[i] = nowMs;
    this.count++;
  }

  private dropOldest(): void {
    this.release(this.head);
    this.head = (this.head + 1) % CAPACITY;
    this.count--;
    this.dropped++;
  }

  private release(i: number): void {
    const buf = this.queue[i]!;
    this.queue[i] = null;
    if (this.spare.length < KEEP_BUFFERS) this.spare.push(buf);
  }

  private schedule(): void {
    if (this.timer === null && !this.closed) this.timer = setTimeout(this.run, PACER_INTERVAL_MS);
  }

  private readonly run = (): void => {
    this.timer = null;
    if (this.closed) return;
    const nowMs = performance.now();
    this.drain(nowMs);
    while (this.count > 0 && nowMs - this.enqueuedMs[this.head]! > MAX_QUEUE_MS) this.dropOldest();
    const step = this.stepBytes();
    while (this.count > 0 && this.debt <= step) {
      const i = this.head;
      // Out through a fresh send slot: the socket may hold on to what it was given, and our buffer is reused.
      const slot = this.slots.take();
      const length = this.lengths[i]!;
      this.queue[i]!.copy(slot, 0, 0, length);
      this.release(i);
      this.head = (this.head + 1) % CAPACITY;
      this.count--;
      this.debt += this.out.sendNow(slot, length, -1);
    }
    if (this.probeCluster >= 0) this.probeStep(nowMs);
    if (this.count > 0 || this.probeCluster >= 0) this.schedule();
  };

  /** Sends the probe bytes due by the end of this step; ends the cluster when its time is up. */
  private probeStep(nowMs: number): boolean {
    const elapsed = nowMs - this.probeStartMs;
    const last = elapsed + PACER_INTERVAL_MS >= PROBE_MS;
    const due = (this.probeBps * Math.min(elapsed + PACER_INTERVAL_MS, PROBE_MS)) / 8000;
    while (this.probeBytes < due || (last && this.probePackets < PROBE_MIN_PACKETS)) {
      const slot = this.slots.take();
      const length = this.out.writePadding(slot, PROBE_PADDING);
      if (length === 0) {
        this.probeCluster = -1;
        return false;
      }
      const sent = this.out.sendNow(slot, length, this.probeCluster);
      if (sent === 0) {
        this.probeCluster = -1;
        return false;
      }
      this.probeBytes += sent;
      this.probePackets++;
    }
    if (last) this.probeCluster = -1;
    return true;
  }
}
