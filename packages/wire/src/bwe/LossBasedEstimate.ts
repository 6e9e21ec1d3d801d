import { DeliveryRate } from './DeliveryRate';

/** Above this loss the estimate comes down (by half the loss ratio). */
const HIGH_LOSS = 0.1;
/** Below this loss the estimate may climb. */
export const LOW_LOSS = 0.02;
const INCREASE_PER_SECOND = 1.08;
/** A loss ratio is taken over at least this many packets ... */
const MIN_PACKETS = 20;
/**
 * ... and decreases are at least this far apart (a loss burst is counted once, not per report),
 * except to a measurement of the link (BOTTLENECK_LOSS below).
 */
const DECREASE_INTERVAL_MS = 300;
/**
 * After a decrease the estimate climbs only by INCREASE_PER_SECOND for this long, not at once to
 * the acknowledged rate: that rate falls smoothed (AckedBitrate) and still counts what got through
 * before the link narrowed (measured: 381 kbit/s after a 400 kbit/s cap back up to 873 at once).
 */
const HOLD_AFTER_DECREASE_MS = 1000;
const MAX_STEP_MS = 1000;
/**
 * When the newest reports that span 50 ms of sending and name at least 20 packets, 4 of them
 * received, each lost more than this share of their bytes (random loss hardly ever does; a link
 * given twice what it carries does) while we sent at no less than this share of what the receiver
 * had been getting (or of the estimate, if lower; not of the estimate alone: a probe may have
 * raised that far above what any media sends, and the first cut would then be a half, not the
 * link), what the link delivered of them is a measurement of it. (Over 150-200 ms the window still
 * holds what was sent before the cap and the first cut is a half; over 50 ms it can undershoot a
 * little: 3.5 Mbps into 400 kbps, 308 kbps, back in a second.)
 */
const BOTTLENECK_LOSS = 0.5;
const DELIVERY_SPAN_MS = 50;
const DELIVERY_SEND_SHARE = 0.5;
const DELIVERY_MIN_RECEIVED = 4;
/**
 * A measurement replaces the estimate when it is below this share of it: a reading close to the
 * estimate is the same link read again (four packets through: one more or less is a quarter),
 * and taken each time it would ratchet the estimate down on the noise.
 */
const MEASURED_CUT = 0.7;

/** What one report newly says, for the loss-based estimate. */
export interface LossReport {
  received: number;
  lost: number;
  /**
   * Of those, the received and the lost that the loss ratio leaves out: sent in a probe's shadow
   * (SendSideEstimator), where losses are the probe's answer, not the media's. What the link
   * delivered (a bottleneck's reading) still counts them.
   */
  shadowedReceived: number;
  shadowedLost: number;
  /** Bytes of the received packets, and of all reported ones. */
  receivedBytes: number;
  bytes: number;
  /** When the first and the last of the reported packets were sent (ms; NaN: none). */
  firstSendMs: number;
  lastSendMs: number;
}

/**
 * The loss-based half: over batches of at least 20 reported packets, a loss ratio above 10%
 * lowers the estimate by half the ratio, below 2% lets it climb (8%/s, and at once to what the
 * receiver actually got, once a second has passed since the last decrease), in between holds. It
 * never stands above the delay-based estimate, so a clean link leaves the delay-based one in
 * charge.
 *
 * A sudden bottleneck (a link capped far below what we send, its queue full) loses most packets:
 * then halving by the loss ratio takes several steps of 300 ms, each losing most of what we send
 * (3.5 Mbit/s into 400 kbit/s: 1.5 s to come down, the subscriber's picture frozen meanwhile).
 * When most of what was sent lately is lost while we were really pushing the link (sending at
 * least half of what got through before), what got through (DeliveryRate) is a measurement of the
 * link, and the estimate drops to that at once. That is looked at on every report, also of what
 * was sent before the last cut by a share: a reading is no share of a cut to be counted twice, and
 * the first report of a cap, half of it sent before, cuts only a little (20% lost: 10%); holding
 * the next reports back for it left the picture still for 933 ms (a 400 kbit/s cap in CI, 450 ms
 * before the next cut).
 */
export class LossBasedEstimate {
  estimate: number;
  /** The last batch's loss ratio (0..1). */
  lossRatio = 0;
  private lost = 0;
  private total = 0;
  private readonly delivery = new DeliveryRate(DELIVERY_SPAN_MS, MIN_PACKETS, DELIVERY_MIN_RECEIVED);
  private lastUpdateMs = NaN;
  private lastDecreaseMs = -Infinity;
  /** The last reading of the link (measured()). */
  private lastMeasuredMs = -Infinity;

  constructor(start: number, readonly min: number) {
    this.estimate = start;
  }

  /** One report (`report` is read, not kept). */
  update(report: LossReport, delayBased: number, ackedBps: number, nowMs: number): number {
    // Losses of what was sent before the last decrease are that decrease's reason, not a new one
    // (the queue it overflowed drains for a while): counted twice they cut twice, to half the link.
    if (!(report.firstSendMs < this.lastDecreaseMs)) {
      this.lost += report.lost - report.shadowedLost;
      this.total += report.received + report.lost - report.shadowedReceived - report.shadowedLost;
    }
    this.delivery.add(report.firstSendMs, report.lastSendMs, report.received + report.lost, report.bytes, report.received, report.receivedBytes);
    this.measureBottleneck(ackedBps, nowMs);
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
      if (!Number.isNaN(ackedBps) && ackedBps > increased && nowMs - this.lastDecreaseMs >= HOLD_AFTER_DECREASE_MS) increased = ackedBps;
      this.estimate = increased;
    }
    if (this.estimate > delayBased) this.estimate = delayBased;
    if (this.estimate < this.min) this.estimate = this.min;
    return this.estimate;
  }

  /**
   * A bottleneck's delivery read (see the class comment) replaces the estimate when well below it.
   * After a reading, only what was sent after it is read again: packets sent before were pushed
   * into a queue that has not drained since, and read twice they ratchet the estimate down on
   * their noise (measured: 368 then 248 kbit/s under a 400 kbit/s cap, a camera paused).
   */
  private measureBottleneck(ackedBps: number, nowMs: number): void {
    const pushedBps = Number.isNaN(ackedBps) ? this.estimate : Math.min(this.estimate, ackedBps);
    const measured = this.delivery.delivered(DELIVERY_SEND_SHARE * pushedBps, BOTTLENECK_LOSS, this.lastMeasuredMs);
    if (measured < MEASURED_CUT * this.estimate) this.measured(measured, nowMs);
  }

  /**
   * The link was measured at `bps` behind a standing queue (QueueDelay): that replaces the estimate,
   * even one this report's losses just lowered further (a share of loss is a guess at the link; this
   * is a reading of it).
   */
  measured(bps: number, nowMs: number): number {
    this.estimate = bps < this.min ? this.min : bps;
    this.lastDecreaseMs = this.lastMeasuredMs = nowMs;
    return this.estimate;
  }

  /** True if loss brought the estimate down within the last `ms` before `nowMs`. */
  decreasedWithin(ms: number, nowMs: number): boolean {
    return nowMs - this.lastDecreaseMs < ms;
  }

  /** A probe proved `bps` gets through. */
  raiseTo(bps: number): void {
    if (bps > this.estimate && this.lossRatio < HIGH_LOSS) this.estimate = bps;
  }
}
