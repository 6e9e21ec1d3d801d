/** A point-in-time copy of a counter, for rates and loss over a window. */
export interface RtpCount {
  packets: number;
  bytes: number;
  /** Packets the sequence numbers say were sent (first to highest seen, per SSRC). */
  expected: number;
  keyFrames: number;
}

const LONG_GAP_MS = 100;
const MAX_LONG_GAPS = 64;

/**
 * Counts RTP received on one remote track, and loss the way RTCP receiver reports do:
 * expected = highest extended sequence number - first + 1, per SSRC (a new consumer on the same
 * track starts a new run); lost = expected - received (duplicates and RTX repairs count as received).
 */
export class RtpCounter {
  packets = 0;
  bytes = 0;
  keyFrames = 0;
  firstAt = 0;
  lastAt = 0;
  /** The longest time between two packets since the counter started or `watchGaps()` was last called, ms. */
  longestGapMs = 0;
  /** Gaps of at least LONG_GAP_MS since `watchGaps()`, the first MAX_LONG_GAPS of them: [start, end] on performance.now()'s clock. */
  readonly longGaps: [number, number][] = [];
  private ssrc = -1;
  private base = 0;
  private highest = 0;
  private expectedBefore = 0;

  record(ssrc: number, sequenceNumber: number, bytes: number, keyFrame: boolean): void {
    const now = performance.now();
    if (this.packets === 0) this.firstAt = now;
    else {
      const gap = now - this.lastAt;
      if (gap > this.longestGapMs) this.longestGapMs = gap;
      if (gap >= LONG_GAP_MS && this.longGaps.length < MAX_LONG_GAPS) this.longGaps.push([this.lastAt, now]);
    }
    this.lastAt = now;
    this.packets++;
    this.bytes += bytes;
    if (keyFrame) this.keyFrames++;
    if (ssrc !== this.ssrc) {
      this.expectedBefore += this.runExpected();
      this.ssrc = ssrc;
      this.base = sequenceNumber;
      this.highest = sequenceNumber;
      return;
    }
    const delta = (sequenceNumber - (this.highest & 0xffff) + 0x10000) & 0xffff;
    if (delta !== 0 && delta < 0x8000) this.highest += delta;
  }

  /** Starts measuring `longestGapMs` afresh from the last packet. */
  watchGaps(): void {
    this.longestGapMs = 0;
    this.longGaps.length = 0;
  }

  get expected(): number {
    return this.expectedBefore + this.runExpected();
  }

  snapshot(): RtpCount {
    return { packets: this.packets, bytes: this.bytes, expected: this.expected, keyFrames: this.keyFrames };
  }

  private runExpected(): number {
    return this.ssrc === -1 ? 0 : this.highest - this.base + 1;
  }
}

/** Loss in percent between two snapshots (0 when nothing was expected). */
export function lossPercent(from: RtpCount, to: RtpCount): number {
  const expected = to.expected - from.expected;
  const received = to.packets - from.packets;
  return expected > 0 ? (Math.max(0, expected - received) / expected) * 100 : 0;
}
