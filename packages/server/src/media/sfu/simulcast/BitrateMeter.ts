/** How long one measurement window is. */
const WINDOW_MS = 500;
/** The rate is the highest of this many last full windows (1.5 s); `settle` takes the median of three. */
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
 * once, a fall after 1.5 s. `steady` is the median of the same windows: what the layer costs
 * without a key frame's burst, for keeping a layer a viewer already receives (a key frame on every
 * layer, asked for by one viewer, measured a 720p layer at 2.85 Mbit/s for 1.5 s against its usual
 * 1.5, and moved another viewer down for 150 ms).
 */
export class BitrateMeter {
  /** Bits per second: the peak of the last full windows (0 before one has passed). */
  bitrate = 0;
  /** Bits per second: the median of the last full windows (0 before one has passed). */
  steady = 0;
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
    return this.settled(nowMs) ? this.bitrate : 0;
  }

  /** The steady rate, or 0 once the stream has stopped. */
  currentSteady(nowMs: number): number {
    return this.settled(nowMs) ? this.steady : 0;
  }

  /** False once the stream has stopped; otherwise settles a window that silence left open. */
  private settled(nowMs: number): boolean {
    if (!this.active(nowMs)) return false;
    if (this.windowStartMs >= 0 && nowMs - this.windowStartMs >= 2 * WINDOW_MS) this.settle(nowMs);
    return true;
  }

  private settle(nowMs: number): void {
    const elapsed = nowMs - this.windowStartMs;
    if (elapsed > 0) {
      this.windows[this.next] = (this.bytes * 8000) / elapsed;
      this.next = (this.next + 1) % WINDOWS;
      const w = this.windows;
      const a = w[0]!;
      const b = w[1]!;
      const c = w[2]!;
      this.bitrate = Math.round(Math.max(a, b, c));
      this.steady = Math.round(Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)));
    }
    this.bytes = 0;
    this.windowStartMs = nowMs;
  }
}
