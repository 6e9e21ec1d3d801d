/** The base one-way delay is the least seen over two windows of this length (a route change is forgotten within 10-20 s). */
const WINDOW_MS = 10_000;
/** A packet that waited this long in queues on the way counts as meeting a standing queue ... */
const STANDING_MS = 30;
/** ... and a run of such packets measures the bottleneck once this many arrived over this long. */
const MIN_RECEIVED = 2;
const MIN_ARRIVAL_SPAN_MS = 20;
/**
 * Read from its first drop on, the run must have lost more than this share of what was sent: a
 * full queue given twice what it carries drops most of it (under a 400 kbit/s cap: 90 %), where
 * a random loss while a busy receiver stamps late looks like a queue passing little but drops
 * one packet in thirty (simulated, that read 171-530 kbit/s on a 10 Mbit/s link).
 */
const FULL_QUEUE_LOSS = 0.5;

/** A run of packets behind a standing queue: what arrived over its arrival span, what was sent over its send span. */
class QueuedRun {
  private firstArrivalMs = NaN;
  private lastArrivalMs = NaN;
  private firstSendMs = NaN;
  private lastSendMs = NaN;
  private receivedCount = 0;
  private receivedBytes = 0;
  private sentBytes = 0;
  private lostBytes = 0;
  private lost = 0;
  started = false;

  received(sendMs: number, arrivalMs: number, size: number): void {
    this.started = true;
    if (!(sendMs <= this.lastSendMs)) this.lastSendMs = sendMs;
    if (Number.isNaN(this.firstSendMs)) this.firstSendMs = sendMs;
    if (Number.isNaN(this.firstArrivalMs)) {
      // The first packet starts the arrival span: what it carried arrived before it.
      this.firstArrivalMs = this.lastArrivalMs = arrivalMs;
      if (this.lost > 0) this.sentBytes += size;
      return;
    }
    this.lastArrivalMs = arrivalMs;
    this.receivedCount++;
    this.receivedBytes += size;
    this.sentBytes += size;
  }

  dropped(sendMs: number, size: number): void {
    this.started = true;
    if (Number.isNaN(this.firstSendMs)) this.firstSendMs = this.lastSendMs = sendMs;
    this.sentBytes += size;
    this.lostBytes += size;
    this.lost++;
  }

  /** See QueueDelay.narrowerThan; Infinity also when it lost no more than `lostShare` of what was sent. */
  reading(share: number, lostShare: number): number {
    const arrivalSpan = this.lastArrivalMs - this.firstArrivalMs;
    if (this.lost === 0 || this.lostBytes <= lostShare * this.sentBytes) return Infinity;
    if (this.receivedCount < MIN_RECEIVED || !(arrivalSpan >= MIN_ARRIVAL_SPAN_MS)) return Infinity;
    const delivered = (this.receivedBytes * 8000) / arrivalSpan;
    const offered = (this.sentBytes * 8000) / Math.max(this.lastSendMs - this.firstSendMs, 1);
    return delivered < share * offered ? delivered : Infinity;
  }

  reset(): void {
    this.firstArrivalMs = this.lastArrivalMs = this.firstSendMs = this.lastSendMs = NaN;
    this.receivedCount = this.receivedBytes = this.sentBytes = this.lostBytes = this.lost = 0;
    this.started = false;
  }
}

/**
 * How long packets now wait in queues on the way to the receiver, and what a standing queue lets
 * through. The queuing delay is the newest packet's one-way delay (receiver clock minus ours, so
 * offset by the clocks' difference) above the least one-way delay seen lately, the path without
 * queues. While it stays above 30 ms the bottleneck is busy without pause, so what arrives behind
 * it arrives at the bottleneck's rate: the received bytes over their arrival span measure the
 * link, where the bytes we sent over their send span say what we offered it. A link suddenly far
 * narrower than what we send shows here a report or two before enough losses are reported to
 * count (measured under a 400 kbit/s cap: 60-120 ms earlier). It counts only once the queue has
 * dropped something; a receiver that stalls and then reports a burst shows a delay but no slower
 * arrival; a sender sending little, no faster sending.
 *
 * The run is also read from its first drop on, once it lost most of what was sent since: the
 * queue is full from there, so what arrives after left it at the bottleneck's rate, where what arrived before may have come through before
 * the link narrowed (under a 400 kbit/s cap the whole run read 0.8-1.4 Mbit/s in 1 report of 3,
 * the link's rate a report later: meanwhile the pacer sent the lower layer's key frame at three
 * times the link, and most of it was lost).
 */
export class QueueDelay {
  private base = Infinity;
  private previousBase = Infinity;
  private windowStartMs = NaN;
  private newest = NaN;
  /** Since the first packet that met a standing queue ... */
  private readonly run = new QueuedRun();
  /** ... and since the first packet dropped in it. */
  private readonly sinceDrop = new QueuedRun();

  /** One reported packet, in sequence order: its send time (ours), arrival time (the receiver's; NaN: lost), size. */
  add(sendMs: number, arrivalMs: number, size: number): void {
    if (Number.isNaN(arrivalMs)) {
      if (!this.run.started) return;
      this.run.dropped(sendMs, size);
      this.sinceDrop.dropped(sendMs, size);
      return;
    }
    const delay = arrivalMs - sendMs;
    if (Number.isNaN(this.windowStartMs) || sendMs - this.windowStartMs >= WINDOW_MS) {
      this.previousBase = this.base;
      this.base = Infinity;
      this.windowStartMs = sendMs;
    }
    if (delay < this.base) this.base = delay;
    this.newest = delay;
    if (this.ms < STANDING_MS) {
      this.restart();
      return;
    }
    this.run.received(sendMs, arrivalMs, size);
    if (this.sinceDrop.started) this.sinceDrop.received(sendMs, arrivalMs, size);
  }

  /** ms the newest packet queued (0 until measured). */
  get ms(): number {
    const queued = this.newest - Math.min(this.base, this.previousBase);
    return queued > 0 ? queued : 0;
  }

  /**
   * bits/s the standing queue let through, if it let through less than `share` of what we sent
   * into it and dropped some; Infinity when there is no standing queue, too little to tell, it
   * kept up, or lost nothing. (A queue that only grows is the delay-based estimate's to read; a
   * machine that stalls for 100-200 ms looks like a standing queue passing little, measured in a
   * loaded test run, but drops nothing.) The lower of the whole run's reading and the one since
   * its first drop.
   */
  narrowerThan(share: number): number {
    return Math.min(this.run.reading(share, 0), this.sinceDrop.reading(share, FULL_QUEUE_LOSS));
  }

  /** Starts a new run (after the run so far was acted on). */
  restart(): void {
    this.run.reset();
    this.sinceDrop.reset();
  }
}
