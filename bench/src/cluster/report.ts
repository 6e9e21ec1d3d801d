import { markdownTable } from '../sfu/report';
import { CHAT_CASES, type ChatCase, type ChatResult } from './chatLatency';
import type { LeftBehind } from './clusterInfo';
import type { FailoverResult, FailoverRun } from './failover';
import type { JoinsResult } from './joins';
import type { PresenceResult } from './presence';
import type { CommandsPer } from './redisCost';

export const PRESENCE_GOAL_MS = 200;
export const FAILOVER_GOAL_MS = 5_000;

export interface ClusterResults {
  joins?: JoinsResult;
  chat?: ChatResult;
  presence?: PresenceResult;
  failover?: FailoverResult;
  /** What the cluster still held after every participant had left. */
  leftBehind?: LeftBehind;
  /** Parts that failed, with why. */
  failed: Record<string, string>;
}

/** The headline numbers, as the issue lists them (JSON `summary`). */
export function summary(r: ClusterResults) {
  const pick = (l: { p50: number; p99: number } | undefined) => (l ? { p50: l.p50, p99: l.p99 } : undefined);
  return {
    joinsPerSecond: r.joins?.joinsPerSecond,
    redisCommandsPerJoin: r.joins?.redisPerJoin.sent,
    redisCommandsPerJoinExecuted: r.joins?.redisPerJoin.executed,
    redisCommandsPerJoinByKind: r.joins && {
      newRoom: pickCommands(r.joins.redisPerJoinByKind.newRoom),
      atOwner: pickCommands(r.joins.redisPerJoinByKind.atOwner),
      relayed: pickCommands(r.joins.redisPerJoinByKind.relayed),
    },
    chatLatencyMs: r.chat && { sameNode: pick(r.chat.sameNode), differentNodes: pick(r.chat.differentNodes) },
    presenceFanoutP99Ms: r.presence?.deliveryMs.p99,
    presenceMembers: r.presence?.members,
    presenceRedisBytesPerChange: r.presence?.redisBytesPerChange,
    presenceGoalMs: PRESENCE_GOAL_MS,
    presenceNodeDeath: r.presence?.nodeDeath && {
      killedSockets: r.presence.nodeDeath.socketsOnIt,
      allToldMs: r.presence.nodeDeath.allToldMs,
      survivorsLost: r.presence.nodeDeath.survivorsLost,
    },
    failoverMedianMs: r.failover && r.failover.runs.length > 0 ? r.failover.medianMs : undefined,
    failoverRuns: r.failover?.runs.length,
    failoverGoalMs: FAILOVER_GOAL_MS,
    leftBehind: r.leftBehind,
    failed: Object.keys(r.failed).length > 0 ? r.failed : undefined,
  };
}

const pickCommands = (c: CommandsPer) => ({ sent: c.sent, executed: c.executed });
const ms = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
const inside = (c: CommandsPer) => Object.entries(c.byCommand).filter(([k]) => !['evalsha', 'eval', 'publish'].includes(k));
const commandCells = (c: CommandsPer) => [
  c.sent.toFixed(2),
  ['evalsha', 'eval', 'publish'].map((k) => `${k} ${(c.byCommand[k] ?? 0).toFixed(2)}`).join(', '),
  c.executed.toFixed(2),
  inside(c).map(([k, v]) => `${k} ${v}`).join(', ') || '-',
];

const returned = (r: FailoverRun['publisher']) => `${r.lostAfterMs} / ${r.backAfterMs} (close ${r.closeCode}, ${r.how}, ${r.attempts} socket${r.attempts > 1 ? 's' : ''})`;

