import { probeDurationMs } from '@confab/wire';
import type { MediaCounters } from '../MediaCounters';
import type { PacketSlots } from './PacketSlots';

/** Packets are let out in steps this far apart, each step up to the budget. */
export const PACER_INTERVAL_MS = 5;
/**
 * With nothing queued, a packet leaves at once while the bucket holds less than this much sending
 * time: an ordinary frame (a few packets) is not held back; a key frame's tail is spread.
 */
const BURST_MS = 20;
/**
 * Whatever the rate, a queue drains within about this long: a key frame larger than the rate
 * allows is sent faster rather than held until it is too old to be useful, and video never lags
 * audio (which is not paced) by more than this, well inside what a receiver's lip sync absorbs
 * (and what a bottleneck's queue holds: spreading a burst over 100 ms is what protects it).
 */
const DRAIN_MS = 100;
/**
 * ... unless the link has shown where it drops (the estimate is loss-limited): then a burst sent
 * faster than the link is partly lost, and arrives later for its retransmissions than if it had
 * waited here. It may wait this long, below MAX_QUEUE_MS.
 */
export const BOTTLENECK_DRAIN_MS = 350;
/** Video waits at most this long; older video is dropped first when the queue is over it (a stalled thread). */
const MAX_QUEUE_MS = 500;
/** Queued packets at most (a 2 Mbps key frame burst is ~200). */
const CAPACITY = 1024;
/**
 * A probe cluster has at least this many packets; it lasts probeDurationMs (15 ms, or long enough
 * for 10 kB: 80 ms at 1 Mbit/s, 20 ms at 4 Mbit/s; at most 100 ms).
 */
const PROBE_MIN_PACKETS = 5;
/** RTP padding carries at most 255 bytes. */
const PROBE_PADDING = 255;
/** Spare copy buffers the thread keeps for reuse; more are left to the GC. */
const POOL_KEEP = 4096;

/**
 * Where a pacer keeps the state that decides whether a packet may leave at once, in the storage it
 * is given: the native fan-out lets packets through the same gate (packages/srtp/native/send_state.c
 * mirrors this layout and Pacer.send's fast path). Doubles: Infinity is a rate.
 */
export const PACER_STATE = {
  /** bits/s the queue drains at (Infinity: no pacing). */
  rate: 0,
  /** Bytes sent beyond what the rate has paid off so far; below 0 (credit) only while packets wait. */
  debt: 1,
  lastDrainMs: 2,
  /** Packets waiting. */
  queued: 3,
  /** The probe cluster being sent, -1: none. */
  probeCluster: 4,
  /** 1 once closed. */
  closed: 5,
  size: 6,
} as const;

/** Where paced packets go. */
export interface PacerOutput {
  /** Stamps, protects and sends `slot[0, length)` now (`nowMs`: its send time); returns the bytes that left (0: none). */
  sendNow(slot: Buffer, length: number, cluster: number, nowMs: number): number;
  /** Writes a padding-only packet with `padding` bytes of padding into `slot`; returns its length, 0 if none can be made. */
  writePadding(slot: Buffer, padding: number): number;
}

/**
 * The copies queued packets live in, shared by every pacer of the thread: memory follows what is
 * queued in all of them together (key frames rarely line up), not each subscriber's peak; after
 * the first key frames nothing is allocated.
 */
const pool: Buffer[] = [];

/**
 * One timer for every pacer of the thread with something to send (a timer wakeup costs ~0.13 ms
 * of CPU here, see Ticker): every PACER_INTERVAL_MS it lets each of them send what is due.
 */
const waiting = new Set<Pacer>();
let timer: NodeJS.Timeout | null = null;
function wake(pacer: Pacer): void {
  waiting.add(pacer);
  timer ??= setTimeout(step, PACER_INTERVAL_MS);
}
function step(): void {
  timer = null;
  const nowMs = performance.now();
  for (const pacer of waiting) if (!pacer.release(nowMs)) waiting.delete(pacer);
  if (waiting.size > 0) timer = setTimeout(step, PACER_INTERVAL_MS);
}

