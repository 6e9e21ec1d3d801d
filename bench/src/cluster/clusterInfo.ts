import { sleep, type LocalCluster, type RedisProcess } from '@confab/loadtest';

/** The signaling WebSocket URL of an http(s) base URL (a node's own, or HAProxy's). */
export function rtcUrl(httpBase: string): string {
  return `${httpBase.replace(/^http/, 'ws')}/rtc`;
}

/**
 * The node id that owns `room` according to Redis, undefined while nobody does. A lease is
 * `<node id>#<boot tag>|<epoch>` (packages/server/src/cluster/redis/nodeIds.ts).
 */
export async function ownerOf(redis: RedisProcess, room: string): Promise<string | undefined> {
  const lease = await redis.cli('GET', `confab:room:${room}`);
  if (lease === '') return undefined;
  const instance = lease.slice(0, lease.lastIndexOf('|'));
  return instance.slice(0, instance.lastIndexOf('#'));
}

/** WebSockets each running node holds now (its `confab_signal_connections`), by node id. */
export async function socketsByNode(cluster: LocalCluster): Promise<Record<string, number>> {
  const pages = await cluster.metrics();
  return Object.fromEntries([...pages].map(([id, page]) => [id, page.get('confab_signal_connections') ?? 0]));
}

/** Bytes Redis has sent its clients so far (`INFO stats` total_net_output_bytes): relay frames to nodes, mostly. */
export async function redisOutputBytes(redis: RedisProcess): Promise<number> {
  const line = /^total_net_output_bytes:(\d+)/m.exec(await redis.cli('INFO', 'stats'));
  return Number(line?.[1] ?? Number.NaN);
}

/** Redis commands run between two `INFO commandstats` readings, by command; `info` itself left out. */
export function commandDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [command, calls] of Object.entries(after)) {
    const n = calls - (before[command] ?? 0);
    if (n > 0 && command !== 'info') delta[command] = n;
  }
  return delta;
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** What the cluster still holds once every participant has gone: it should be nothing. */
export interface LeftBehind {
  /** `confab:room:*` leases in Redis. */
  leases: number;
  /** Rooms, participants and relayed sockets the nodes still count (their /metrics). */
  rooms: number;
  participants: number;
  socketsRelayed: number;
}

/** Waits (at most `timeoutMs`) until the cluster holds no room, lease or participant, and says what is left. */
export async function leftBehind(cluster: LocalCluster, timeoutMs: number): Promise<LeftBehind> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const keys = await cluster.redis.cli('--scan', '--pattern', 'confab:room:*');
    const pages = [...(await cluster.metrics()).values()];
    const sum = (name: string) => pages.reduce((s, page) => s + (page.get(name) ?? 0), 0);
    const left = { leases: keys === '' ? 0 : keys.split('\n').length, rooms: sum('confab_rooms'), participants: sum('confab_participants'), socketsRelayed: sum('confab_cluster_sockets_relayed') };
    if (Object.values(left).every((n) => n === 0) || Date.now() > deadline) return left;
    await sleep(200);
  }
}

/** Starts every killed node again and waits until HAProxy sends it connections. */
export async function restartKilled(cluster: LocalCluster): Promise<void> {
  for (const node of cluster.nodes) {
    if (node.running) continue;
    await node.exited(10_000);
    await node.start();
  }
  await cluster.proxy.waitServers((states) => [...states.values()].every((s) => s === 'UP'), 30_000, 'every node UP again');
  await sleep(500);
}