export function textReport(r: ClusterResults): string {
  const out: string[] = [];
  const s = summary(r);
  out.push(
    markdownTable(
      ['measure', 'result', 'goal'],
      [
        ['joins per second, cluster-wide', String(s.joinsPerSecond ?? '-'), ''],
        ['Redis commands per join (sent by nodes / run by Redis)', r.joins ? `${r.joins.redisPerJoin.sent} / ${r.joins.redisPerJoin.executed}` : '-', ''],
        ['chat latency p50 / p99, same node (ms)', r.chat ? `${ms(r.chat.sameNode.p50)} / ${ms(r.chat.sameNode.p99)}` : '-', ''],
        ['chat latency p50 / p99, different nodes (ms)', r.chat ? `${ms(r.chat.differentNodes.p50)} / ${ms(r.chat.differentNodes.p99)}` : '-', ''],
        [`presence fan-out p99, ${r.presence?.members ?? '-'}-member room (ms)`, ms(s.presenceFanoutP99Ms), `< ${PRESENCE_GOAL_MS}`],
        [`failover after kill -9, median of ${s.failoverRuns ?? 0} (ms)`, String(s.failoverMedianMs ?? '-'), `< ${FAILOVER_GOAL_MS}`],
      ],
    ),
  );
  if (r.joins) {
    const j = r.joins;
    out.push(
      `\nJoins: ${j.joins} through HAProxy into ${j.rooms} rooms of ${j.roomSize}, ${j.concurrency} at a time: ${j.seconds} s, ` +
        `${j.joinsPerSecond}/s; join latency p50 ${ms(j.latencyMs.p50)} ms, p99 ${ms(j.latencyMs.p99)} ms; failed ${j.failed}${j.failures.length ? ` (${j.failures.join('; ')})` : ''}; sockets lost ${j.socketsLost}; ` +
        `sockets per node ${JSON.stringify(j.socketsByNode)}.`,
    );
    out.push(`\nRedis commands per join, from INFO commandstats (the cluster's own ${j.redisBackgroundPerSecond}/s around the run taken out):\n`);
    out.push(
      markdownTable(
        ['join', 'sent by nodes', 'of which', 'run by Redis', 'inside scripts'],
        [
          ['the run above (mixed)', ...commandCells(j.redisPerJoin)],
          ['first join of a room', ...commandCells(j.redisPerJoinByKind.newRoom)],
          ['open room, socket on its owner', ...commandCells(j.redisPerJoinByKind.atOwner)],
          ['open room, socket on another node', ...commandCells(j.redisPerJoinByKind.relayed)],
        ],
      ),
    );
  }
  if (r.chat) {
    out.push('\nChat: `chat` request sent → `chat` received by another member (ms):\n');
    out.push(
      markdownTable(
        ['sender and receiver', 'n', 'p50', 'p99', 'max'],
        (Object.keys(CHAT_CASES) as ChatCase[]).map((c) => {
          const l = r.chat!.cases[c];
          return [CHAT_CASES[c], String(l.samples), ms(l.p50), ms(l.p99), ms(l.max)];
        }),
      ),
    );
  }
  if (r.presence) {
    const p = r.presence;
    out.push(
      `\nPresence: ${p.joined} of ${p.target} members joined (${p.joinFailures} joins failed) in ${p.buildSeconds} s, room on ${p.owner}, sockets per node ${JSON.stringify(p.socketsByNode)}; ` +
        `${p.members} still connected when measured (sockets lost: ${p.socketsLost}, by close code ${JSON.stringify(p.lostCloseCodes)}); members not seeing everyone: ${p.incompleteViews}. ` +
        `${p.changes} status changes: delivery p50 ${ms(p.deliveryMs.p50)} ms, p99 ${ms(p.deliveryMs.p99)} ms, max ${ms(p.deliveryMs.max)} ms (${p.deliveryMs.samples} deliveries, ${p.missing} missing); ` +
        `last member reached after ${ms(p.lastReceiverMs.median)} ms (median), ${ms(p.lastReceiverMs.max)} ms (max); Redis sent the nodes ${p.redisBytesPerChange} bytes per change.`,
    );
    const d = p.nodeDeath;
    if (d) {
      out.push(
        `Then kill -9 of ${d.killed} (${d.socketsOnIt} of the room's sockets, not its owner): ` +
          (d.allToldMs === undefined ? 'not every survivor was told of all of them within 60 s' : `every survivor told that all ${d.socketsOnIt} are reconnecting after ${d.allToldMs} ms`) +
          ` (notices per survivor: ${d.noticesSeen.min}-${d.noticesSeen.max} of ${d.socketsOnIt}); survivors that lost their sockets: ${d.survivorsLost} of ${d.survivors} ${JSON.stringify(d.survivorsLostCloseCodes)}.`,
      );
    }
  }
  if (r.failover) {
    out.push('\nFailover: kill -9 of the owner → headless subscriber receives the headless publisher\'s video again (ms after the kill):\n');
    out.push(
      markdownTable(
        ['run', 'killed', 'sockets on it', 'publisher: socket closed / back', 'subscriber: socket closed / back', 'video packets', 'key frame', 'new owner'],
        r.failover.runs.map((run, i) => [
          String(i + 1),
          run.owner,
          `${run.socketsOnOwner}/2`,
          returned(run.publisher),
          returned(run.subscriber),
          String(run.mediaBackMs),
          String(run.keyFrameMs),
          run.newOwner ?? '-',
        ]),
      ),
    );
    for (const f of r.failover.failures) out.push(`failed: ${f}`);
  }
  if (r.leftBehind) out.push(`\nLeft behind once everyone had gone (within 15 s): ${JSON.stringify(r.leftBehind)}.`);
  for (const [part, why] of Object.entries(r.failed)) out.push(`\n${part} failed: ${why}`);
  return out.join('\n');
}
