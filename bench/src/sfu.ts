/**
 * Baseline SFU benchmark: one publisher (VP8 camera + Opus microphone) → N headless subscribers,
 * against the real server in a child process; CPU, RSS and packet counts are read from the server
 * process only (/proc and GET /metrics). Results and method: docs/benchmarks.md.
 *
 *   npm run bench:sfu [-- --subscribers 1,8,32 --seconds 15 --warmup 5 --json]
 *
 * Run it in a network namespace with only loopback, like the tests:
 *   unshare -n sh -c 'ip link set lo up; exec npm run bench:sfu'
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  HeadlessParticipant,
  ServerProcess,
  sleep,
  waitUntil,
  withTimeout,
  type RtpCount,
} from '@confab/loadtest';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1,8,32' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    bitrate: { type: 'string', default: '500000' },
    json: { type: 'boolean', default: false },
  },
});

const counts = values.subscribers.split(',').map((s) => Number(s.trim()));
if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) fail('--subscribers: comma-separated integers from 1 to 200');
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const bitrate = Number(values.bitrate);
if (!(seconds >= 1 && seconds <= 600)) fail('--seconds: 1 to 600');
if (!(warmup >= 0 && warmup <= 120)) fail('--warmup: 0 to 120');
if (!(bitrate >= 50_000 && bitrate <= 10_000_000)) fail('--bitrate: 50000 to 10000000');

const JOIN_CONCURRENCY = 4;
const JOIN_TIMEOUT_MS = 60_000;
const FIRST_MEDIA_TIMEOUT_MS = 60_000;
/** Per N: start + joins + first media + warm-up + window + clean-up, with margin. */
const ROUND_LIMIT_MS = 30_000 + JOIN_TIMEOUT_MS + FIRST_MEDIA_TIMEOUT_MS + (warmup + seconds) * 1000 + 30_000;

const log = (line: string) => {
  if (!values.json) console.error(line);
};

export interface SfuResult {
  subscribers: number;
  windowSeconds: number;
  /** From the server's /metrics, over the window. */
  packetsIn: number;
  packetsForwarded: number;
  packetsInPerSecond: number;
  packetsOutPerSecond: number;
  /** Server process user+sys CPU over the window. */
  cpuSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  cpuPercentOfOneCore: number;
  usPerForwardedPacket: number;
  /** CPU per packet handled (received + forwarded). */
  usPerPacketHandled: number;
  rssMB: number;
  /** What the subscribers counted over the same window, and their loss by sequence numbers. */
  subscriberPackets: number;
  subscriberLossPercent: number;
  /** Publisher packets sent over the window (bench side). */
  publisherPacketsSent: number;
  /** CPU of the bench process (all headless participants) over the window, % of one core. */
  benchCpuPercent: number;
  /** 1-minute load average of the machine at the end of the window (other work skews results). */
  loadAverage: number;
}

interface Snapshot {
  at: number;
  cpuUser: number;
  cpuSystem: number;
  received: number;
  forwarded: number;
  subscribers: RtpCount;
  sent: number;
  bench: NodeJS.CpuUsage;
}

function subscriberTotals(subscribers: HeadlessParticipant[]): RtpCount {
  const sum: RtpCount = { packets: 0, bytes: 0, expected: 0, keyFrames: 0 };
  for (const s of subscribers) {
    for (const r of s.stats().received) {
      sum.packets += r.packets;
      sum.bytes += r.bytes;
      sum.expected += r.expected;
    }
  }
  return sum;
}

/**
 * Server counters and CPU, and the subscribers' counts. The subscribers are read before and after
 * the /metrics request and averaged, so both sides describe about the same instant.
 */
async function snapshot(server: ServerProcess, publisher: HeadlessParticipant, subscribers: HeadlessParticipant[]): Promise<Snapshot> {
  const before = subscriberTotals(subscribers);
  const t0 = performance.now();
  const cpu = server.cpu();
  const metrics = await server.metrics();
  const t1 = performance.now();
  const after = subscriberTotals(subscribers);
  const sum: RtpCount = {
    packets: Math.round((before.packets + after.packets) / 2),
    bytes: Math.round((before.bytes + after.bytes) / 2),
    expected: Math.round((before.expected + after.expected) / 2),
    keyFrames: 0,
  };
  const forwarded = metrics.get('confab_media_rtp_packets_forwarded');
  const received = metrics.get('confab_media_rtp_packets_received');
  if (forwarded === undefined || received === undefined) throw new Error('server /metrics lacks confab_media_rtp_packets_{forwarded,received}');
  return {
    at: (t0 + t1) / 2,
    cpuUser: cpu.user,
    cpuSystem: cpu.system,
    received,
    forwarded,
    subscribers: sum,
    sent: publisher.stats().sent.reduce((n, t) => n + t.packets, 0),
    bench: process.cpuUsage(),
  };
}

async function joinAll(participants: HeadlessParticipant[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < participants.length) await participants[next++]!.join();
  };
  await withTimeout(Promise.all(Array.from({ length: JOIN_CONCURRENCY }, worker)), JOIN_TIMEOUT_MS, 'subscribers join');
}

