/** How long one measurement window is. */
const WINDOW_MS = 500;
/** The rate is the highest of this many last full windows (1.5 s). */
const WINDOWS = 3;
/** A layer silent this long counts as stopped (the publisher switched it off, or lost it). */
const STOPPED_AFTER_MS = 1500;

/**
 * Bits per second of one incoming stream, over fixed windows: one add per packet (two number
 * updates, nothing allocated), the rate settled when a window closes. Used to tell the allocator
 * what each simulcast layer costs, so it errs high: the rate is the peak of the last three
 * windows. A single window swings with the frames in it (7 at 15 fps; one key frame is several
 * frames' worth), and an allocation made in a low one puts a layer on a link that cannot carry
 * it (measured: 26 kbit/s one window for a 360p layer that sent ~500 kbit/s). A rise shows at
 * once, a fall after 1.5 s.
 */
export class BitrateMeter {
  /** Bits per second: the peak of the last full windows (0 before one has passed). */
  bitrate = 0;
  private bytes = 0;
  private windowStartMs = -1;
  private lastPacketMs = -Infinity;
  private readonly windows = new Float64Array(WINDOWS);
  private next = 0;

  add(bytes: number, nowMs: number): void {
    if (this.windowStartMs < 0) this.windowStartMs = nowMs;
    else if (nowMs - this.windowStartMs >= WINDOW_MS) this.settle(nowMs);
    this.bytes += bytes;
    this.lastPacketMs = nowMs;
  }

  /** Packets arrived lately. */
  active(nowMs: number): boolean {
    return nowMs - this.lastPacketMs < STOPPED_AFTER_MS;
  }

  /** The rate, or 0 once the stream has stopped. */
  current(nowMs: number): number {
    if (!this.active(nowMs)) return 0;
    if (this.windowStartMs >= 0 && nowMs - this.windowStartMs >= 2 * WINDOW_MS) this.settle(nowMs);
    return this.bitrate;
  }

  private settle(nowMs: number): void {
    const elapsed = nowMs - this.windowStartMs;
    if (elapsed > 0) {
      this.windows[this.next] = (this.bytes * 8000) / elapsed;
      this.next = (this.next + 1) % WINDOWS;
      let peak = 0;
      for (let i = 0; i < WINDOWS; i++) if (this.windows[i]! > peak) peak = this.windows[i]!;
      this.bitrate = Math.round(peak);
    }
    this.bytes = 0;
    this.windowStartMs = nowMs;
  }
}
