import { sleep, type LocalCluster } from '@confab/loadtest';
import { ownerOf, rtcUrl, socketsByNode } from './clusterInfo';
import { closeAll } from './joins';
import { SignalingMember } from './SignalingMember';
import { median, summarize, type LatencySummary } from './stats';

export interface PresenceOptions {
  members: number;
  changes: number;
  /** Building the room stops here, and the room is measured at the size it reached. */
  buildTimeoutMs: number;
  log: (line: string) => void;
}

export interface PresenceResult {
  /** Members the room had when measured (the target unless the build ran out of time or joins failed). */
  members: number;
  target: number;
  owner: string;
  socketsByNode: Record<string, number>;
  buildSeconds: number;
  joinFailures: number;
  /** Members that had not seen everyone else once the room was built (should be 0). */
  incompleteViews: number;
  changes: number;
  /** Per receiver: `status` request sent → `participant_updated` arrived. */
  deliveryMs: LatencySummary;
  /** Per change: until the last member had it (median and max over the changes). */
  lastReceiverMs: { median: number; max: number };
  /** Deliveries that never came within 10 s (should be 0). */
  missing: number;
  /** Sockets the server closed under us during the run (e.g. a client counted silent). */
  socketsLost: number;
}

const CHANGE_TIMEOUT_MS = 10_000;

/**
 * Presence fan-out in one big room: `members` signaling clients join one room, round-robin over
 * the three nodes' own URLs (so a third of the sockets sit on the owner and two thirds are relayed).
 * Then `changes` members in turn, on every node, set their status; each change is timed at every
 * other member until its `participant_updated` arrives.
 */
export async function measurePresence(cluster: LocalCluster, options: PresenceOptions): Promise<PresenceResult> {
  const { log } = options;
  const room = 'presence';
  const urls = cluster.nodes.map((n) => rtcUrl(n.url));
  const members: SignalingMember[] = [];
  /** How many others each member knows of now. */
  const knows = new Map<SignalingMember, () => number>();
  let joinFailures = 0;
  const started = performance.now();
  const deadline = Date.now() + options.buildTimeoutMs;
  log(`presence: building a room of ${options.members} over ${urls.length} nodes (at most ${options.buildTimeoutMs / 1000} s)`);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < options.members && Date.now() < deadline; i = next++) {
      try {
        // Others this member knows of: those in `joined`, plus joins, minus leaves after it.
        let known = 0;
        const member = await SignalingMember.join(urls[i % urls.length]!, room, `P${i}`, (message) => {
          if (message.type === 'participant_joined') known++;
          else if (message.type === 'participant_left') known--;
        });
        knows.set(member, () => member.othersAtJoin + known);
        members.push(member);
        if (members.length % 100 === 0) log(`presence: ${members.length} members after ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch {
        joinFailures++;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const buildSeconds = (performance.now() - started) / 1000;
  const owner = (await ownerOf(cluster.redis, room)) ?? '?';
  // Wait (bounded) until every member has heard of every other.
  const everyone = () => members.filter((m) => m.lost === undefined && knows.get(m)!() !== members.length - 1).length;
  for (const until = Date.now() + 60_000; everyone() > 0 && Date.now() < until; ) await sleep(200);
  const incompleteViews = everyone();
  const sockets = await socketsByNode(cluster);
  log(`presence: ${members.length} members in ${buildSeconds.toFixed(1)} s on ${owner} (sockets ${JSON.stringify(sockets)}); ${options.changes} status changes`);

  const deliveries: number[] = [];
  const lastReceiver: number[] = [];
  let missing = 0;
  const stride = 337; // coprime with 3 and with the room size: senders rotate over the nodes and never repeat
  for (let k = 0; k < options.changes && members.length > 1; k++) {
    const sender = members[(k * stride) % members.length]!;
    const pending = new Set(members.filter((m) => m !== sender && m.lost === undefined));
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
    missing += pending.size;
    for (const member of pending) member.listener = undefined;
    deliveries.push(...arrivals);
    if (pending.size === 0) lastReceiver.push(Math.max(...arrivals));
    await sleep(300);
  }
  const socketsLost = members.filter((m) => m.lost !== undefined).length;
  const size = members.length;
  await closeAll(members);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    members: size,
    target: options.members,
    owner,
    socketsByNode: sockets,
    buildSeconds: round(buildSeconds),
    joinFailures,
    incompleteViews,
    changes: options.changes,
    deliveryMs: summarize(deliveries),
    lastReceiverMs: { median: round(median(lastReceiver)), max: round(lastReceiver.length > 0 ? Math.max(...lastReceiver) : Number.NaN) },
    missing,
    socketsLost,
  };
}
