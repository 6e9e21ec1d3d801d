/** How long one measurement window is; the rate is the last full window's. */
const WINDOW_MS = 500;
/** A layer silent this long counts as stopped (the publisher switched it off, or lost it). */
const STOPPED_AFTER_MS = 1500;

/**
 * Bits per second of one incoming stream, over fixed windows: one add per packet (two number
 * updates, nothing allocated), the rate settled when a window closes. Used to tell the allocator
 * what each simulcast layer costs.
 */
export class BitrateMeter {
  /** Bits per second over the last full window (0 before one has passed). */
  bitrate = 0;
  private bytes = 0;
  private windowStartMs = -1;
  private lastPacketMs = -Infinity;

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
    this.bitrate = elapsed > 0 ? Math.round((this.bytes * 8000) / elapsed) : this.bitrate;
    this.bytes = 0;
    this.windowStartMs = nowMs;
  }
}