/**
 * Spreads video towards one subscriber over time so that a key frame (tens of packets at once)
 * does not hit a bottleneck's queue as one burst: a leaky bucket draining at the pacing rate
 * (2.5x the estimate), letting a packet through at once while the bucket holds less than 20 ms
 * of sending and the queue is empty, otherwise queueing a copy (the engine's send slots are
 * reused, so a queued packet lives in a buffer of ours) released every 5 ms.
 *
 * The bucket is paid by the time that really passed: when the thread is busy and the 5 ms step
 * comes late, the step sends everything due since the last one. (Counting only one step's worth
 * per wakeup made the real rate fall with the thread's load, to a quarter of the set rate with the
 * thread 80% busy, and the standing queue that followed put video up to a second behind audio at
 * Chromium subscribers.) Audio and retransmissions never wait and count against the budget;
 * probe padding does not, and what media leaves during a probe is part of the probe (emit).
 */
export class Pacer {
  /** Packets dropped because they waited too long or the queue was full. */
  dropped = 0;
  /** Packets that waited in the queue (were spread) before leaving or being dropped. */
  queuedTotal = 0;
  private drainMs = DRAIN_MS;
  private readonly queue: Array<Buffer | null> = new Array<Buffer | null>(CAPACITY).fill(null);
  private readonly lengths = new Int32Array(CAPACITY);
  private readonly enqueuedMs = new Float64Array(CAPACITY);
  private head = 0;
  private queuedBytes = 0;
  private probeBps = 0;
  private probeStartMs = 0;
  private probeBytes = 0;
  private probePackets = 0;
  private probeMs = 0;

  constructor(
    private readonly out: PacerOutput,
    private readonly slots: PacketSlots,
    /** The engine's: what every pacer held back and dropped, for /metrics. */
    private readonly counters: MediaCounters,
    /** PACER_STATE, from its start. */
    private readonly state: Float64Array = new Float64Array(PACER_STATE.size),
  ) {
    state[PACER_STATE.rate] = Infinity;
    state[PACER_STATE.debt] = 0;
    state[PACER_STATE.lastDrainMs] = 0;
    state[PACER_STATE.queued] = 0;
    state[PACER_STATE.probeCluster] = -1;
    state[PACER_STATE.closed] = 0;
  }

  // The state lives in `state`, for the native fan-out to read and move on.
  private get rateBps(): number {
    return this.state[PACER_STATE.rate]!;
  }
  private set rateBps(bps: number) {
    this.state[PACER_STATE.rate] = bps;
  }
  private get debt(): number {
    return this.state[PACER_STATE.debt]!;
  }
  private set debt(bytes: number) {
    this.state[PACER_STATE.debt] = bytes;
  }
  private get lastDrainMs(): number {
    return this.state[PACER_STATE.lastDrainMs]!;
  }
  private set lastDrainMs(ms: number) {
    this.state[PACER_STATE.lastDrainMs] = ms;
  }
  private get count(): number {
    return this.state[PACER_STATE.queued]!;
  }
  private set count(packets: number) {
    this.state[PACER_STATE.queued] = packets;
  }
  private get probeCluster(): number {
    return this.state[PACER_STATE.probeCluster]!;
  }
  private set probeCluster(cluster: number) {
    this.state[PACER_STATE.probeCluster] = cluster;
  }
  private get closed(): boolean {
    return this.state[PACER_STATE.closed] !== 0;
  }

  /** The rate the queue drains at, bits/s (Infinity: no pacing). */
  get rate(): number {
    return this.rateBps;
  }

  /** `drainMs`: how long the oldest queued packet may wait before the queue drains faster than `bps`. */
  setRate(bps: number, drainMs = DRAIN_MS): void {
    this.rateBps = bps;
    this.drainMs = drainMs;
  }

