/**
 * Cluster benchmark (issue 10): redis-server, three Confab nodes in cluster mode and the shipped
 * HAProxy, all on 127.0.0.1 (LocalCluster), driven by headless participants in this process:
 *   1. joins per second, cluster-wide, and Redis commands per join (INFO commandstats deltas);
 *   2. signaling latency of a chat message between two people on the same node / different nodes;
 *   3. presence fan-out in a 1,000-member room spread over the three nodes (goal p99 < 200 ms);
 *   4. failover after kill -9 of a room's owner, median of 5 runs (goal < 5 s until video flows again).
 * Method and results: docs/benchmarks.md.
 *
 *   npm run -s bench:cluster [-- --parts joins,chat,presence,failover --members 1000 --json]
 *
 * Run it in a network namespace with only loopback, like the tests:
 *   unshare -n sh -c 'ip link set lo up && exec npm run -s bench:cluster'
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { LocalCluster, processCpu, withTimeout } from '@confab/loadtest';
import { measureChat } from './cluster/chatLatency';
import { leftBehind } from './cluster/clusterInfo';
import { LoopWatch } from './cluster/loopWatch';
import { measureFailover } from './cluster/failover';
import { ensureOpenFiles, openFileLimit } from './cluster/fileLimit';
import { measureJoins } from './cluster/joins';
import { measurePresence } from './cluster/presence';
import { ProcessLogs } from './cluster/processLogs';
import { summary, textReport, type ClusterResults } from './cluster/report';
import { BENCH_SERVER_ENV } from './sfu/ConfabTarget';

const PARTS = ['joins', 'chat', 'presence', 'failover'] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: PARTS.join(',') },
    joins: { type: 'string', default: '1200' },
    'room-size': { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '24' },
    'cost-joins': { type: 'string', default: '20' },
    'chat-messages': { type: 'string', default: '400' },
    members: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '20' },
    'build-seconds': { type: 'string', default: '300' },
    /** Skip the kill -9, after the presence changes, of a node holding a third of the room. */
    'no-node-death': { type: 'boolean', default: false },
    'failover-runs': { type: 'string', default: '5' },
    /** The nodes' log level; their output goes to files in a temporary folder (named at the start). */
    'log-level': { type: 'string', default: 'warn' },
    json: { type: 'boolean', default: false },
  },
});

const parts = values.parts.split(',').map((p) => p.trim() as Part);
if (parts.some((p) => !PARTS.includes(p))) fail(`--parts: any of ${PARTS.join(', ')}`);
let joins = integerOption(values, 'joins', 1, 100_000);
const roomSize = integerOption(values, 'room-size', 1, 1000);
const concurrency = integerOption(values, 'concurrency', 1, 1000);
const costJoins = integerOption(values, 'cost-joins', 1, 1000);
const chatMessages = integerOption(values, 'chat-messages', 2, 100_000);
const changes = integerOption(values, 'changes', 1, 1000);
const buildSeconds = integerOption(values, 'build-seconds', 10, 3600);
const failoverRuns = integerOption(values, 'failover-runs', 1, 50);
let members = integerOption(values, 'members', 2, 20_000);

/** Files a process needs beside the members' sockets (the cluster's pipes, Redis, HTTP probes). */
const FILE_HEADROOM = 200;
/** Per part, on top of its own limits; the whole bench ends within their sum. */
const PART_LIMIT_MS: Record<Part, number> = { joins: 5 * 60_000, chat: 3 * 60_000, presence: buildSeconds * 1000 + 5 * 60_000, failover: failoverRuns * 90_000 };

const log = (line: string) => {
  if (!values.json) console.error(`bench:cluster ${line}`);
};

