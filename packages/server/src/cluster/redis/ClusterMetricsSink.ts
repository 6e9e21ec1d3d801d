/**
 * What the Redis router reports for /metrics (names in docs/cluster.md). Shaped like prom-client's
 * Gauge, Histogram and Counter, so service/metrics.ts can hand those in as they are.
 */
export interface ClusterMetricsSink {
  /** confab_cluster_rooms_owned: rooms whose lease this node holds. */
  roomsOwned: { set(value: number): void };
  /** confab_cluster_sockets_relayed: sockets here whose room lives on another node. */
  socketsRelayed: { set(value: number): void };
  /** confab_cluster_relay_round_trip_seconds: a relayed command until the owner's answer is back. */
  relayRoundTrip: { observe(seconds: number): void };
  /** confab_cluster_lease_renewals_total and confab_cluster_lease_failures_total, per room lease. */
  leaseRenewals: { inc(by?: number): void };
  leaseFailures: { inc(by?: number): void };
}

/** Until /metrics is wired in. */
export const UNCOUNTED: ClusterMetricsSink = {
  roomsOwned: { set() {} },
  socketsRelayed: { set() {} },
  relayRoundTrip: { observe() {} },
  leaseRenewals: { inc() {} },
  leaseFailures: { inc() {} },
};