async function round(n: number): Promise<SfuResult> {
  const server = await ServerProcess.start({ logLevel: 'warn' });
  const room = `bench-${n}`;
  const publisher = new HeadlessParticipant({ url: server.rtcUrl, room, name: 'publisher' });
  const subscribers = Array.from({ length: n }, (_, i) => new HeadlessParticipant({ url: server.rtcUrl, room, name: `sub-${i + 1}` }));
  try {
    await publisher.join();
    await publisher.publishMicrophone();
    await publisher.publishCamera({ bitrate });
    await joinAll(subscribers);
    log(`  N=${n}: ${n} subscribers joined, waiting for media`);
    await waitUntil(
      () => subscribers.every((s) => s.receivedPackets().length === 2 && s.receivedPackets().every((p) => p > 0)),
      FIRST_MEDIA_TIMEOUT_MS,
      `every subscriber receiving both tracks (N=${n})`,
      100,
    ).catch((error: Error) => {
      const stuck = subscribers.find((s) => !(s.receivedPackets().length === 2 && s.receivedPackets().every((p) => p > 0)));
      throw new Error(`${error.message}\n  e.g. ${JSON.stringify(stuck?.stats())}\n  publisher ${JSON.stringify(publisher.stats())}`);
    });
    log(`  N=${n}: all receiving; warm-up ${warmup} s, then ${seconds} s measured`);
    await sleep(warmup * 1000);
    const a = await snapshot(server, publisher, subscribers);
    await sleep(seconds * 1000);
    const b = await snapshot(server, publisher, subscribers);
    const rss = server.rss();

    const t = (b.at - a.at) / 1000;
    const forwarded = b.forwarded - a.forwarded;
    const received = b.received - a.received;
    const user = b.cpuUser - a.cpuUser;
    const system = b.cpuSystem - a.cpuSystem;
    const cpu = user + system;
    const subPackets = b.subscribers.packets - a.subscribers.packets;
    const subExpected = b.subscribers.expected - a.subscribers.expected;
    const benchCpu = (b.bench.user - a.bench.user + b.bench.system - a.bench.system) / 1e6;
    const errors = [publisher, ...subscribers].flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`));
    if (errors.length > 0) log(`  N=${n}: participant errors: ${errors.slice(0, 5).join(' | ')}`);
    return {
      subscribers: n,
      windowSeconds: fixed(t, 2),
      packetsIn: received,
      packetsForwarded: forwarded,
      packetsInPerSecond: fixed(received / t, 1),
      packetsOutPerSecond: fixed(forwarded / t, 1),
      cpuSeconds: fixed(cpu, 2),
      cpuUserSeconds: fixed(user, 2),
      cpuSystemSeconds: fixed(system, 2),
      cpuPercentOfOneCore: fixed((cpu / t) * 100, 1),
      usPerForwardedPacket: forwarded > 0 ? fixed((cpu * 1e6) / forwarded, 1) : NaN,
      usPerPacketHandled: forwarded + received > 0 ? fixed((cpu * 1e6) / (forwarded + received), 1) : NaN,
      rssMB: fixed(rss / 1024 / 1024, 1),
      subscriberPackets: subPackets,
      subscriberLossPercent: subExpected > 0 ? fixed((Math.max(0, subExpected - subPackets) / subExpected) * 100, 2) : 0,
      publisherPacketsSent: b.sent - a.sent,
      benchCpuPercent: fixed((benchCpu / t) * 100, 1),
      loadAverage: fixed(loadavg()[0] ?? 0, 2),
    };
  } catch (error) {
    if (!values.json) console.error(`server output:\n${server.output.slice(-20).join('\n')}`);
    throw error;
  } finally {
    await Promise.allSettled([publisher, ...subscribers].map((p) => withTimeout(p.close(), 5_000, 'close')));
    await server.stop();
  }
}

function fixed(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function table(results: SfuResult[]): string {
  const header = ['N', 'µs/fwd pkt', 'µs/pkt in+out', 'pkt/s in', 'pkt/s out', 'CPU % core', 'user/sys s', 'RSS MB', 'sub rcvd/fwd', 'sub loss %', 'bench CPU %'];
  const rows = results.map((r) => [
    String(r.subscribers),
    r.usPerForwardedPacket.toFixed(1),
    r.usPerPacketHandled.toFixed(1),
    r.packetsInPerSecond.toFixed(0),
    r.packetsOutPerSecond.toFixed(0),
    r.cpuPercentOfOneCore.toFixed(1),
    `${r.cpuUserSeconds.toFixed(2)}/${r.cpuSystemSeconds.toFixed(2)}`,
    r.rssMB.toFixed(0),
    r.packetsForwarded > 0 ? (r.subscriberPackets / r.packetsForwarded).toFixed(3) : '-',
    r.subscriberLossPercent.toFixed(2),
    r.benchCpuPercent.toFixed(0),
  ]);
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 1) + ':').join('|')}|`, ...rows.map(fmt)].join('\n');
}

function fail(message: string): never {
  console.error(`bench:sfu: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  // The bench always ends: every round has a limit, and this watchdog covers clean-up too.
  const watchdog = setTimeout(() => {
    console.error('bench:sfu: watchdog expired');
    process.exit(3);
  }, counts.length * ROUND_LIMIT_MS + 30_000);
  watchdog.unref();

  const results: SfuResult[] = [];
  for (const n of counts) {
    log(`bench:sfu: 1 publisher → ${n} subscriber(s)`);
    results.push(await withTimeout(round(n), ROUND_LIMIT_MS, `round N=${n}`));
  }
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  if (values.json) {
    console.log(JSON.stringify({ machine, seconds, warmup, bitrate, results }, null, 2));
  } else {
    console.log(`\nSFU baseline: 1 publisher (VP8 ${bitrate / 1000} kbps + Opus) → N subscribers, ${seconds} s window after ${warmup} s warm-up`);
    console.log(`machine: ${machine.cpus} CPUs, ${machine.cpuModel}, node ${machine.node}\n`);
    console.log(table(results));
    console.log(`\n1-min load average at the end of each window: ${results.map((r) => `N=${r.subscribers}: ${r.loadAverage}`).join(', ')}`);
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error('bench:sfu failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
