/** Probe clusters go out at these multiples of the estimate: the first of a series, then the next. */
const FIRST_FACTOR = 2;
const NEXT_FACTOR = 3;
/**
 * While loss sets the estimate (a bottleneck measured), a probe goes at most this far above it:
 * the link's queue is short and full, and a probe at twice the estimate overflows it for as long
 * as it lasts (libwebrtc's ProbeController likewise scales loss-limited probes by 1.5). Once a
 * probe gets through the estimate is no longer loss-limited and the series climbs as usual.
 */
const LOSS_LIMITED_FACTOR = 1.5;
/** A probe whose result reached this share of its target succeeded: the next may follow at once. */
const SUCCESS_SHARE = 0.7;
/** After a probe that did not succeed, the next waits this long. */
const RETRY_MS = 3000;
/** A probe with no result after this long is given up. */
const RESULT_TIMEOUT_MS = 1000;

/**
 * When to probe, and how high. A series starts when the owner wants more than the estimate (or
 * once at the start), at 2x the estimate; each probe that gets through is followed by one at 3x
 * the new estimate, until the want is met; a probe that does not get through, or whose result the
 * estimate did not take, ends the series, and the next one waits a few seconds. Only one probe is
 * outstanding at a time. Towards a link whose limit loss has shown, no probe goes above 1.5x the
 * estimate.
 */
export class ProbePlanner {
  private nextId = 0;
  private pendingId = -1;
  /** The target of the last probe planned, kept after its result (while `succeeded`, the one that got through). */
  private lastTarget = 0;
  private pendingSinceMs = -Infinity;
  private lastFailureMs = -Infinity;
  private succeeded = false;
  private started = false;
  /** Probes sent and results seen, for stats and tests. */
  probes = 0;

  /**
   * The target of a probe to send now (bps) and its cluster id in `clusterId`, or 0 for none;
   * `lossLimited`: the estimate is a bottleneck's (SendSideEstimator.lossLimited).
   */
  plan(nowMs: number, estimate: number, wanted: number, lossLimited = false): number {
    if (this.pendingId >= 0) {
      if (nowMs - this.pendingSinceMs < RESULT_TIMEOUT_MS) return 0;
      this.pendingId = -1;
      this.lastFailureMs = nowMs;
      this.succeeded = false;
    }
    let target = 0;
    if (!this.started) {
      target = estimate * FIRST_FACTOR;
      this.started = true;
    } else if (wanted > estimate) {
      // A success the estimate did not take (overuse or loss held it back) proves nothing more
      // when repeated: the series ends there, as after a failure. (Probing again at once, at the
      // same target, sent a probe every 100-150 ms for seconds under a 400 kbit/s cap.)
      if (this.succeeded && estimate < SUCCESS_SHARE * this.lastTarget) {
        this.succeeded = false;
        this.lastFailureMs = nowMs;
      }
      if (this.succeeded) target = estimate * NEXT_FACTOR;
      else if (nowMs - this.lastFailureMs >= RETRY_MS) target = estimate * FIRST_FACTOR;
      // No need to probe far beyond what is wanted.
      if (target > 0) target = Math.max(Math.min(target, wanted * 1.2), estimate * 1.2);
      if (lossLimited && target > estimate * LOSS_LIMITED_FACTOR) target = estimate * LOSS_LIMITED_FACTOR;
    } else {
      this.succeeded = false;
    }
    if (target === 0) return 0;
    this.pendingId = this.nextId;
    this.nextId = (this.nextId + 1) & 0x3fff;
    this.lastTarget = target;
    this.pendingSinceMs = nowMs;
    this.probes++;
    return target;
  }

  /** The cluster id of the probe `plan` just returned. */
  get clusterId(): number {
    return this.pendingId;
  }

  /**
   * The estimate just came down (congestion): no probe for a while. A probe now would only
   * overflow the link while it drains, and its losses would cut the estimate a second time.
   */
  backOff(nowMs: number): void {
    this.pendingId = -1; // whatever it measures now, the link just said less
    this.lastFailureMs = nowMs;
    this.succeeded = false;
  }

  /** A probe's measured rate arrived. */
  result(id: number, bps: number, nowMs: number): void {
    if (id !== this.pendingId) return;
    this.pendingId = -1;
    this.succeeded = bps >= SUCCESS_SHARE * this.lastTarget;
    if (!this.succeeded) this.lastFailureMs = nowMs;
  }
}
