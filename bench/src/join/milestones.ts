import type { PageTimeline } from './timeline';

/** The value below which `share` of `values` lie (nearest rank); NaN for none. */
export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))]!;
}

/**
 * The median time of every milestone that the joins' timelines recorded, in the order they
 * happened (by median): `ws.open`, `message.joined`, `pc1.ice_connected`, ... The peer connections
 * are numbered in the order the page made them.
 */
export function milestones(timelines: readonly PageTimeline[]): Record<string, number> {
  const samples = new Map<string, number[]>();
  const add = (key: string, ms: number): void => {
    const list = samples.get(key);
    if (list) list.push(ms);
    else samples.set(key, [ms]);
  };
  for (const t of timelines) {
    for (const [k, ms] of Object.entries(t.page ?? {})) add(`page.${k}`, ms);
    for (const [k, ms] of Object.entries(t.ws)) add(`ws.${k}`, ms);
    for (const [k, ms] of Object.entries(t.messages)) add(`message.${k}`, ms);
    for (const [k, ms] of Object.entries(t.media)) add(`media.${k}`, ms);
    t.pcs.forEach((pc, i) => {
      for (const [k, ms] of Object.entries(pc)) add(`pc${i + 1}.${k}`, ms);
    });
  }
  const medians = [...samples].map(([key, list]) => [key, Math.round(percentile(list, 0.5))] as const);
  return Object.fromEntries(medians.sort((a, b) => a[1] - b[1]));
}