  /**
   * What was sent ahead of the rate beyond `bytes` is written off: sent before the link was known
   * to be narrow, it has left the bottleneck's queue or been dropped there, and owing it would
   * hold back what comes next (the first key frame of a lower layer) for nothing.
   */
  forgive(bytes: number): void {
    if (this.debt > bytes) this.debt = bytes;
  }

  /** Packets waiting. */
  get queued(): number {
    return this.count;
  }

  /** How long the oldest queued packet has waited, ms. */
  queueMs(nowMs: number): number {
    return this.count === 0 ? 0 : nowMs - this.enqueuedMs[this.head]!;
  }

  /** Audio, retransmissions (anything that must not wait): out at once, counted against the budget. */
  sendNow(slot: Buffer, length: number, nowMs: number): boolean {
    const n = this.emit(slot, length, nowMs);
    this.debt += n;
    return n > 0;
  }

  /** Video: out at once if the budget allows and nothing waits, else queued (copied). */
  send(slot: Buffer, length: number, nowMs: number): boolean {
    if (this.rateBps === Infinity && this.count === 0) return this.emit(slot, length, nowMs) > 0;
    this.drain(nowMs);
    if (this.count === 0 && this.debt <= (this.rateBps * BURST_MS) / 8000) {
      const n = this.emit(slot, length, nowMs);
      this.debt += n;
      return n > 0;
    }
    if (this.closed) return false;
    this.enqueue(slot, length, nowMs);
    wake(this);
    return true;
  }

  /**
   * Sends a probe cluster numbered `cluster` at `bps` over the next 15-100 ms (at least 10 kB):
   * the media that leaves meanwhile, and padding for the rest. False if no padding can be made.
   */
  probe(bps: number, cluster: number, nowMs: number): boolean {
    if (this.closed) return false;
    this.probeCluster = cluster;
    this.probeBps = bps;
    this.probeStartMs = nowMs;
    this.probeBytes = 0;
    this.probePackets = 0;
    this.probeMs = probeDurationMs(bps);
    if (!this.probeStep(nowMs)) return false;
    wake(this);
    return true;
  }

