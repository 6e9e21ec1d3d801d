/**
 * SFU benchmark: our media engine in its variants (native or TypeScript SRTP, recvmmsg or dgram,
 * simulcast) and Janus VideoRoom (Debian's `janus`, started by the bench on loopback) under the
 * identical load, in one run, each server in a child process. For each:
 *   1. CPU per forwarded packet, 1 publisher (VP8 + Opus) → N subscribers, on one media worker
 *      (Janus: one event loop);
 *   2. the most subscribers that one media worker (one core) feeds without loss: N keeps growing
 *      until loss, a saturated media thread, a saturated load generator, or --max-subscribers;
 *   3. two rooms on 2 media workers against the same on 1 (ours only; --scaling-subscribers 0 leaves it out).
 * --repeats K runs the engines K rounds, interleaved (A B, B A, A B, ...), and reports medians, so a
 * change in the machine's load during the run falls on every engine alike.
 * --paired K runs none of that: each simulcast engine against its single-stream sibling, Janus and the
 * variants paired with sfu-native (sfu-native-js-fanout, sfu-native-server-heartbeat, sfu-native-generator-clock) against it, side by side, N (the largest --subscribers) each, measured in the same K
 * windows (sfu/paired.ts).
 * --against <dir> adds sfu-native-against: sfu-native from another checkout (another commit, its
 * dependencies installed and its native core built), paired with this checkout's sfu-native; with
 * --paired K, a change is measured against its base in the same windows.
 * Every new server waits --settle seconds (default 20) before its first window, --warmup seconds
 * between later steps: start-up costs once (sfu/measure.ts settleSeconds) are not per-packet costs.
 * --json prints a top-level `summary` (sfu/summary.ts) whose keys name the goals of issue 14.
 * Method and results: docs/benchmarks.md.
 *
 * Subscribers to our server are lean by default (--subscribers-engine lean: our own ICE, DTLS and
 * SRTP, native batched receive, packets counted without decoding) on --generator-threads threads,
 * one per core the generator may use; --subscribers-engine werift uses werift peer connections on
 * the bench's own thread, as before.
 *
 *   npm run bench:sfu [-- --engines sfu-native,janus --subscribers 1,8,32 --media-workers 1 --repeats 1 --json]
 *
 * Run it in a network namespace, like the tests; Janus gathers no ICE candidates on loopback, so
 * give it a veth pair with an address (packets to it still take the kernel's loopback path):
 *   unshare -n sh -c 'ip link set lo up; ip link add bench0 type veth peer name bench1; ip addr add 10.250.0.1/32 dev bench0;
 *     ip link set bench1 up; ip link set bench0 up; exec npm run bench:sfu'
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withTimeout } from '@confab/loadtest';
import { measureMachine, referenceLine, type MachineReference } from './machineReference';
import type { BenchTarget } from './sfu/BenchTarget';
import type { SubscriberEngine } from './sfu/ConfabTarget';
import { ramp } from './sfu/ramp';
import { paired, type PairedResult } from './sfu/paired';
import { capacityTable, comparison, costTable, pairedSummary, pairedTable, scalingTable, type VariantResult } from './sfu/report';
import { scaling } from './sfu/scaling';
import { pairedRunSummary, runSummary } from './sfu/summary';
import { againstVariant, ENGINE_VARIANTS, OURS, knownUnavailable, startTarget, type EngineVariant } from './sfu/variants';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: ENGINE_VARIANTS.map((v) => v.name).join(',') },
    subscribers: { type: 'string', default: '1,8,32' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    /** Once per server, before its first window (sfu/measure.ts settleSeconds). */
    settle: { type: 'string', default: '20' },
    'ramp-step': { type: 'string', default: '32' },
    'ramp-seconds': { type: 'string', default: '4' },
    'max-subscribers': { type: 'string', default: '192' },
    'scaling-subscribers': { type: 'string', default: '32' },
    repeats: { type: 'string', default: '1' },
    paired: { type: 'string', default: '0' },
    /** Media workers for parts 1 and 2: 1 (one media thread, "one core"), or 0 to run media in the main thread. */
    'media-workers': { type: 'string', default: '1' },
    bitrate: { type: 'string', default: '500000' },
    /** Who subscribes to our server: lean (our own stack, on generator threads) or werift peer connections (the bench's thread). */
    'subscribers-engine': { type: 'string', default: 'lean' },
    /** Generator threads for lean subscribers: one per core the generator may use. */
    'generator-threads': { type: 'string', default: '1' },
    /** Another checkout of this repository: its sfu-native runs too, as sfu-native-against (variants.ts againstVariant). */
    against: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const variants = values.engines.split(',').map((name) => ENGINE_VARIANTS.find((v) => v.name === name.trim()) ?? fail(`--engines: one of ${ENGINE_VARIANTS.map((v) => v.name).join(', ')}`));
