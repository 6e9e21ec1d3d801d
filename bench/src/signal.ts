/**
 * Signaling benchmark (issue 14, "cheap idle sessions"): the real server in a child process, and
 * N participants joined over real WebSockets, in rooms of 10, from several load-generator
 * processes (so that the generator is never the bottleneck). It measures:
 *   1. joins per second while the sessions come in;
 *   2. the server's memory per idle session: RSS (/proc) and V8 heap, after a full GC (through the
 *      server's inspector), against the same before any session joined;
 *   3. the server's CPU while every session idles (all threads, from /proc, over a window);
 *   4. presence fan-out: a status change until every other member of the room has it.
 * Method and results: docs/benchmarks.md ("Idle sessions").
 *
 *   npm run -s bench:signal [-- --sessions 15000 --room-size 10 --idle-seconds 30 --changes 200 --json]
 *
 * Run it in a network namespace with only loopback, like the tests:
 *   unshare -n sh -c 'ip link set lo up && exec npm run -s bench:signal'
 * Server settings pass through the environment (e.g. CONFAB_HEARTBEAT_INTERVAL_MS).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { INSPECTOR_LINE, ServerInspector, ServerProcess, sleep, withTimeout } from '@confab/loadtest';
import { ensureOpenFiles, openFileLimit } from './cluster/fileLimit';
import { BENCH_SERVER_ENV } from './sfu/ConfabTarget';
import { measureMachine, referenceLine } from './machineReference';
import { GeneratorProcess } from './signal/GeneratorProcess';
import { IdleSession } from './signal/IdleSession';
import { combineWindows, latency, summary, textReport, type HeartbeatComparison, type IdleWindow, type SignalResults } from './signal/report';


const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '15000' },
    'room-size': { type: 'string', default: '10' },
    /** Load-generator processes; default one per 4,000 sessions. */
    generators: { type: 'string' },
    /** Joins in flight, over all generators. */
    concurrency: { type: 'string', default: '64' },
    'idle-seconds': { type: 'string', default: '30' },
    /**
     * After the idle window: rounds of two windows, one with every ping asking for a pong (as SDKs
     * before `reply: false`) and one as the SDK pings now, in alternating order, so that both see
     * the same machine load. 0: none.
     */
    'compare-rounds': { type: 'string', default: '0' },
    'compare-seconds': { type: 'string', default: '5' },
    /** Time after the last join before memory is read: join work (offers, logs, garbage) settles. */
    'settle-seconds': { type: 'string', default: '5' },
    changes: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
  },
});

const sessions = integerOption(values, 'sessions', 10, 50_000);
const roomSize = integerOption(values, 'room-size', 1, 1_000);
const generators = values.generators === undefined ? Math.max(1, Math.ceil(sessions / 4_000)) : integerOption(values, 'generators', 1, 64);
const concurrency = integerOption(values, 'concurrency', 1, 1_000);
const idleSeconds = integerOption(values, 'idle-seconds', 1, 600);
const settleSeconds = integerOption(values, 'settle-seconds', 0, 120);
const changes = integerOption(values, 'changes', 0, 10_000);
const compareRounds = integerOption(values, 'compare-rounds', 0, 100);
const compareSeconds = integerOption(values, 'compare-seconds', 1, 600);
const JOIN_TIMEOUT_MS = 30_000;
const CHANGE_TIMEOUT_MS = 10_000;
/** The whole run ends within this, whatever happens. */
const WATCHDOG_MS = 5 * 60_000 + sessions * 20 + (idleSeconds + settleSeconds + compareRounds * 2 * (compareSeconds + 5)) * 1000 + changes * CHANGE_TIMEOUT_MS;

// The server holds a socket per session, and each generator its share: raise the limit where allowed.
ensureOpenFiles(sessions + 1_000);
const log = (line: string) => {
  if (!values.json) console.error(line);
};

