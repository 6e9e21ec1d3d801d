import { BandwidthUsage } from './BandwidthUsage';

const INITIAL_THRESHOLD = 12.5;
const MIN_THRESHOLD = 6;
const MAX_THRESHOLD = 600;
/** How fast the threshold follows the trend up (slowly) and down (quickly), per ms. */
const K_UP = 0.0087;
const K_DOWN = 0.039;
/** A trend this far above the threshold is a spike; the threshold does not chase it. */
const SPIKE = 15;
/** Overuse must last this long (and two samples) before it is declared. */
const OVERUSE_MS = 10;
const MAX_ADAPT_STEP_MS = 100;

/**
 * Compares the trendline's (scaled) slope with an adaptive threshold. The threshold follows the
 * trend's magnitude, slowly upwards and faster downwards, so that the detector neither fires on
 * every jitter of a noisy path nor starves against a competing flow that keeps a standing queue.
 */
export class OveruseDetector {
  threshold = INITIAL_THRESHOLD;
  state: BandwidthUsage = BandwidthUsage.Normal;
  private overuseMs = -1;
  private overuseCount = 0;
  private previousTrend = 0;
  private lastUpdateMs = NaN;

  detect(trend: number, sendDeltaMs: number, nowMs: number): BandwidthUsage {
    if (trend > this.threshold) {
      this.overuseMs = this.overuseMs < 0 ? sendDeltaMs / 2 : this.overuseMs + sendDeltaMs;
      this.overuseCount++;
      if (this.overuseMs > OVERUSE_MS && this.overuseCount > 1 && trend >= this.previousTrend) {
        this.overuseMs = 0;
        this.overuseCount = 0;
        this.state = BandwidthUsage.Overusing;
      }
    } else if (trend < -this.threshold) {
      this.overuseMs = -1;
      this.overuseCount = 0;
      this.state = BandwidthUsage.Underusing;
    } else {
      this.overuseMs = -1;
      this.overuseCount = 0;
      this.state = BandwidthUsage.Normal;
    }
    this.previousTrend = trend;
    this.adapt(trend, nowMs);
    return this.state;
  }

  private adapt(trend: number, nowMs: number): void {
    if (Number.isNaN(this.lastUpdateMs)) this.lastUpdateMs = nowMs;
    const magnitude = Math.abs(trend);
    if (magnitude > this.threshold + SPIKE) {
      this.lastUpdateMs = nowMs;
      return;
    }
    const k = magnitude < this.threshold ? K_DOWN : K_UP;
    const dt = Math.min(nowMs - this.lastUpdateMs, MAX_ADAPT_STEP_MS);
    this.threshold += k * (magnitude - this.threshold) * dt;
    if (this.threshold < MIN_THRESHOLD) this.threshold = MIN_THRESHOLD;
    else if (this.threshold > MAX_THRESHOLD) this.threshold = MAX_THRESHOLD;
    this.lastUpdateMs = nowMs;
  }
}