if (values.against !== undefined) {
  const root = resolve(values.against);
  if (!existsSync(join(root, 'packages/server/src/main.ts')) || !existsSync(join(root, 'node_modules'))) fail(`--against ${root}: not a checkout of this repository with its dependencies installed`);
  variants.push(againstVariant(root));
}
const costCounts = values.subscribers.split(',').map((s) => Number(s.trim()));
if (costCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 500) || costCounts.some((n, i) => i > 0 && n <= costCounts[i - 1]!)) {
  fail('--subscribers: ascending comma-separated integers from 1 to 500');
}
const seconds = number('seconds', 1, 600);
const warmup = number('warmup', 0, 120);
const settle = number('settle', 0, 300);
const rampStep = number('ramp-step', 1, 500);
const rampSeconds = number('ramp-seconds', 1, 600);
const maxSubscribers = number('max-subscribers', Math.max(...costCounts), 4000);
const scalingSubscribers = number('scaling-subscribers', 0, 500);
const repeats = number('repeats', 1, 20);
const pairedWindows = number('paired', 0, 100);
const bitrate = number('bitrate', 50_000, 10_000_000);
const mediaWorkers = number('media-workers', 0, 1);
const subscriberEngine: SubscriberEngine =
  values['subscribers-engine'] === 'lean'
    ? { kind: 'lean', threads: number('generator-threads', 1, 16) }
    : values['subscribers-engine'] === 'werift'
      ? { kind: 'werift' }
      : fail('--subscribers-engine: lean or werift');

const JOIN_CONCURRENCY = 4;
/** Every part of every engine together must end within this (joins and waits have their own limits). */
const WATCHDOG_MS = repeats * variants.length * 20 * 60_000;

const log = (line: string) => {
  if (!values.json) console.error(line);
};

async function runVariant(variant: EngineVariant, round: number): Promise<VariantResult> {
  const unavailable = await knownUnavailable(variant);
  if (unavailable) return { engine: variant.name, round, skipped: unavailable };
  const result: VariantResult = { engine: variant.name, round };
  let server: BenchTarget;
  try {
    server = await startTarget(variant, mediaWorkers, subscriberEngine);
  } catch (error) {
    return { engine: variant.name, round, skipped: `server refused it: ${lastLine(error)}` };
  }
  try {
    const where = variant.janus ? 'on one event loop' : mediaWorkers === 1 ? 'on one media worker' : 'media in the main thread';
    log(`bench:sfu ${variant.name}${repeats > 1 ? ` (round ${round})` : ''}: 1 publisher → N subscribers, ${where}, load average ${loadavg()[0]!.toFixed(1)}`);
    result.ramp = await ramp(server, { bitrate, simulcast: variant.simulcast, costCounts, seconds, warmup, settle, rampStep, rampSeconds, maxSubscribers, joinConcurrency: JOIN_CONCURRENCY, log });
    if (result.ramp.steps.length === 0) return { engine: variant.name, round, skipped: `no media: ${result.ramp.stoppedBy}` };
  } catch (error) {
    log(`server output:\n${server.output.slice(-20).join('\n')}`);
    result.failed = `ramp: ${lastLine(error)}`;
  } finally {
    await server.stop();
  }
  if (scalingSubscribers === 0 || variant.janus) return result;
  try {
    log(`bench:sfu ${variant.name}: two rooms × ${scalingSubscribers} subscribers, 1 media worker then 2`);
    result.scaling = await scaling({
      env: variant.env,
      subscriberEngine,
      bitrate,
      simulcast: variant.simulcast,
      subscribers: scalingSubscribers,
      seconds,
      warmup,
      settle,
      joinConcurrency: JOIN_CONCURRENCY,
      log,
    });
  } catch (error) {
    result.failed = [result.failed, `scaling: ${lastLine(error)}`].filter(Boolean).join('; ');
  }
  return result;
}

