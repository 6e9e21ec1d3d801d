import { sleep, type LocalCluster } from '@confab/loadtest';
import { ownerOf, redisOutputBytes, rtcUrl, socketsByNode } from './clusterInfo';
import { closeAll } from './joins';
import { SignalingMember } from './SignalingMember';
import { measureNodeDeath, type NodeDeathResult } from './nodeDeath';
import { median, summarize, type LatencySummary } from './stats';

export interface PresenceOptions {
  members: number;
  changes: number;
  /** Building the room stops here, and the room is measured at the size it reached. */
  buildTimeoutMs: number;
  /** Then kill -9 a node holding a third of the room (measureNodeDeath). */
  nodeDeath: boolean;
  log: (line: string) => void;
}

export interface PresenceResult {
  target: number;
  /** Members that joined, and of them still connected when measured (the rest lost their sockets). */
  joined: number;
  members: number;
  joinFailures: number;
  owner: string;
  socketsByNode: Record<string, number>;
  buildSeconds: number;
  /** Connected members that had not seen everyone else once the room was built (should be 0). */
  incompleteViews: number;
  changes: number;
  /** Per receiver: `status` request sent → `participant_updated` arrived. */
  deliveryMs: LatencySummary;
  /** Per change: until the last member had it (median and max over the changes). */
  lastReceiverMs: { median: number; max: number };
  /**
   * Bytes Redis sent the nodes per status change (relay frames to the edges, mostly), the cluster's
   * own traffic (measured for 2 s before) taken out.
   */
  redisBytesPerChange: number;
  /** Deliveries that never came within 10 s (should be 0). */
  missing: number;
  /** Sockets the server closed under us (e.g. a client counted silent), by close code. */
  socketsLost: number;
  lostCloseCodes: Record<string, number>;
  nodeDeath?: NodeDeathResult;
}

const CHANGE_TIMEOUT_MS = 10_000;
/** How long the cluster's own Redis traffic is measured before the changes. */
const QUIET_MS = 2_000;
const JOIN_CONCURRENCY = 8;
/** Coprime with 3 and with the room size: senders rotate over the nodes and never repeat. */
const SENDER_STRIDE = 337;

/**
 * Presence fan-out in one big room: `members` signaling clients join one room, round-robin over
 * the three nodes' own URLs (so a third of the sockets sit on the owner and two thirds are relayed).
 * Then `changes` members in turn, on every node, set their status; each change is timed at every
 * other member until its `participant_updated` arrives. Last, optionally, the death of a node
 * holding a third of the room (nodeDeath.ts).
 */
