/**
 * How the cluster keeps time. The defaults suit production (a dead owner's rooms are back within
 * about one lease); tests shorten them. Rules: see checkTimings.
 */
export interface ClusterTimings {
  /** A room's lease lasts this long without a renewal. */
  leaseMs: number;
  /**
   * The owner renews all its leases this often. Well under the fence deadline: an event loop that
   * stalls for up to leaseMs - fenceMarginMs - renewMs between two renewals keeps its rooms.
   */
  renewMs: number;
  /**
   * A node that has not renewed a lease closes that room this long before the lease could have
   * expired, so two owners never coexist (measured from when the last good renewal was sent).
   */
  fenceMarginMs: number;
  /** A node's registry entry expires this long after its last refresh, and is refreshed every refreshMs. */
  nodeTtlMs: number;
  refreshMs: number;
  /** A relayed request (admission, command) that gets no answer in this time fails with `unavailable`. */
  callTimeoutMs: number;
}

export const DEFAULT_TIMINGS: ClusterTimings = {
  leaseMs: 4_000,
  renewMs: 500,
  fenceMarginMs: 1_000,
  nodeTtlMs: 3_000,
  refreshMs: 1_000,
  callTimeoutMs: 5_000,
};

export function clusterTimings(overrides: Partial<ClusterTimings> = {}): ClusterTimings {
  const timings = { ...DEFAULT_TIMINGS, ...overrides };
  checkTimings(timings);
  return timings;
}

function checkTimings(t: ClusterTimings): void {
  // Two renewals must fit before the fence, or one slow answer would close rooms for nothing.
  if (t.fenceMarginMs <= 0 || 2 * t.renewMs > t.leaseMs - t.fenceMarginMs) {
    throw new Error('cluster timings: need fenceMarginMs > 0 and 2 × renewMs <= leaseMs - fenceMarginMs');
  }
  if (2 * t.refreshMs > t.nodeTtlMs) throw new Error('cluster timings: need 2 × refreshMs <= nodeTtlMs');
  if (t.callTimeoutMs < t.renewMs) throw new Error('cluster timings: need callTimeoutMs >= renewMs');
}

/** Redis went this long without any script run: it stalled (every node runs one at least every refreshMs). */
export function stallThresholdMs(t: ClusterTimings): number {
  return Math.max(3 * t.refreshMs, t.renewMs * 3);
}

/** A renewal not answered within this long counts as trouble: the node probes Redis at once. */
export function slowRenewalMs(t: ClusterTimings): number {
  return Math.floor(t.renewMs / 2);
}

/**
 * A probe of a Redis that did not answer waits this long for TCP, then as long again for a reply.
 * Sized so that a probe started at the first slow renewal ends before the fence deadline.
 */
export function probeTimeoutMs(t: ClusterTimings): number {
  return Math.max(50, Math.min(1_000, Math.floor((t.leaseMs - t.fenceMarginMs - t.renewMs - slowRenewalMs(t)) / 2)));
}