  /**
   * Drops the queued video of the stream `ssrc`: its layer was stopped because the link cannot
   * carry it, and what waits of it would only go ahead of the next layer's key frame (at a
   * bottleneck, hundreds of ms: measured under a 400 kbit/s cap, 20-30 packets of the old layer
   * before the 180p key frame). The receiver sees a gap in the sequence, as for a loss; the
   * key frame starts afresh. Walks the queue once, keeping the others in order; allocates nothing.
   */
  discard(ssrc: number): void {
    const n = this.count;
    let kept = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) % CAPACITY;
      const buf = this.queue[i]!;
      if (buf.readUInt32BE(8) === ssrc >>> 0) {
        this.queue[i] = null;
        if (pool.length < POOL_KEEP) pool.push(buf);
        this.queuedBytes -= this.lengths[i]!;
        this.dropped++;
        this.counters.pacerDroppedPackets++;
        continue;
      }
      const j = (this.head + kept) % CAPACITY;
      if (j !== i) {
        this.queue[j] = buf;
        this.queue[i] = null;
        this.lengths[j] = this.lengths[i]!;
        this.enqueuedMs[j] = this.enqueuedMs[i]!;
      }
      kept++;
    }
    this.count = kept;
  }

  close(): void {
    this.state[PACER_STATE.closed] = 1;
    waiting.delete(this);
    while (this.count > 0) this.dequeue();
    this.probeCluster = -1;
  }

  /** The thread's pacing step: sends what is due by `nowMs`. False once nothing is left to send. */
  release(nowMs: number): boolean {
    if (this.closed) return false;
    this.drain(nowMs);
    while (this.count > 0 && nowMs - this.enqueuedMs[this.head]! > MAX_QUEUE_MS) this.drop();
    // Up to one step ahead of the rate, so a step's packets leave now rather than at the next wakeup.
    const ahead = (this.drainRate(nowMs) * PACER_INTERVAL_MS) / 8000;
    while (this.count > 0 && this.debt <= ahead) {
      const i = this.head;
      // Out through a fresh send slot: the socket may hold on to what it was given, and our buffer is reused.
      const slot = this.slots.take();
      const length = this.lengths[i]!;
      this.queue[i]!.copy(slot, 0, 0, length);
      this.dequeue();
      this.debt += this.emit(slot, length, nowMs);
    }
    if (this.probeCluster >= 0) this.probeStep(nowMs);
    return this.count > 0 || this.probeCluster >= 0;
  }

  /** The set rate, or faster when that would keep the oldest queued packet waiting longer than drainMs. */
  private drainRate(nowMs: number): number {
    if (this.count === 0) return this.rateBps;
    const left = this.drainMs - this.queueMs(nowMs);
    const drain = (this.queuedBytes * 8000) / (left > PACER_INTERVAL_MS ? left : PACER_INTERVAL_MS);
    return drain > this.rateBps ? drain : this.rateBps;
  }

  /** Pays the debt for the time since the last call; an idle bucket keeps no credit. */
  private drain(nowMs: number): void {
    const elapsed = nowMs - this.lastDrainMs;
    this.lastDrainMs = nowMs;
    if (elapsed > 0) this.debt -= (elapsed * this.drainRate(nowMs)) / 8000;
    if (this.count === 0 && !(this.debt > 0)) this.debt = 0;
  }

  private enqueue(slot: Buffer, length: number, nowMs: number): void {
    if (this.count === CAPACITY) this.drop();
    const buf = pool.pop() ?? Buffer.allocUnsafeSlow(this.slots.slotSize);
    slot.copy(buf, 0, 0, length);
    const i = (this.head + this.count) % CAPACITY;
    this.queue[i] = buf;
    this.lengths[i] = length;
    this.enqueuedMs[i] = nowMs;
    this.count++;
    this.queuedTotal++;
    this.counters.pacerQueuedPackets++;
    this.queuedBytes += length;
  }

  private drop(): void {
    this.dequeue();
    this.dropped++;
    this.counters.pacerDroppedPackets++;
  }

  /** Takes the oldest packet off the queue, its buffer back to the pool. */
  private dequeue(): void {
    const i = this.head;
    const buf = this.queue[i]!;
    this.queue[i] = null;
    if (pool.length < POOL_KEEP) pool.push(buf);
    this.queuedBytes -= this.lengths[i]!;
    this.head = (i + 1) % CAPACITY;
    this.count--;
  }

  /**
   * Media out now. While a probe cluster is being sent it is part of the cluster: numbered into it
   * and counted towards its rate, so that padding only fills the rest and the link is offered the
   * probe's rate, not that on top of the media (padding on top offered a link capped at 400 kbit/s
   * nearly three times its rate for up to 100 ms, and in 3 runs of 5 of e2e/impairedQuality.test.ts
   * a probe was followed by the subscriber's picture standing still for 300-417 ms).
   */
  private emit(slot: Buffer, length: number, nowMs: number): number {
    const cluster = this.probeCluster;
    const n = this.out.sendNow(slot, length, cluster, nowMs);
    if (cluster >= 0 && n > 0) {
      this.probeBytes += n;
      this.probePackets++;
    }
    return n;
  }

  /** Pads up to the probe bytes due by the end of this step (media sent meanwhile counts); ends the cluster when its time is up. */
  private probeStep(nowMs: number): boolean {
    const elapsed = nowMs - this.probeStartMs;
    const last = elapsed + PACER_INTERVAL_MS >= this.probeMs;
    const due = (this.probeBps * Math.min(elapsed + PACER_INTERVAL_MS, this.probeMs)) / 8000;
    while (this.probeBytes < due || (last && this.probePackets < PROBE_MIN_PACKETS)) {
      const slot = this.slots.take();
      const length = this.out.writePadding(slot, PROBE_PADDING);
      if (length === 0) {
        this.probeCluster = -1;
        return false;
      }
      const sent = this.out.sendNow(slot, length, this.probeCluster, nowMs);
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