async function main(): Promise<SignalResults> {
  const rooms = Math.ceil(sessions / roomSize);
  if (openFileLimit() < sessions + 200) log(`open-file limit ${openFileLimit()}: the server may refuse sockets past it`);
  let inspectorUrl: string | undefined;
  process.env['CONFAB_SERVER_NODE_ARGS'] = `${process.env['CONFAB_SERVER_NODE_ARGS'] ?? ''} --inspect=127.0.0.1:0`.trim();
  const server = await ServerProcess.start({
    env: { ...BENCH_SERVER_ENV, CONFAB_MAX_ROOMS: String(rooms + 10) },
    onLine: (line) => (inspectorUrl ??= INSPECTOR_LINE.exec(line)?.[1]),
  });
  const fleet = Array.from({ length: generators }, (_, i) => GeneratorProcess.start(i, () => undefined));
  try {
    if (!inspectorUrl) throw new Error('the server printed no inspector address');
    const inspector = await ServerInspector.connect(inspectorUrl);
    const heartbeat = await warmUp(server.rtcUrl);
    await sleep(1_000);
    const before = await inspector.memoryAfterGc();
    const rssBefore = server.rss();
    log(`server pid ${server.pid}: ${(rssBefore / 1048576).toFixed(0)} MB RSS, ${(before.heapUsed / 1048576).toFixed(1)} MB heap before the joins`);

    // Room r goes to generator r % generators: a room's members share one process (and clock).
    const names = Array.from({ length: rooms }, (_, r) => `idle-${r}`);
    const per = (g: number) => names.filter((_, r) => r % generators === g);
    log(`joining ${rooms * roomSize} sessions (${rooms} rooms of ${roomSize}) from ${generators} generators, ${concurrency} at a time`);
    const joinsStarted = performance.now();
    const progress = setInterval(() => log(`  ${((performance.now() - joinsStarted) / 1000).toFixed(0)} s…`), 10_000);
    const joinReports = await Promise.all(
      fleet.map((g) => g.ask({ op: 'join', url: server.rtcUrl, rooms: per(g.index), roomSize, concurrency: Math.max(1, Math.round(concurrency / generators)), timeoutMs: JOIN_TIMEOUT_MS })),
    ).finally(() => clearInterval(progress));
    const joined = joinReports.reduce((n, r) => n + r.joined, 0);
    const joinSeconds = Math.max(...joinReports.map((r) => r.elapsedMs)) / 1000;
    log(`joined ${joined} in ${joinSeconds.toFixed(1)} s (${joinReports.reduce((n, r) => n + r.failed, 0)} failed)`);

    await sleep(settleSeconds * 1000);
    const settled = await inspector.memoryAfterGc();
    const rssIdle = server.rss();
    inspector.close();
    log(`idle: ${(rssIdle / 1048576).toFixed(0)} MB RSS, ${(settled.heapUsed / 1048576).toFixed(1)} MB heap; CPU over ${idleSeconds} s…`);

    await sleep(2_000); // the GC's own work is out of the window
    const idle = await measureIdle(server, fleet, idleSeconds);
    const comparison = compareRounds > 0 ? await compareHeartbeats(server, fleet, heartbeat.intervalMs) : undefined;

    log(`presence fan-out: ${changes} status changes`);
    const fanouts = await Promise.all(
      fleet.map((g) => g.ask({ op: 'fanout', changes: Math.floor(changes / generators) + (g.index < changes % generators ? 1 : 0), timeoutMs: CHANGE_TIMEOUT_MS })),
    );
    const census = await Promise.all(fleet.map((g) => g.ask({ op: 'census' })));
    const lostByCode: Record<string, number> = {};
    for (const c of census) for (const [code, n] of Object.entries(c.lostByCode)) lostByCode[code] = (lostByCode[code] ?? 0) + n;
    const lastReceiver = fanouts.flatMap((f) => f.lastReceiverMs);
    const delivery = latency(fanouts.flatMap((f) => f.deliveryMs));
    return {
      target: rooms * roomSize,
      roomSize,
      generators,
      heartbeat,
      joins: {
        joined,
        failed: sum(joinReports.map((r) => r.failed)),
        seconds: Math.round(joinSeconds * 10) / 10,
        perSecond: joined / joinSeconds,
        latencyMs: latency(joinReports.flatMap((r) => r.joinMs)),
        errors: joinReports.flatMap((r) => r.errors).slice(0, 5),
      },
      memory: {
        rssBefore,
        rssIdle,
        heapBefore: before.heapUsed,
        heapIdle: settled.heapUsed,
        externalBefore: before.external,
        externalIdle: settled.external,
      },
      idle,
      ...(comparison ? { comparison } : {}),
      connected: sum(census.map((c) => c.connected)),
      lostByCode,
      fanout: { changes: lastReceiver.length, missing: sum(fanouts.map((f) => f.missing)), lastReceiverMs: latency(lastReceiver), deliveryMs: { p50: delivery.p50, p95: delivery.p95 } },
    };
  } finally {
    await Promise.all(fleet.map((g) => g.close()));
    await server.stop();
  }
}

