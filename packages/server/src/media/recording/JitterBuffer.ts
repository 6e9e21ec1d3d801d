import { rtpSeq, SeqUnwrapper } from '@confab/wire';

/** Called for each packet released in sequence order: `buf[0, len)`, a view valid during the call. */
export type ReleaseHandler = (buf: Buffer, len: number, arrivalMs: number, afterLoss: boolean) => void;

/**
 * Puts one RTP stream back in sequence order for a recorder. A packet is released as soon as
 * every packet before it has been; a gap is waited for at most `maxWaitMs` (counted from the
 * arrival of the oldest packet held behind it: the time a retransmission has to fill it), then
 * skipped, and the next packet released says so (`afterLoss`). Packets from before what was
 * released (late, or duplicates) are dropped. Packets are copied into slots owned here (the
 * caller's buffer is reused by the packet loop); slots are allocated once per position, per track.
 */
export class JitterBuffer {
  /** Packets dropped as too late or duplicated; packets given up on (never came in time). */
  late = 0;
  skipped = 0;
  private readonly slots: Array<Buffer | undefined>;
  private readonly lengths: Int32Array;
  private readonly arrivals: Float64Array;
  /** The unwrapped sequence number held at each slot, -1: empty. */
  private readonly held: Float64Array;
  private readonly unwrapper = new SeqUnwrapper();
  /** The next sequence number to release (unwrapped), -1 before the first packet. */
  private next = -1;
  /** The highest sequence number held, and how many are held. */
  private newest = -1;
  private count = 0;
  private lossPending = false;
  /** Late packets in a row. */
  private lateRun = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxWaitMs: number,
    private readonly release: ReleaseHandler,
  ) {
    this.slots = new Array<Buffer | undefined>(capacity);
    this.lengths = new Int32Array(capacity);
    this.arrivals = new Float64Array(capacity);
    this.held = new Float64Array(capacity).fill(-1);
  }

  /** Packets held, waiting for a gap before them to fill or time out. */
  get size(): number {
    return this.count;
  }

  /** A packet arrived at `arrivalMs`: held, then everything now in order released. */
  insert(buf: Uint8Array, len: number, arrivalMs: number): void {
    const seq = this.unwrapper.unwrap(rtpSeq(buf));
    if (this.next < 0) this.next = seq;
    if (seq < this.next) {
      this.late++;
      if (++this.lateRun < this.capacity) return;
      // The numbering went back for good (a sender restarted on the same SSRC): start over here.
      this.reset();
      this.insert(buf, len, arrivalMs);
      return;
    }
    this.lateRun = 0;
    // Further ahead than we can hold: what stands in the way is given up on.
    if (seq >= this.next + this.capacity) this.skipTo(seq - this.capacity + 1);
    const i = seq % this.capacity;
    if (this.held[i] === seq) {
      this.late++;
      return;
    }
    let slot = this.slots[i];
    if (slot === undefined || slot.length < len) slot = this.slots[i] = Buffer.alloc(Math.max(len, 1500));
    slot.set(buf.subarray(0, len));
    this.lengths[i] = len;
    this.arrivals[i] = arrivalMs;
    this.held[i] = seq;
    this.count++;
    if (seq > this.newest) this.newest = seq;
    this.drain(arrivalMs);
  }

  /** Releases what is in order, and skips a gap whose wait is over. Call on a timer too. */
  drain(nowMs: number): void {
    for (;;) {
      this.releaseInOrder();
      if (this.count === 0) return;
      // The head is missing: give up on it once the oldest packet waiting behind it has waited long enough.
      const first = this.firstHeld();
      if (nowMs - this.arrivals[first % this.capacity]! < this.maxWaitMs) return;
      this.skipTo(first);
    }
  }

  /** Releases everything held, gaps skipped (the recording stops). */
  flush(): void {
    while (this.count > 0) {
      this.releaseInOrder();
      if (this.count > 0) this.skipTo(this.firstHeld());
    }
  }

  /** The stream starts over (a new SSRC): what is held is released first. */
  reset(): void {
    this.flush();
    this.unwrapper.reset();
    this.next = -1;
    this.newest = -1;
    this.lossPending = false;
    this.lateRun = 0;
  }

  private releaseInOrder(): void {
    const cap = this.capacity;
    while (this.count > 0) {
      const i = this.next % cap;
      if (this.held[i] !== this.next) return;
      this.held[i] = -1;
      this.count--;
      this.next++;
      const afterLoss = this.lossPending;
      this.lossPending = false;
      this.release(this.slots[i]!, this.lengths[i]!, this.arrivals[i]!, afterLoss);
    }
  }

  /** The lowest sequence number held (count > 0). */
  private firstHeld(): number {
    for (let s = this.next; s <= this.newest; s++) if (this.held[s % this.capacity] === s) return s;
    return this.newest;
  }

  /** Moves the release point to `seq`, releasing what is held before it and counting the gap. */
  private skipTo(seq: number): void {
    if (this.count === 0 && seq > this.next) {
      this.skipped += seq - this.next;
      this.next = seq;
      this.lossPending = true;
      return;
    }
    while (this.next < seq) {
      const i = this.next % this.capacity;
      if (this.held[i] === this.next) this.releaseInOrder();
      else {
        this.next++;
        this.lossPending = true;
        this.skipped++;
      }
    }
  }
}