async function main(): Promise<void> {
  // The bench always ends: every wait has a limit, and this watchdog covers the rest.
  const watchdog = setTimeout(() => {
    console.error('bench:sfu: watchdog expired');
    process.exit(3);
  }, WATCHDOG_MS);
  watchdog.unref();

  const startedAt = Date.now();
  const atStart = await measureMachine();
  if (pairedWindows > 0) return runPaired(startedAt, atStart);
  const results: VariantResult[] = [];
  for (let round = 1; round <= repeats; round++) {
    // Every other round in reverse order: a load that rises or falls during the run weighs on each engine alike.
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      const result = await withTimeout(runVariant(variant, round), WATCHDOG_MS, variant.name);
      if (result.skipped) log(`bench:sfu ${variant.name}: skipped (${result.skipped})`);
      results.push(result);
    }
  }
  const machine = await describeMachine(atStart);
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  if (values.json) {
    const summary = runSummary(results, costCounts);
    console.log(JSON.stringify({ summary, machine, minutes, seconds, warmup, settle, rampSeconds, bitrate, repeats, subscriberEngine, results }, null, 2));
  } else {
    console.log(`\nSFU benchmark: 1 publisher (VP8 ${bitrate / 1000} kbps + Opus) per room → headless subscribers; ${minutes} min`);
    console.log(`machine: ${machine.cpus} CPUs, ${machine.cpuModel}, node ${machine.node}; subscribers: ${subscriberEngine.kind === 'lean' ? `lean, ${subscriberEngine.threads} generator thread(s)` : 'werift'}`);
    console.log(`${referenceLine(machine.reference)}\n`);
    console.log(`CPU per forwarded packet, one room ${mediaWorkers === 1 ? 'on one media worker' : 'with media in the main thread'} (${seconds} s windows after ${warmup} s warm-up):\n`);
    console.log(costTable(results, costCounts));
    console.log(`\nSubscribers ${mediaWorkers === 1 ? 'one media worker (one core)' : 'the server, media in its main thread,'} feeds (${rampSeconds} s windows, +${rampStep} per step):\n`);
    console.log(capacityTable(results));
    if (scalingSubscribers > 0) {
      console.log(`\n2 media workers against 1: two rooms × ${scalingSubscribers} subscribers (${seconds} s windows):\n`);
      console.log(scalingTable(results));
    }
    for (const line of comparison(results, costCounts)) console.log(`\n${line}`);
    for (const r of results.filter((x) => x.skipped || x.failed)) console.log(`\n${r.engine} (round ${r.round}): ${r.skipped ? `skipped: ${r.skipped}` : `failed: ${r.failed}`}`);
  }
  process.exit(results.some((r) => r.failed) ? 1 : 0);
}

/** --paired: each simulcast engine against its single-stream sibling, Janus against ours, in the same windows. */
async function runPaired(startedAt: number, atStart: MachineReference): Promise<void> {
  const pairs = variants.flatMap((v) => {
    const baseName = v.pairedWith ?? (v.simulcast ? v.name.slice(0, -'-simulcast'.length) : v.janus ? OURS : undefined);
    const base = variants.find((b) => b.name === baseName);
    return base ? [[base, v] as const] : [];
  });
  if (pairs.length === 0) fail(`--paired: name a -simulcast engine and its single-stream sibling, or ${OURS} and a janus variant or a variant paired with it (sfu-native-js-fanout, sfu-native-server-heartbeat, sfu-native-generator-clock), in --engines (or ${OURS} and --against)`);
  const subscribers = Math.max(...costCounts);
  const results: PairedResult[] = [];
  for (const [base, other] of pairs) {
    log(`bench:sfu ${other.name} and ${base.name} side by side: 1 publisher → ${subscribers} subscribers each, ${pairedWindows} windows of ${seconds} s, load average ${loadavg()[0]!.toFixed(1)}`);
    const options = { bitrate, subscribers, windows: pairedWindows, seconds, warmup, settle, mediaWorkers, subscriberEngine, joinConcurrency: JOIN_CONCURRENCY, log };
    results.push(await withTimeout(paired(base, other, options), WATCHDOG_MS, `${other.name} paired`));
  }
  const machine = await describeMachine(atStart);
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  if (values.json) {
    console.log(JSON.stringify({ summary: pairedRunSummary(results), machine, minutes, seconds, warmup, settle, bitrate, paired: results }, null, 2));
  } else {
    for (const result of results) console.log(`\n${pairedTable(result)}\n\n${pairedSummary(result)}`);
    console.log(`\n${referenceLine(machine.reference)}\n${minutes} min`);
  }
  process.exit(0);
}

/** The machine, with its reference costs at the start of the run and again at the end (machineReference.ts). */
async function describeMachine(atStart: MachineReference) {
  const atEnd = await measureMachine();
  return { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, reference: { atStart, atEnd } };
}

function lastLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n').filter(Boolean).slice(0, 2).join(' / ');
}

function number(name: keyof typeof values, min: number, max: number): number {
  const value = Number(values[name]);
  if (!(value >= min && value <= max)) fail(`--${name}: ${min} to ${max}`);
  return value;
}

function fail(message: string): never {
  console.error(`bench:sfu: ${message}`);
  process.exit(2);
}

main().catch((error: unknown) => {
  console.error('bench:sfu failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