async function main(): Promise<void> {
  // Each presence member holds a socket here (and one in a node); each join through HAProxy two
  // there (HAProxy sizes its connection limit from `ulimit -n`). Raise it for us all if we may, or
  // size down to what it allows.
  const needed = Math.max(parts.includes('presence') ? members : 0, parts.includes('joins') ? 2 * joins : 0) + FILE_HEADROOM;
  ensureOpenFiles(needed);
  const files = openFileLimit();
  const notes: string[] = [];
  if (files < needed) {
    const room = files - FILE_HEADROOM;
    if (parts.includes('presence') && members > room) {
      notes.push(`ulimit -n is ${files} and could not be raised: the presence room is cut from ${members} to ${room} members`);
      members = Math.max(2, room);
    }
    if (parts.includes('joins') && 2 * joins > room) {
      notes.push(`ulimit -n is ${files} and could not be raised: ${Math.floor(room / 2)} joins instead of ${joins}`);
      joins = Math.max(1, Math.floor(room / 2));
    }
  }
  for (const note of notes) log(note);

  const startedAt = Date.now();
  const loadAtStart = loadavg()[0]!;
  const logs = new ProcessLogs();
  log(`starting redis-server, 3 nodes and HAProxy; their output: ${logs.dir}`);
  const cluster = await LocalCluster.start({
    env: { ...BENCH_SERVER_ENV, CONFAB_MEDIA_WORKERS: '1' },
    logLevel: values['log-level'],
    onLine: (name, line) => logs.line(name, line),
  });
  const stop = async () => {
    await withTimeout(cluster.stop(), 30_000, 'stopping the cluster').catch((error: unknown) => console.error(`bench:cluster: ${(error as Error).message}`));
    await logs.close(cluster.redis.output);
  };
  // Every wait has its limit; this covers the rest, and still stops what we started.
  const watchdogMs = parts.reduce((sum, p) => sum + PART_LIMIT_MS[p], 60_000);
  const watchdog = setTimeout(() => {
    console.error('bench:cluster: watchdog expired');
    void stop().finally(() => process.exit(3));
  }, watchdogMs);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));

  const results: ClusterResults = { failed: {} };
  /** CPU of this process (every headless participant) per part, in % of one core. */
  const generatorCpu: Partial<Record<Part, number>> = {};
  /** Per part, the longest each node's event loop stood still (ms). */
  const loopStalls: Partial<Record<Part, Record<string, number>>> = {};
  const run = async <T>(part: Part, measure: () => Promise<T>): Promise<T | undefined> => {
    if (!parts.includes(part)) return undefined;
    const cpuBefore = processCpu(process.pid);
    const started = performance.now();
    const loops = new LoopWatch(cluster);
    try {
      return await withTimeout(measure(), PART_LIMIT_MS[part], part);
    } catch (error) {
      results.failed[part] = (error as Error).message.split('\n')[0]!;
      log(`${part} failed: ${results.failed[part]}`);
      return undefined;
    } finally {
      loopStalls[part] = await loops.stop();
      const cpu = processCpu(process.pid);
      generatorCpu[part] = Math.round(((cpu.user + cpu.system - cpuBefore.user - cpuBefore.system) / ((performance.now() - started) / 1000)) * 100);
    }
  };
  try {
    results.joins = await run('joins', () => measureJoins(cluster, { joins, roomSize, concurrency, costJoins, log }));
    results.chat = await run('chat', () => measureChat(cluster, chatMessages, log));
    results.presence = await run('presence', () => measurePresence(cluster, { members, changes, buildTimeoutMs: buildSeconds * 1000, nodeDeath: !values['no-node-death'], log }));
    results.failover = await run('failover', () => measureFailover(cluster, failoverRuns, log));
    // Everyone has left: nothing may stay behind (a room, a lease, a participant counted).
    results.leftBehind = await leftBehind(cluster, 15_000).catch(() => undefined);
  } finally {
    clearTimeout(watchdog);
    await stop();
  }

  const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, openFiles: files };
  const load = { atStart: round(loadAtStart), atEnd: round(loadavg()[0]!) };
  const minutes = round((Date.now() - startedAt) / 60_000);
  if (values.json) {
    console.log(JSON.stringify({ summary: summary(results), machine, load, minutes, generatorCpuPercent: generatorCpu, nodeLoopStallMs: loopStalls, notes, logs: logs.dir, ...results }, null, 2));
  } else {
    console.log(`\nCluster benchmark: redis-server, 3 nodes (CONFAB_MEDIA_WORKERS=1), HAProxy on 127.0.0.1; ${minutes} min`);
    console.log(`machine: ${machine.cpus} CPUs, ${machine.cpuModel}, node ${machine.node}, ulimit -n ${files}; load average ${load.atStart} at start, ${load.atEnd} at end`);
    console.log(`this process (every headless participant), % of one core: ${JSON.stringify(generatorCpu)}`);
    console.log(`longest event-loop stall of each node (ms): ${JSON.stringify(loopStalls)}\n`);
    for (const note of notes) console.log(`note: ${note}`);
    console.log(`the cluster's output: ${logs.dir}\n`);
    console.log(textReport(results));
  }
  process.exit(Object.keys(results.failed).length > 0 ? 1 : 0);
}

const round = (x: number) => Math.round(x * 10) / 10;


function fail(message: string): never {
  console.error(`bench:cluster: ${message}`);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error('bench:cluster failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
