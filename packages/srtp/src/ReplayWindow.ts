/**
 * Replay protection (RFC 3711 3.3.2): remembers which of the last `size` packet indexes arrived.
 * Check before authenticating (cheap rejection), accept only after the tag verified, so forged
 * packets cannot move the window.
 */
export class ReplayWindow {
  private readonly bits: Uint32Array;
  private readonly size: number;
  /** Highest index accepted; -1 before the first. */
  private top: number;

  constructor(size: number) {
    ReplayWindow.assertSize(size);
    this.size = size;
    this.bits = new Uint32Array(size / 32);
    this.top = -1;
  }

  static assertSize(size: number): void {
    if (!Number.isInteger(size) || size < 64 || size > 0x8000 || (size & (size - 1)) !== 0) {
      throw new RangeError(`replay window ${size}: must be a power of two from 64 to 32768`);
    }
  }

  /** True when `index` is new: above the window, or inside it and not yet seen. */
  check(index: number): boolean {
    if (index > this.top) return true;
    if (this.top - index >= this.size) return false;
    const pos = index % this.size;
    return (this.bits[pos >>> 5]! & (1 << (pos & 31))) === 0;
  }

  /** Records `index` as seen; `check(index)` must have been true. */
  accept(index: number): void {
    if (index > this.top) {
      const gap = index - this.top;
      if (this.top < 0 || gap >= this.size) {
        this.bits.fill(0);
      } else {
        // Forget the positions the window slides over (no calls here: an index past 2^30 would be boxed).
        const mask = this.size - 1;
        for (let k = 1, pos = (this.top + 1) % this.size; k < gap; k++, pos = (pos + 1) & mask) {
          this.bits[pos >>> 5]! &= ~(1 << (pos & 31));
        }
      }
      this.top = index;
    }
    const pos = index % this.size;
    this.bits[pos >>> 5]! |= 1 << (pos & 31);
  }
}
