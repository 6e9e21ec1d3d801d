/**
 * The floor under bench:sfu's per-packet numbers: what forwarding through the kernel's UDP sockets
 * alone costs on this machine (bench/native/udp_floor.c, compiled here with `cc -O2`). Its
 * forwarder only wakes, copies each packet once per subscriber and sends all copies with one
 * sendmmsg; the load has bench:sfu's shape (one 500 kbit/s camera at 30 fps and a microphone,
 * every subscriber's feedback every 100 ms). Every SFU on this machine pays at least this, so
 * bench:sfu's µs per forwarded packet minus this is what the SFU itself costs. The forwarder's own
 * work is a memcpy per copy (~0.1 µs): nearly all of its CPU is the kernel's, the wake-ups and the
 * loopback delivery.
 * N values alternate within each round, so a slow minute of the VM falls on all of them.
 *   unshare -n sh -c 'ip link set lo up; exec npm run -s bench:floor -- --subscribers 32,256 --seconds 10 --rounds 3 --json'
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { median } from './sfu/report';

interface FloorWindow {
  subscribers: number;
  seconds: number;
  forwardedPerSecond: number;
  wakeupsPerSecond: number;
  feedbackPerSecond: number;
  cpuPercent: number;
  /** The kernel splits its exact total between user and system by sampled ticks: only the total is exact at a few % of a core. */
  userUsPerPacket: number;
  sysUsPerPacket: number;
  usPerPacket: number;
}

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '32,256' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const seconds = integerOption(values, 'seconds', 1, 120);
const warmup = integerOption(values, 'warmup', 0, 60);
const rounds = integerOption(values, 'rounds', 1, 20);
const counts = values.subscribers.split(',').map(Number);
if (counts.some((n) => !(Number.isInteger(n) && n >= 1 && n <= 8000))) {
  console.error('--subscribers: a comma-separated list of integers from 1 to 8000');
  process.exit(2);
}

const binary = compile(new URL('../native/udp_floor.c', import.meta.url).pathname);
const windows: FloorWindow[] = [];
for (let round = 0; round < rounds; round++) {
  for (const n of counts) {
    const line = execFileSync(binary, [String(n), String(seconds), String(warmup)], { encoding: 'utf8' });
    const window = JSON.parse(line) as FloorWindow;
    windows.push(window);
    if (!values.json) console.error(`round ${round + 1}, N = ${n}: ${window.usPerPacket.toFixed(2)} µs per forwarded packet, ${window.wakeupsPerSecond} wake-ups/s`);
  }
}

const byN = counts.map((n) => {
  const mine = windows.filter((w) => w.subscribers === n);
  const at = (pick: (w: FloorWindow) => number) => Math.round(median(mine.map(pick))! * 1000) / 1000;
  return { subscribers: n, usPerPacket: at((w) => w.usPerPacket), cpuPercent: at((w) => w.cpuPercent), wakeupsPerSecond: at((w) => w.wakeupsPerSecond) };
});
const summary: Record<string, number> = {};
for (const r of byN) summary[`floor_us_per_packet_at_${r.subscribers}`] = r.usPerPacket;
const first = byN[0]!;
const last = byN[byN.length - 1]!;
if (last.subscribers > first.subscribers) {
  // The CPU one more forwarded packet costs, from the two ends' CPU and packet rates.
  const rate = (r: (typeof byN)[number]) => windows.find((w) => w.subscribers === r.subscribers)!.forwardedPerSecond;
  summary.floor_marginal_us = Math.round((((last.cpuPercent - first.cpuPercent) * 1e4) / (rate(last) - rate(first))) * 1000) / 1000;
}

if (values.json) {
  console.log(JSON.stringify({ seconds, warmup, rounds, windows, bySubscribers: byN, summary }, null, 2));
} else {
  console.log('| N | µs per forwarded packet | CPU % | wake-ups/s |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const r of byN) console.log(`| ${r.subscribers} | ${r.usPerPacket.toFixed(2)} | ${r.cpuPercent.toFixed(2)} | ${r.wakeupsPerSecond} |`);
  if (summary.floor_marginal_us !== undefined) console.log(`marginal: ${summary.floor_marginal_us.toFixed(2)} µs per extra forwarded packet`);
}

/** Compiles the floor's C once per source text, into the system's temporary directory. */
function compile(source: string): string {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `confab-udp-floor-${hash}`);
  if (!existsSync(out)) execFileSync('cc', ['-O2', '-Wall', '-o', out, source], { stdio: 'inherit' });
  return out;
}
