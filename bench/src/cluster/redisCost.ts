import { sleep, type RedisProcess } from '@confab/loadtest';
import { commandDelta } from './clusterInfo';

/**
 * The commands a node sends itself: Lua scripts (placement, claims, lease renewals, registry) and
 * relay publishes. Everything else INFO commandstats counts ran inside those scripts.
 */
const SENT_BY_NODES: ReadonlySet<string> = new Set(['evalsha', 'eval', 'publish']);

/** Redis commands per operation, with what the cluster runs anyway in the same time taken out. */
export interface CommandsPer {
  /** Commands the nodes sent (scripts and publishes): round trips to Redis. */
  sent: number;
  /** Every command Redis ran, those inside scripts included. */
  executed: number;
  byCommand: Record<string, number>;
}

/** Commands per second by command over `seconds` of whatever the cluster is doing by itself. */
async function rates(redis: RedisProcess, seconds: number): Promise<Record<string, number>> {
  const before = await redis.commandCalls();
  const started = performance.now();
  await sleep(seconds * 1000);
  const delta = commandDelta(before, await redis.commandCalls());
  const elapsed = (performance.now() - started) / 1000;
  return Object.fromEntries(Object.entries(delta).map(([c, n]) => [c, n / elapsed]));
}

/**
 * Runs `work` (`count` operations) and counts the Redis commands it caused (INFO commandstats
 * deltas). The cluster's own traffic (registry refreshes, liveness checks, lease renewals, which
 * grow with the rooms open) is measured for `quietSeconds` just before and just after, and its
 * mean rate over the work's duration taken out.
 */
export async function commandsPer<T>(redis: RedisProcess, count: number, work: () => Promise<T>, quietSeconds = 2): Promise<{ result: T; seconds: number; per: CommandsPer; backgroundPerSecond: number }> {
  const before = await rates(redis, quietSeconds);
  const start = await redis.commandCalls();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  await sleep(200); // the last replies' relay publishes
  const delta = commandDelta(start, await redis.commandCalls());
  const after = await rates(redis, quietSeconds);
  const background = (command: string) => ((before[command] ?? 0) + (after[command] ?? 0)) / 2;
  const byCommand: Record<string, number> = {};
  for (const [command, n] of Object.entries(delta)) {
    const net = (n - background(command) * (seconds + 0.2)) / count;
    if (net > 0.005) byCommand[command] = round(net);
  }
  const sum = (keep: (command: string) => boolean) => round(Object.entries(byCommand).reduce((s, [c, n]) => (keep(c) ? s + n : s), 0));
  const backgroundPerSecond = round(Object.keys({ ...before, ...after }).reduce((s, c) => s + background(c), 0));
  return { result, seconds, per: { sent: sum((c) => SENT_BY_NODES.has(c)), executed: sum(() => true), byCommand }, backgroundPerSecond };
}

const round = (x: number) => Math.round(x * 100) / 100;
