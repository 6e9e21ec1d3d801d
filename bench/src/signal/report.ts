import { percentile } from '../cluster/stats';
import { markdownTable } from '../sfu/report';

/** Issue 14's goals for idle sessions on one node. */
export const GOALS = { idleSessions: 15_000, idleSessionBytes: 20 * 1024, idleCpuShare: 0.1 } as const;

/** The server's CPU and the sessions' frames over a window of idling. */
export interface IdleWindow {
  seconds: number;
  /** Server CPU (all threads, user + system) over the window, as a share of one core. */
  cpuShare: number;
  cpuUserShare: number;
  cpuSystemShare: number;
  /** The generators' CPU over the same window, summed, as a share of one core. */
  generatorCpuShare: number;
  /** Frames the sessions sent and received per second during the window (all sessions). */
  framesSentPerSecond: number;
  framesReceivedPerSecond: number;
}

export interface HeartbeatComparison {
  rounds: number;
  everyPing: IdleWindow;
  asSdk: IdleWindow;
}

/** Windows of one kind as one: rates weighted by each window's length. */
export function combineWindows(windows: IdleWindow[]): IdleWindow {
  const seconds = windows.reduce((n, w) => n + w.seconds, 0);
  const mean = (key: Exclude<keyof IdleWindow, 'seconds'>) => windows.reduce((n, w) => n + w[key] * w.seconds, 0) / Math.max(seconds, 1e-9);
  return {
    seconds: Math.round(seconds * 10) / 10,
    cpuShare: mean('cpuShare'),
    cpuUserShare: mean('cpuUserShare'),
    cpuSystemShare: mean('cpuSystemShare'),
    generatorCpuShare: mean('generatorCpuShare'),
    framesSentPerSecond: mean('framesSentPerSecond'),
    framesReceivedPerSecond: mean('framesReceivedPerSecond'),
  };
}

