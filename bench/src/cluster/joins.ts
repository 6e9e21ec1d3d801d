import type { LocalCluster } from '@confab/loadtest';
import { ownerOf, rtcUrl, socketsByNode } from './clusterInfo';
import { commandsPer, type CommandsPer } from './redisCost';
import { SignalingMember } from './SignalingMember';
import { summarize, type LatencySummary } from './stats';

export interface JoinsOptions {
  joins: number;
  roomSize: number;
  concurrency: number;
  /** Sequential joins per case of the Redis-cost breakdown. */
  costJoins: number;
  log: (line: string) => void;
}

export interface JoinsResult {
  joins: number;
  rooms: number;
  roomSize: number;
  concurrency: number;
  seconds: number;
  joinsPerSecond: number;
  /** Socket open + join → joined, per join. */
  latencyMs: LatencySummary;
  failed: number;
  failures: string[];
  /** Joined sockets the server closed before the run ended (should be 0). */
  socketsLost: number;
  socketsByNode: Record<string, number>;
  /** Redis commands the cluster ran per second by itself around the run (taken out below). */
  redisBackgroundPerSecond: number;
  /** Redis commands per join during the run above (new rooms and joins of open rooms, mixed as they came). */
  redisPerJoin: CommandsPer;
  /** Redis commands per join, by kind of join (sequential joins). */
  redisPerJoinByKind: { newRoom: CommandsPer; atOwner: CommandsPer; relayed: CommandsPer };
}

/**
 * Joins per second, cluster-wide: `joins` signaling clients join rooms of `roomSize` through HAProxy,
 * `concurrency` at a time (a join = WebSocket open + `join` → `joined`). Then Redis commands per
 * join: over that run, and for each kind of join alone (first join of a room; a join of an open
 * room at its owner; the same relayed from another node).
 */
export async function measureJoins(cluster: LocalCluster, options: JoinsOptions): Promise<JoinsResult> {
  const { log } = options;
  const proxy = rtcUrl(cluster.url);
  const members: SignalingMember[] = [];
  const keep: SignalingMember[] = [];
  try {
    const latencies: number[] = [];
    const failures: string[] = [];
    let failed = 0;
    const rooms = Math.ceil(options.joins / options.roomSize);
    log(`joins: ${options.joins} joins into ${rooms} rooms of ${options.roomSize} through HAProxy, ${options.concurrency} at a time`);
    const run = await commandsPer(cluster.redis, options.joins, async () => {
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < options.joins; i = next++) {
          const started = performance.now();
          try {
            members.push(await SignalingMember.join(proxy, `joins-${Math.floor(i / options.roomSize)}`, `J${i}`));
            latencies.push(performance.now() - started);
          } catch (error) {
            failed++;
            if (failures.length < 5) failures.push((error as Error).message);
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    });
    const sockets = await socketsByNode(cluster);
    const socketsLost = members.filter((m) => m.lost !== undefined).length;
    await closeAll(members);
    log(`joins: ${(options.joins / run.seconds).toFixed(1)}/s; Redis commands per join by kind, ${options.costJoins} each`);

    const sequential = (count: number, join: (i: number) => Promise<SignalingMember>) =>
      commandsPer(cluster.redis, count, async () => {
        for (let i = 0; i < count; i++) keep.push(await join(i));
      });
    const newRoom = await sequential(options.costJoins, (i) => SignalingMember.join(proxy, `cost-new-${i}`, 'First'));
    // An open room whose only member sits on its owner: a join there then needs nothing from Redis.
    const placer = await SignalingMember.join(proxy, 'cost-open', 'Placer');
    keep.push(placer);
    const owner = cluster.node((await ownerOf(cluster.redis, 'cost-open'))!);
    keep.push(await SignalingMember.join(rtcUrl(owner.url), 'cost-open', 'Host'));
    await placer.close();
    const other = cluster.nodes.find((n) => n !== owner)!;
    const atOwner = await sequential(options.costJoins, (i) => SignalingMember.join(rtcUrl(owner.url), 'cost-open', `Local${i}`));
    const relayed = await sequential(options.costJoins, (i) => SignalingMember.join(rtcUrl(other.url), 'cost-open', `Relayed${i}`));
    return {
      joins: options.joins,
      rooms,
      roomSize: options.roomSize,
      concurrency: options.concurrency,
      seconds: Math.round(run.seconds * 100) / 100,
      joinsPerSecond: Math.round(((options.joins - failed) / run.seconds) * 10) / 10,
      latencyMs: summarize(latencies),
      failed,
      failures,
      socketsLost,
      socketsByNode: sockets,
      redisBackgroundPerSecond: run.backgroundPerSecond,
      redisPerJoin: run.per,
      redisPerJoinByKind: { newRoom: newRoom.per, atOwner: atOwner.per, relayed: relayed.per },
    };
  } finally {
    await closeAll(members);
    await closeAll(keep);
  }
}

/** Closes every member, 100 at a time (each close waits for the server's close frame). */
export async function closeAll(members: SignalingMember[]): Promise<void> {
  for (let i = 0; i < members.length; i += 100) await Promise.all(members.slice(i, i + 100).map((m) => m.close()));
  members.length = 0;
}