/**
 * One room filled, a status change through it, and left again: the code paths of a join are
 * compiled and the server's lazy start-up work is done before the baseline is read. Returns the
 * heartbeat the server asks clients for.
 */
async function warmUp(url: string): Promise<SignalResults['heartbeat']> {
  const members: IdleSession[] = [];
  for (let k = 0; k < roomSize; k++) members.push(await IdleSession.join(url, 'warm-up', `warm-${k}`, JOIN_TIMEOUT_MS));
  members[0]!.setStatus('away');
  await sleep(1_000);
  for (const member of members) member.close();
  await sleep(500);
  return members[0]!.heartbeatMs;
}

type Fleet = GeneratorProcess[];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The server's CPU (all threads, from /proc) and the sessions' frames over `seconds` of idling. */
async function measureIdle(server: ServerProcess, fleet: Fleet, seconds: number): Promise<IdleWindow> {
  const censusBefore = await Promise.all(fleet.map((g) => g.ask({ op: 'census' })));
  const cpu0 = server.cpu();
  const gen0 = fleet.map((g) => g.cpu());
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = server.cpu();
  const gen1 = fleet.map((g) => g.cpu());
  const census = await Promise.all(fleet.map((g) => g.ask({ op: 'census' })));
  const user = (cpu1.user - cpu0.user) / wall;
  const system = (cpu1.system - cpu0.system) / wall;
  const frames = (key: 'framesSent' | 'framesReceived') => (sum(census.map((c) => c[key])) - sum(censusBefore.map((c) => c[key]))) / wall;
  return {
    seconds: Math.round(wall * 10) / 10,
    cpuShare: user + system,
    cpuUserShare: user,
    cpuSystemShare: system,
    generatorCpuShare: sum(fleet.map((_, i) => gen1[i]!.user + gen1[i]!.system - gen0[i]!.user - gen0[i]!.system)) / wall,
    framesSentPerSecond: frames('framesSent'),
    framesReceivedPerSecond: frames('framesReceived'),
  };
}

/**
 * Every ping asking for a pong (older SDKs) against the SDK's pings, in windows of
 * --compare-seconds, A B then B A round after round: the machine's load drifts, so only windows
 * this close together compare. Each mode's windows are summed.
 */
async function compareHeartbeats(server: ServerProcess, fleet: Fleet, intervalMs: number): Promise<HeartbeatComparison> {
  const windows: Record<'everyPing' | 'asSdk', IdleWindow[]> = { everyPing: [], asSdk: [] };
  for (let round = 0; round < compareRounds; round++) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const everyPing of order) {
      await Promise.all(fleet.map((g) => g.ask({ op: 'heartbeat', everyPing })));
      await sleep(intervalMs); // every session's timer has fired once in the new mode
      windows[everyPing ? 'everyPing' : 'asSdk'].push(await measureIdle(server, fleet, compareSeconds));
    }
  }
  await Promise.all(fleet.map((g) => g.ask({ op: 'heartbeat', everyPing: false })));
  log(`compared ${compareRounds} rounds of ${compareSeconds} s windows`);
  return { rounds: compareRounds, everyPing: combineWindows(windows.everyPing), asSdk: combineWindows(windows.asSdk) };
}


try {
  const atStart = await measureMachine();
  const results = await withTimeout(main(), WATCHDOG_MS, 'bench:signal');
  const reference = { atStart, atEnd: await measureMachine() };
  const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? '?', loadavg: loadavg().map((x) => Math.round(x * 100) / 100), reference };
  if (values.json) console.log(JSON.stringify({ summary: summary(results), machine, results }, null, 2));
  else console.log(`${textReport(results)}\n${referenceLine(reference)}`);
  process.exit(0);
} catch (error) {
  console.error(`bench:signal failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
