import { BandwidthUsage } from './BandwidthUsage';

/** On overuse the estimate drops to this share of what the receiver got ... */
const BETA = 0.85;
/**
 * ... but by at most half in one step: when we send far less than the estimate (the allocator
 * chose a low layer), what gets through says little about the link, and one false alarm must not
 * take the estimate to the floor. A real bottleneck keeps signalling overuse; a few steps reach it.
 */
const MAX_DECREASE = 0.5;
/** Another cut waits this long (about a round trip plus a report): the last one needs time to show. */
const DECREASE_INTERVAL_MS = 200;
/** Multiplicative increase per second while far from the last known capacity. */
const INCREASE_PER_SECOND = 1.08;
/** The estimate may not run further ahead of the acknowledged rate than this (plus a little). */
const ACKED_HEADROOM = 1.5;
const ACKED_HEADROOM_BPS = 10_000;
/** Round trip plus the feedback interval; the additive increase adds one packet per this. */
const RESPONSE_MS = 200;
const PACKET_BITS = 1200 * 8;
const MAX_STEP_MS = 1000;

/**
 * The AIMD rate controller of the delay-based estimate: on overuse it cuts to 0.85x the
 * acknowledged rate (once per feedback that still says overuse, always from what actually got
 * through, so cuts do not compound; at most halving per step); while normal it increases, multiplicatively (8%/s) when the
 * link's capacity is unknown or clearly exceeded, additively (about a packet per round trip) when
 * it is near the capacity seen at the last overuse; underuse holds (the queue is draining).
 */
export class AimdRateControl {
  estimate: number;
  /** Mean and variance (normalised) of the acked rate at overuse: the link's capacity as last seen. */
  private capacity = NaN;
  private capacityVariance = 0.4;
  private lastUpdateMs = NaN;
  private lastDecreaseMs = -Infinity;

  constructor(
    start: number,
    readonly min: number,
    readonly max: number,
  ) {
    this.estimate = start;
  }

  /** Sets the estimate outright (a probe measured more). */
  set(bps: number, nowMs: number): void {
    this.estimate = clamp(bps, this.min, this.max);
    this.lastUpdateMs = nowMs;
  }

  update(usage: BandwidthUsage, ackedBps: number, nowMs: number): number {
    const dt = Number.isNaN(this.lastUpdateMs) ? 0 : Math.min(Math.max(nowMs - this.lastUpdateMs, 0), MAX_STEP_MS);
    this.lastUpdateMs = nowMs;
    const acked = Number.isNaN(ackedBps) ? NaN : ackedBps;
    if (!Number.isNaN(acked) && !Number.isNaN(this.capacity) && acked > this.capacity + 3 * Math.sqrt(this.capacityVariance * this.capacity * 1000)) {
      this.capacity = NaN; // we get far more through than at the last overuse: the link changed
    }
    if (usage === BandwidthUsage.Overusing) {
      if (nowMs - this.lastDecreaseMs < DECREASE_INTERVAL_MS) return this.estimate;
      this.lastDecreaseMs = nowMs;
      const base = Number.isNaN(acked) ? this.estimate : acked;
      const decreased = Math.max(BETA * base, MAX_DECREASE * this.estimate);
      if (decreased < this.estimate) this.estimate = decreased;
      if (!Number.isNaN(acked)) this.learnCapacity(acked);
    } else if (usage === BandwidthUsage.Normal) {
      let increased: number;
      if (!Number.isNaN(this.capacity) && this.estimate < this.capacity * 1.5) {
        increased = this.estimate + Math.max(1000, (PACKET_BITS * 1000) / RESPONSE_MS) * (dt / 1000);
      } else {
        increased = this.estimate * Math.pow(INCREASE_PER_SECOND, dt / 1000);
      }
      if (!Number.isNaN(acked)) {
        const limit = ACKED_HEADROOM * acked + ACKED_HEADROOM_BPS;
        // Never above what the acked rate vouches for; but a low acked rate (we send little) is no reason to fall.
        if (increased > limit) increased = Math.max(limit, this.estimate);
      }
      this.estimate = increased;
    }
    this.estimate = clamp(this.estimate, this.min, this.max);
    return this.estimate;
  }

  private learnCapacity(acked: number): void {
    const kbps = acked / 1000;
    if (Number.isNaN(this.capacity)) {
      this.capacity = acked;
      return;
    }
    const mean = this.capacity / 1000;
    const error = mean - kbps;
    this.capacity = (0.95 * mean + 0.05 * kbps) * 1000;
    const variance = (0.95 * this.capacityVariance + (0.05 * error * error) / Math.max(mean, 1));
    this.capacityVariance = Math.min(Math.max(variance, 0.4), 2.5);
  }
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
