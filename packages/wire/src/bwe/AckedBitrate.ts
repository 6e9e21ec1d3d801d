const WINDOW_MS = 500;
/** Less arrival time than this in the window gives no rate yet (two packets 1 ms apart are not a rate). */
const MIN_SPAN_MS = 150;

/** A fall of the window's rate is followed by this share per sample; a rise at once. */
const FALL_SMOOTHING = 0.25;

/**
 * The rate at which the receiver got our packets: bytes acknowledged by feedback over the last
 * 500 ms of their arrival times (receiver clock), smoothed when it falls: a stall (the publisher
 * paused, the receiver was busy) empties the window for a moment, and one such sample must not
 * drag a decrease based on it down to the floor. A fixed ring of (arrival, size); packets are
 * added in arrival order as reports name them (late ones count where they land).
 */
export class AckedBitrate {
  private readonly arrivals: Float64Array;
  private readonly sizes: Uint16Array;
  private readonly mask: number;
  private head = 0;
  private tail = 0;
  private bytes = 0;
  private newest = -Infinity;
  private smoothed = NaN;

  constructor(capacity = 4096) {
    this.arrivals = new Float64Array(capacity);
    this.sizes = new Uint16Array(capacity);
    this.mask = capacity - 1;
  }

  add(arrivalMs: number, size: number): void {
    if (arrivalMs > this.newest) this.newest = arrivalMs;
    if (this.head - this.tail > this.mask) this.dropOldest();
    const slot = this.head & this.mask;
    this.arrivals[slot] = arrivalMs;
    this.sizes[slot] = size;
    this.bytes += size;
    this.head++;
    const from = this.newest - WINDOW_MS;
    while (this.tail < this.head && this.arrivals[this.tail & this.mask]! < from) this.dropOldest();
  }

  /** Bits per second (smoothed as the last update() left it), or NaN before there is enough to say. */
  get bps(): number {
    return this.smoothed;
  }

  /** Takes the window's rate as a sample (once per report). */
  update(): number {
    if (this.head === this.tail) return this.smoothed;
    const span = this.newest - this.arrivals[this.tail & this.mask]!;
    if (span < MIN_SPAN_MS) return this.smoothed;
    const sample = (this.bytes * 8 * 1000) / Math.max(span, WINDOW_MS * 0.5);
    if (Number.isNaN(this.smoothed) || sample >= this.smoothed) this.smoothed = sample;
    else this.smoothed += FALL_SMOOTHING * (sample - this.smoothed);
    return this.smoothed;
  }

  private dropOldest(): void {
    this.bytes -= this.sizes[this.tail & this.mask]!;
    this.tail++;
  }
}
