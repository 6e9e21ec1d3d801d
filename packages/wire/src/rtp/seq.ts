/** 16-bit RTP sequence arithmetic. */

/** True when `a` comes after `b` in 16-bit sequence space (half the space ahead counts as after). */
export function seqNewer(a: number, b: number): boolean {
  return a !== b && ((a - b) & 0xffff) < 0x8000;
}

/** Signed distance from `b` to `a` in 16-bit space: -32768..32767. */
export function seqDelta(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/**
 * Turns 16-bit sequence numbers into a monotonic count (like libwebrtc's SeqNumUnwrapper): each
 * value is placed at the nearest point to the previous one, so reordering and wrap-around both
 * come out right. The first value unwraps to itself plus 2^16.
 */
export class SeqUnwrapper {
  /** Offset by 2^16 so a stream starting near 0 and stepping back never goes negative. */
  private last = 0;
  private started = false;

  unwrap(seq: number): number {
    seq &= 0xffff;
    if (!this.started) {
      this.started = true;
      this.last = seq + 0x10000;
    } else {
      this.last += seqDelta(seq, this.last & 0xffff);
    }
    return this.last;
  }

  reset(): void {
    this.started = false;
    this.last = 0;
  }
}
