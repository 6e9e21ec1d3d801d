/** Order statistics for latency samples (nearest rank: the value at or above p% of the samples). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** p50, p99 and max in ms, rounded to 0.1 ms, with the sample count. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const round = (x: number) => Math.round(x * 10) / 10;
  return { samples: values.length, p50: round(percentile(values, 50)), p99: round(percentile(values, 99)), max: round(percentile(values, 100)) };
}