export interface SignalResults {
  target: number;
  roomSize: number;
  generators: number;
  heartbeat: { intervalMs: number; timeoutMs: number; serverPings: boolean };
  joins: { joined: number; failed: number; seconds: number; perSecond: number; latencyMs: { p50: number; p95: number; max: number }; errors: string[] };
  memory: {
    /** Server RSS (/proc) and V8 heap after GC, before the joins and with every session idle. */
    rssBefore: number;
    rssIdle: number;
    heapBefore: number;
    heapIdle: number;
    externalBefore: number;
    externalIdle: number;
  };
  idle: IdleWindow;
  /** --compare-rounds: every ping asking for a pong (older SDKs) against the SDK's pings, same run. */
  comparison?: HeartbeatComparison;
  /** Still connected after the idle window, and the sockets the server closed meanwhile (by close code). */
  connected: number;
  lostByCode: Record<string, number>;
  fanout: { changes: number; missing: number; lastReceiverMs: { p50: number; p95: number; max: number }; deliveryMs: { p50: number; p95: number } };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
export const latency = (values: number[]) => ({ p50: round1(percentile(values, 50)), p95: round1(percentile(values, 95)), max: round1(percentile(values, 100)) });

/** Bytes per joined session: the growth from before the joins to idle, over the sessions. */
export function perSession(r: SignalResults) {
  const n = Math.max(1, r.joins.joined);
  return {
    rss: Math.round((r.memory.rssIdle - r.memory.rssBefore) / n),
    heap: Math.round((r.memory.heapIdle - r.memory.heapBefore) / n),
    external: Math.round((r.memory.externalIdle - r.memory.externalBefore) / n),
  };
}

/** Pings per second the sessions owe at the heartbeat interval: fewer were sent if the generators fell behind. */
export const pingsDue = (r: SignalResults) => r.connected / (r.heartbeat.intervalMs / 1000);

/** Who sent the heartbeat in the run: the server (`joined.session.serverPings`) or the clients. */
const heartbeatBy = (r: SignalResults): 'server' | 'client' => (r.heartbeat.serverPings ? 'server' : 'client');

/** Server CPU per signaling frame while idle (both directions), µs: comparable across heartbeat settings. */
export const cpuPerFrameUs = (w: IdleWindow) => (w.cpuShare * 1e6) / Math.max(1, w.framesSentPerSecond + w.framesReceivedPerSecond);

/** The headline numbers, keyed by the goals they answer (JSON `summary`). */
export function summary(r: SignalResults) {
  const bytes = perSession(r);
  return {
    idle_sessions: r.connected,
    idle_sessions_goal: GOALS.idleSessions,
    idle_session_bytes: bytes.rss,
    idle_session_heap_bytes: bytes.heap,
    idle_session_bytes_goal: GOALS.idleSessionBytes,
    idle_cpu_share: Math.round(r.idle.cpuShare * 1000) / 1000,
    idle_cpu_share_goal: GOALS.idleCpuShare,
    idle_sessions_lost: r.joins.joined - r.connected,
    idle_frames_per_second: Math.round(r.idle.framesSentPerSecond + r.idle.framesReceivedPerSecond),
    idle_cpu_per_frame_us: Math.round(cpuPerFrameUs(r.idle) * 10) / 10,
    join_per_second: Math.round(r.joins.perSecond),
    join_failures: r.joins.failed,
    presence_fanout_p95_ms: r.fanout.lastReceiverMs.p95,
    presence_fanout_missing: r.fanout.missing,
    ...(r.comparison
      ? {
          idle_cpu_share_every_ping: Math.round(r.comparison.everyPing.cpuShare * 1000) / 1000,
          idle_cpu_share_as_sdk: Math.round(r.comparison.asSdk.cpuShare * 1000) / 1000,
        }
      : {}),
    heartbeat_interval_ms: r.heartbeat.intervalMs,
    heartbeat_timeout_ms: r.heartbeat.timeoutMs,
    heartbeat_by: heartbeatBy(r),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function comparisonRows(c: HeartbeatComparison): string[][] {
  const row = (name: string, w: IdleWindow) => [
    `  ${name} (${w.seconds} s over ${c.rounds} rounds)`,
    `${pct(w.cpuShare)} (user ${pct(w.cpuUserShare)}, system ${pct(w.cpuSystemShare)}); ${Math.round(w.framesSentPerSecond)} / ${Math.round(w.framesReceivedPerSecond)} frames/s; ${cpuPerFrameUs(w).toFixed(1)} µs per frame`,
    '',
  ];
  return [row('every ping asks for a pong (older SDKs)', c.everyPing), row('pings as the SDK sends them', c.asSdk)];
}

export function textReport(r: SignalResults): string {
  const bytes = perSession(r);
  const lost = Object.entries(r.lostByCode).map(([code, n]) => `${n} × ${code}`).join(', ') || 'none';
  const goal = (ok: boolean) => (ok ? 'met' : 'missed');
  return [
    `${r.joins.joined} of ${r.target} sessions joined in rooms of ${r.roomSize} from ${r.generators} generator processes; heartbeat ${r.heartbeat.intervalMs} / ${r.heartbeat.timeoutMs} ms (sent by the ${heartbeatBy(r)})`,
    '',
    markdownTable(
      ['what', 'measured', 'goal'],
      [
        ['idle sessions still connected', `${r.connected} (lost: ${lost})`, `>= ${GOALS.idleSessions}: ${goal(r.connected >= GOALS.idleSessions)}`],
        ['server RSS per session (after GC)', `${kb(bytes.rss)} (${mb(r.memory.rssBefore)} → ${mb(r.memory.rssIdle)})`, `<= 20 KB: ${goal(bytes.rss <= GOALS.idleSessionBytes)}`],
        ['  of it V8 heap / external', `${kb(bytes.heap)} / ${kb(bytes.external)}`, ''],
        [`server CPU while idle (${r.idle.seconds} s)`, `${pct(r.idle.cpuShare)} of a core (user ${pct(r.idle.cpuUserShare)}, system ${pct(r.idle.cpuSystemShare)})`, `<= 10 %: ${goal(r.idle.cpuShare <= GOALS.idleCpuShare)}`],
        ['  frames per second, to / from the server', `${Math.round(r.idle.framesSentPerSecond)} / ${Math.round(r.idle.framesReceivedPerSecond)} (pings due: ${Math.round(pingsDue(r))})`, ''],
        ['  server CPU per frame', `${cpuPerFrameUs(r.idle).toFixed(1)} µs`, ''],
        ['  generators meanwhile', `${pct(r.idle.generatorCpuShare)} of a core`, ''],
        ...(r.comparison ? comparisonRows(r.comparison) : []),
        ['joins', `${Math.round(r.joins.perSecond)} /s (${r.joins.failed} failed; each ${r.joins.latencyMs.p50} ms p50, ${r.joins.latencyMs.p95} ms p95)`, ''],
        ['presence fan-out to a room (last member)', `p50 ${r.fanout.lastReceiverMs.p50} ms, p95 ${r.fanout.lastReceiverMs.p95} ms, max ${r.fanout.lastReceiverMs.max} ms over ${r.fanout.changes} changes (${r.fanout.missing} missing)`, ''],
      ],
    ),
    ...(r.joins.errors.length > 0 ? ['', `join errors (first few): ${r.joins.errors.join('; ')}`] : []),
  ].join('\n');
}
