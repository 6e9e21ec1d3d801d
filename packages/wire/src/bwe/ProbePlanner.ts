/** Probe clusters go out at these multiples of the estimate: the first of a series, then the next. */
const FIRST_FACTOR = 2;
const NEXT_FACTOR = 3;
/** A probe whose result reached this share of its target succeeded: the next may follow at once. */
const SUCCESS_SHARE = 0.7;
/** After a probe that did not succeed, the next waits this long. */
const RETRY_MS = 3000;
/** A probe with no result after this long is given up. */
const RESULT_TIMEOUT_MS = 1000;

/**
 * When to probe, and how high. A series starts when the owner wants more than the estimate (or
 * once at the start), at 2x the estimate; each probe that gets through is followed by one at 3x
 * the new estimate, until the want is met; a probe that does not get through ends the series,
 * and the next one waits a few seconds. Only one probe is outstanding at a time.
 */
export class ProbePlanner {
  private nextId = 0;
  private pendingId = -1;
  private pendingTarget = 0;
  private pendingSinceMs = -Infinity;
  private lastFailureMs = -Infinity;
  private succeeded = false;
  private started = false;
  /** Probes sent and results seen, for stats and tests. */
  probes = 0;

  /** The target of a probe to send now (bps) and its cluster id in `clusterId`, or 0 for none. */
  plan(nowMs: number, estimate: number, wanted: number): number {
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
      if (this.succeeded) target = estimate * NEXT_FACTOR;
      else if (nowMs - this.lastFailureMs >= RETRY_MS) target = estimate * FIRST_FACTOR;
      // No need to probe far beyond what is wanted.
      if (target > 0) target = Math.max(Math.min(target, wanted * 1.2), estimate * 1.2);
    } else {
      this.succeeded = false;
    }
    if (target === 0) return 0;
    this.pendingId = this.nextId;
    this.nextId = (this.nextId + 1) & 0x3fff;
    this.pendingTarget = target;
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
    this.succeeded = bps >= SUCCESS_SHARE * this.pendingTarget;
    if (!this.succeeded) this.lastFailureMs = nowMs;
  }
}