export async function measurePresence(cluster: LocalCluster, options: PresenceOptions): Promise<PresenceResult> {
  const { log } = options;
  const room = 'presence';
  const members: SignalingMember[] = [];
  try {
    log(`presence: building a room of ${options.members} over ${cluster.nodes.length} nodes (at most ${options.buildTimeoutMs / 1000} s)`);
    const build = await buildRoom(cluster, room, options, members);
    const connected = () => members.filter((m) => m.lost === undefined);
    // Wait (bounded) until every member has heard of every other.
    const unaware = () => connected().filter((m) => build.knows.get(m)!() !== members.length - 1).length;
    for (const until = Date.now() + 60_000; unaware() > 0 && Date.now() < until; ) await sleep(200);
    const incompleteViews = unaware();
    const owner = (await ownerOf(cluster.redis, room)) ?? '?';
    const sockets = await socketsByNode(cluster);
    log(`presence: ${members.length} members in ${build.seconds.toFixed(1)} s on ${owner} (sockets ${JSON.stringify(sockets)}); ${options.changes} status changes`);

    const deliveries: number[] = [];
    const lastReceiver: number[] = [];
    let missing = 0;
    const quietFrom = await redisOutputBytes(cluster.redis);
    await sleep(QUIET_MS);
    const changesFrom = await redisOutputBytes(cluster.redis);
    const changesStarted = performance.now();
    for (let k = 0; k < options.changes; k++) {
      const present = connected();
      if (present.length < 2) break;
      const change = await timeChange(present[(k * SENDER_STRIDE) % present.length]!, present);
      deliveries.push(...change.arrivals);
      missing += change.missing;
      if (change.missing === 0) lastReceiver.push(Math.max(...change.arrivals));
      await sleep(300);
    }
    const background = ((changesFrom - quietFrom) / QUIET_MS) * (performance.now() - changesStarted);
    const redisBytesPerChange = Math.round(((await redisOutputBytes(cluster.redis)) - changesFrom - background) / options.changes);
    log(`presence: Redis sent the nodes ${redisBytesPerChange} bytes per status change`);
    const lostCloseCodes: Record<string, number> = {};
    for (const m of members) if (m.lost !== undefined) lostCloseCodes[m.lost] = (lostCloseCodes[m.lost] ?? 0) + 1;
    const stillConnected = connected().length;
    const nodeDeath = options.nodeDeath ? await measureNodeDeath(cluster, owner, members, build.nodeOf) : undefined;
    if (nodeDeath) log(`presence: killed ${nodeDeath.killed}; ${nodeDeath.allToldMs === undefined ? 'not every' : 'every'} survivor told of its ${nodeDeath.socketsOnIt} members${nodeDeath.allToldMs === undefined ? '' : ` after ${nodeDeath.allToldMs} ms`}`);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      target: options.members,
      joined: members.length,
      members: stillConnected,
      joinFailures: build.failures,
      owner,
      socketsByNode: sockets,
      buildSeconds: round(build.seconds),
      incompleteViews,
      changes: options.changes,
      deliveryMs: summarize(deliveries),
      lastReceiverMs: { median: round(median(lastReceiver)), max: round(lastReceiver.length > 0 ? Math.max(...lastReceiver) : Number.NaN) },
      redisBytesPerChange,
      missing,
      socketsLost: members.length - stillConnected,
      lostCloseCodes,
      nodeDeath,
    };
  } finally {
    await closeAll(members);
  }
}

/** Joins members into `room` (into `members` as they come), a few at a time, until the target or the time limit. */
async function buildRoom(cluster: LocalCluster, room: string, options: PresenceOptions, members: SignalingMember[]) {
  /** How many others each member knows of now: those in its `joined`, plus joins, minus leaves since. */
  const knows = new Map<SignalingMember, () => number>();
  const nodeOf = new Map<SignalingMember, string>();
  let failures = 0;
  const started = performance.now();
  const deadline = Date.now() + options.buildTimeoutMs;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < options.members && Date.now() < deadline; i = next++) {
      let known = 0;
      try {
        const node = cluster.nodes[i % cluster.nodes.length]!;
        const member = await SignalingMember.join(rtcUrl(node.url), room, `P${i}`, (message) => {
          if (message.type === 'participant_joined') known++;
          else if (message.type === 'participant_left') known--;
        });
        knows.set(member, () => member.othersAtJoin + known);
        nodeOf.set(member, node.id);
        members.push(member);
        if (members.length % 100 === 0) options.log(`presence: ${members.length} members after ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: JOIN_CONCURRENCY }, worker));
  return { knows, nodeOf, failures, seconds: (performance.now() - started) / 1000 };
}

/** `sender` sets its status to away; when each of the others hears of it (ms after the request left). */
async function timeChange(sender: SignalingMember, present: SignalingMember[]): Promise<{ arrivals: number[]; missing: number }> {
  const pending = new Set(present.filter((m) => m !== sender));
  const arrivals: number[] = [];
  let sentAt = 0;
  const all = new Promise<void>((resolve) => {
    for (const member of pending) {
      member.listener = (message, at) => {
        if (message.type !== 'participant_updated' || message.participant.id !== sender.id || message.participant.status !== 'away') return;
        member.listener = undefined;
        arrivals.push(at - sentAt);
        pending.delete(member);
        if (pending.size === 0) resolve();
      };
    }
  });
  sentAt = performance.now();
  await sender.status('away');
  await Promise.race([all, sleep(CHANGE_TIMEOUT_MS)]);
  for (const member of pending) member.listener = undefined;
  return { arrivals, missing: pending.size };
}
