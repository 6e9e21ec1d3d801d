/** What the delay-based detector concludes about the path's queue. */
export const BandwidthUsage = {
  /** Delay is stable: the path carries what we send. */
  Normal: 0,
  /** Delay grows: a queue builds somewhere, we send more than the bottleneck carries. */
  Overusing: 1,
  /** Delay shrinks: a queue drains. */
  Underusing: 2,
} as const;
export type BandwidthUsage = (typeof BandwidthUsage)[keyof typeof BandwidthUsage];
