/** How busy a media worker is, as placement sees it. */
export interface WorkerLoad {
  routers: number;
  transports: number;
}

/**
 * The worker a new router (room) goes to: the one with the fewest routers plus transports, then
 * the fewest routers, then the lowest index. `undefined` entries are workers being replaced.
 * Returns -1 when there is none.
 */
export function leastLoaded(loads: readonly (WorkerLoad | undefined)[]): number {
  let best = -1;
  for (let i = 0; i < loads.length; i++) {
    const load = loads[i];
    if (!load) continue;
    const current = loads[best];
    if (!current || weight(load) < weight(current) || (weight(load) === weight(current) && load.routers < current.routers)) best = i;
  }
  return best;
}

function weight(load: WorkerLoad): number {
  return load.routers + load.transports;
}
