/** Above this loss the estimate comes down (by half the loss ratio). */
const HIGH_LOSS = 0.1;
/** Below this loss the estimate may climb. */
const LOW_LOSS = 0.02;
const INCREASE_PER_SECOND = 1.08;
/** A loss ratio is taken over at least this many packets ... */
const MIN_PACKETS = 20;
/** ... and decreases are at least this far apart (a loss burst is counted once, not per report). */
const DECREASE_INTERVAL_MS = 300;
const MAX_STEP_MS = 1000;

/**
 * The loss-based half: over batches of at least 20 reported packets, a loss ratio above 10%
 * lowers the estimate by half the ratio, below 2% lets it climb (8%/s, and at once to what the
 * receiver actually got), in between holds. It never stands above the delay-based estimate, so
 * a clean link leaves the delay-based one in charge.
 */
export class LossBasedEstimate {
  estimate: number;
  /** The last batch's loss ratio (0..1). */
  lossRatio = 0;
  private lost = 0;
  private total = 0;
  private lastUpdateMs = NaN;
  private lastDecreaseMs = -Infinity;

  constructor(start: number, readonly min: number) {
    this.estimate = start;
  }

  /** One report: `received` and `lost` packets newly reported. */
  update(received: number, lost: number, delayBased: number, ackedBps: number, nowMs: number): number {
    this.lost += lost;
    this.total += received + lost;
    if (this.total < MIN_PACKETS) {
      if (this.estimate > delayBased) this.estimate = delayBased;
      return this.estimate;
    }
    const ratio = this.lost / this.total;
    this.lossRatio = ratio;
    this.lost = 0;
    this.total = 0;
    const dt = Number.isNaN(this.lastUpdateMs) ? 0 : Math.min(Math.max(nowMs - this.lastUpdateMs, 0), MAX_STEP_MS);
    this.lastUpdateMs = nowMs;
    if (ratio > HIGH_LOSS) {
      if (nowMs - this.lastDecreaseMs >= DECREASE_INTERVAL_MS) {
        this.estimate = Math.min(this.estimate, delayBased) * (1 - 0.5 * ratio);
        this.lastDecreaseMs = nowMs;
      }
    } else if (ratio < LOW_LOSS) {
      let increased = this.estimate * Math.pow(INCREASE_PER_SECOND, dt / 1000);
      if (!Number.isNaN(ackedBps) && ackedBps > increased) increased = ackedBps;
      this.estimate = increased;
    }
    if (this.estimate > delayBased) this.estimate = delayBased;
    if (this.estimate < this.min) this.estimate = this.min;
    return this.estimate;
  }

  /** A probe proved `bps` gets through. */
  raiseTo(bps: number): void {
    if (bps > this.estimate && this.lossRatio < HIGH_LOSS) this.estimate = bps;
  }
}
