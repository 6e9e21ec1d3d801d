import { BandwidthUsage } from './BandwidthUsage';
import { OveruseDetector } from './OveruseDetector';

/** Packets sent within this span form one group (a frame, or a burst the pacer let out). */
const BURST_MS = 5;
/** A group whose packets arrive this close and faster than they were sent still belongs to the burst before. */
const BURST_ARRIVAL_MS = 5;
/** Delay samples the slope is fitted over. */
const WINDOW = 20;
const SMOOTHING = 0.9;
/** The slope is scaled by the sample count (capped) and this gain before the threshold compares it. */
const TREND_GAIN = 4;
const MAX_DELTAS = 60;
/** An arrival gap this much longer than the send gap is a clock jump or an outage: start over. */
const RESET_MS = 3000;

/**
 * The delay-based half of the estimator, in the spirit of GCC's trendline filter: packets are
 * grouped by send time into 5 ms bursts; for consecutive groups the arrival gap minus the send
 * gap is the delay the path added; its running sum, smoothed, is fitted against arrival time
 * over the last 20 groups; a rising line (positive slope) means a queue is growing. The slope,
 * scaled, goes to the overuse detector. Fed in send order, one packet at a time.
 */
export class TrendlineEstimator {
  readonly detector = new OveruseDetector();
  /** The group being filled, and the last complete one (NaN: none yet). */
  private groupFirstSend = NaN;
  private groupLastSend = NaN;
  private groupFirstArrival = NaN;
  private groupLastArrival = NaN;
  private prevLastSend = NaN;
  private prevLastArrival = NaN;
  private accumulatedDelay = 0;
  private smoothedDelay = 0;
  private firstArrival = NaN;
  private deltas = 0;
  /** Ring of (arrival time, smoothed delay) samples. */
  private readonly xs = new Float64Array(WINDOW);
  private readonly ys = new Float64Array(WINDOW);
  private samples = 0;
  private head = 0;
  /** The last modified trend, for tests and stats. */
  trend = 0;

  get state(): BandwidthUsage {
    return this.detector.state;
  }

  /** One received packet. Returns true when a group completed (the detector's state may have moved). */
  update(sendMs: number, arrivalMs: number, nowMs: number): boolean {
    if (Number.isNaN(this.groupFirstSend)) {
      this.startGroup(sendMs, arrivalMs);
      return false;
    }
    if (sendMs < this.groupFirstSend) return false; // reordered across groups: no information
    if (this.belongsToGroup(sendMs, arrivalMs)) {
      if (sendMs > this.groupLastSend) this.groupLastSend = sendMs;
      if (arrivalMs > this.groupLastArrival) this.groupLastArrival = arrivalMs;
      return false;
    }
    // The current group is complete: compare it with the one before.
    let completed = false;
    if (!Number.isNaN(this.prevLastSend)) {
      const sendDelta = this.groupLastSend - this.prevLastSend;
      const arrivalDelta = this.groupLastArrival - this.prevLastArrival;
      if (arrivalDelta - sendDelta > RESET_MS || arrivalDelta < -RESET_MS) {
        this.reset();
      } else if (sendDelta > 0) {
        this.addDelay(arrivalDelta - sendDelta, this.groupLastArrival, sendDelta, nowMs);
        completed = true;
      }
    }
    this.prevLastSend = this.groupLastSend;
    this.prevLastArrival = this.groupLastArrival;
    this.startGroup(sendMs, arrivalMs);
    return completed;
  }

  private belongsToGroup(sendMs: number, arrivalMs: number): boolean {
    if (sendMs - this.groupFirstSend <= BURST_MS) return true;
    // Sent later but arrived right behind, faster than it was sent: queued behind the same burst.
    const arrivalDelta = arrivalMs - this.groupLastArrival;
    const sendDelta = sendMs - this.groupLastSend;
    return arrivalDelta >= 0 && arrivalDelta < BURST_ARRIVAL_MS && arrivalDelta - sendDelta < 0 && arrivalMs - this.groupFirstArrival < 100;
  }

  private startGroup(sendMs: number, arrivalMs: number): void {
    this.groupFirstSend = this.groupLastSend = sendMs;
    this.groupFirstArrival = this.groupLastArrival = arrivalMs;
  }

  private addDelay(delayMs: number, arrivalMs: number, sendDelta: number, nowMs: number): void {
    if (Number.isNaN(this.firstArrival)) this.firstArrival = arrivalMs;
    this.deltas = Math.min(this.deltas + 1, MAX_DELTAS);
    this.accumulatedDelay += delayMs;
    this.smoothedDelay = SMOOTHING * this.smoothedDelay + (1 - SMOOTHING) * this.accumulatedDelay;
    this.xs[this.head] = arrivalMs - this.firstArrival;
    this.ys[this.head] = this.smoothedDelay;
    this.head = (this.head + 1) % WINDOW;
    if (this.samples < WINDOW) this.samples++;
    if (this.samples === WINDOW) {
      const slope = this.slope();
      if (!Number.isNaN(slope)) this.trend = slope * this.deltas * TREND_GAIN;
    }
    this.detector.detect(this.trend, sendDelta, nowMs);
  }

  /** Least-squares slope of the window (ms of delay per ms); NaN when the arrival times do not spread. */
  private slope(): number {
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < WINDOW; i++) {
      sx += this.xs[i]!;
      sy += this.ys[i]!;
    }
    const mx = sx / WINDOW;
    const my = sy / WINDOW;
    let num = 0;
    let den = 0;
    for (let i = 0; i < WINDOW; i++) {
      const dx = this.xs[i]! - mx;
      num += dx * (this.ys[i]! - my);
      den += dx * dx;
    }
    return den === 0 ? NaN : num / den;
  }

  private reset(): void {
    this.prevLastSend = NaN;
    this.prevLastArrival = NaN;
    this.accumulatedDelay = 0;
    this.smoothedDelay = 0;
    this.firstArrival = NaN;
    this.deltas = 0;
    this.samples = 0;
    this.head = 0;
    this.trend = 0;
  }
}
