import { sleep, type LocalCluster } from '@confab/loadtest';
import { restartKilled } from './clusterInfo';
import type { SignalingMember } from './SignalingMember';

export interface NodeDeathResult {
  /** The node killed (not the room's owner) and the room's sockets it held. */
  killed: string;
  socketsOnIt: number;
  /** Members on the other nodes, and of them how many lost their sockets within the wait. */
  survivors: number;
  survivorsLost: number;
  survivorsLostCloseCodes: Record<string, number>;
  /** kill -9 → every surviving member has been told that each of the killed node's members is reconnecting; undefined if not within the wait. */
  allToldMs: number | undefined;
  /** Of the `socketsOnIt` notices each survivor should get: the fewest and the most one got. */
  noticesSeen: { min: number; max: number };
}

const WAIT_MS = 60_000;

/**
 * Presence fan-out of a node's death in a big room: kill -9 a node that holds a third of the room's
 * sockets but not the room. Its members' sessions wait for a resume on the owner, and everyone
 * else is told each of them is reconnecting (participant_updated, connection: reconnecting): one
 * notice per lost member, to every survivor. Timed until every survivor has them all; the node is
 * started again afterwards.
 */
export async function measureNodeDeath(cluster: LocalCluster, owner: string, members: SignalingMember[], nodeOf: Map<SignalingMember, string>): Promise<NodeDeathResult> {
  const victim = cluster.nodes.find((n) => n.id !== owner)!;
  const connected = members.filter((m) => m.lost === undefined);
  const onVictim = new Set(connected.filter((m) => nodeOf.get(m) === victim.id).map((m) => m.id as string));
  const survivors = connected.filter((m) => nodeOf.get(m) !== victim.id);
  const told = new Map<SignalingMember, Set<string>>();
  let complete = 0;
  let allToldAt: number | undefined;
  for (const member of survivors) {
    const seen = new Set<string>();
    told.set(member, seen);
    member.listener = (message, at) => {
      if (message.type !== 'participant_updated' || message.participant.connection !== 'reconnecting' || !onVictim.has(message.participant.id)) return;
      seen.add(message.participant.id);
      if (seen.size === onVictim.size && ++complete === survivors.length) allToldAt = at;
    };
  }
  const killedAt = performance.now();
  victim.signal('SIGKILL');
  for (const until = Date.now() + WAIT_MS; allToldAt === undefined && Date.now() < until; ) await sleep(100);
  for (const member of survivors) member.listener = undefined;
  const lost = survivors.filter((m) => m.lost !== undefined);
  const codes: Record<string, number> = {};
  for (const m of lost) codes[m.lost!] = (codes[m.lost!] ?? 0) + 1;
  const counts = [...told.values()].map((s) => s.size);
  await restartKilled(cluster);
  return {
    killed: victim.id,
    socketsOnIt: onVictim.size,
    survivors: survivors.length,
    survivorsLost: lost.length,
    survivorsLostCloseCodes: codes,
    allToldMs: allToldAt === undefined ? undefined : Math.round(allToldAt - killedAt),
    noticesSeen: { min: Math.min(...counts), max: Math.max(...counts) },
  };
}
