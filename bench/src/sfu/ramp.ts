import { sleep } from '@confab/loadtest';
import type { BenchTarget } from './BenchTarget';
import { BenchRoom } from './BenchRoom';
import { generatorCpu, settleSeconds, snapshot, window, type Window } from './measure';

export interface RampOptions {
  bitrate: number;
  simulcast?: boolean;
  /** Sizes measured with the long window (CPU per forwarded packet), ascending. */
  costCounts: number[];
  seconds: number;
  warmup: number;
  /** Seconds before the first window of a new server (settleSeconds). */
  settle: number;
  /** After the last cost size: add this many subscribers per step, measured for `rampSeconds`. */
  rampStep: number;
  rampSeconds: number;
  maxSubscribers: number;
  joinConcurrency: number;
  log: (line: string) => void;
}

export interface RampStep {
  subscribers: number;
  window: Window;
  errors: string[];
}

export interface RampResult {
  steps: RampStep[];
  /** The most subscribers fed without loss, and why the ramp stopped there. */
  maxLossFree: number;
  stoppedBy: string;
  /** Subscribers whose connection never carried media, replaced (BenchRoom.dropped). */
  replaced: number;
  /** Straight-line projection of the media thread's CPU to 100% of one core (a least-squares line through the loss-free steps from N=8). */
  projectedPerCore: number | undefined;
}

/** More than this share of packets missing at the subscribers counts as loss (window edges blur a few). */
export const LOSS_LIMIT_PERCENT = 0.2;
/** A thread this busy is saturated: its timers and sockets start to lag. */
export const SATURATED_PERCENT = 90;

/**
 * One room on one media worker: a publisher and N subscribers, N growing. First the sizes whose
 * CPU per forwarded packet is reported (long windows), then steps of `rampStep` with short windows
 * until the subscribers lose packets, the media thread or the load generator is saturated, or
 * `maxSubscribers` is reached.
 */
export async function ramp(server: BenchTarget, options: RampOptions): Promise<RampResult> {
  const room = new BenchRoom(server, 'ramp');
  const steps: RampStep[] = [];
  let stoppedBy = `reached ${options.maxSubscribers} subscribers (--max-subscribers)`;
  try {
    await room.publish(options.bitrate, options.simulcast);
    const sizes = [...options.costCounts];
    while (sizes.at(-1)! + options.rampStep <= options.maxSubscribers) sizes.push(sizes.at(-1)! + options.rampStep);
    for (const n of sizes) {
      const long = options.costCounts.includes(n);
      try {
        await room.grow(n, options.joinConcurrency);
      } catch (error) {
        stoppedBy = `joins failed at N=${n}: ${(error as Error).message.split('\n')[0]}`;
        options.log(`  N=${n}: ${(error as Error).message}`);
        break;
      }
      const warmup = steps.length === 0 ? settleSeconds(options) : long ? options.warmup : Math.min(options.warmup, 2);
      await sleep(warmup * 1000);
      const a = await snapshot(server, [room.publisher], room.subscribers);
      await sleep((long ? options.seconds : options.rampSeconds) * 1000);
      const b = await snapshot(server, [room.publisher], room.subscribers);
      const step = { subscribers: n, window: window(a, b, server.rss()), errors: room.errors().slice(0, 3) };
      steps.push(step);
      const w = step.window;
      options.log(`  N=${n}: ${w.usPerForwardedPacket} µs/fwd pkt, media thread ${mediaCpu(w)}% of a core, loss ${w.subscriberLossPercent}% (${kernelDrops(w)}), generator ${generatorCpu(w)}%${w.generatorThreadCpuPercent.length > 0 ? ` (threads ${w.generatorThreadCpuPercent.join(' + ')}, process ${w.benchCpuPercent})` : ''}`);
      const stop = stopReason(w, steps[0]!.window.packetsInPerSecond);
      if (stop) {
        stoppedBy = `${stop} at N=${n}`;
        break;
      }
    }
  } finally {
    await room.close();
  }
  const replaced = room.dropped;
  const reference = steps[0]?.window.packetsInPerSecond ?? 0;
  const lossFree = steps.filter((s) => s.window.subscriberLossPercent <= LOSS_LIMIT_PERCENT && s.window.subscribersSilent === 0 && !starved(s.window, reference));
  const fitted = lossFree.filter((s) => s.subscribers >= 8);
  const perSubscriber = slope(fitted.map((s) => [s.subscribers, mediaCpu(s.window)]));
  const last = lossFree.at(-1);
  return {
    steps,
    maxLossFree: last?.subscribers ?? 0,
    stoppedBy,
    replaced,
    projectedPerCore: last && perSubscriber ? Math.floor(last.subscribers + (100 - mediaCpu(last.window)) / perSubscriber) : undefined,
  };
}

/** CPU of the thread that forwards: the media worker's if there is one, else the whole server's. */
export function mediaCpu(w: Window): number {
  return w.workerCpuPercent.length > 0 ? Math.max(...w.workerCpuPercent) : w.cpuPercent;
}

/**
 * Why the ramp stops after this window, if it does. `referenceIn` is the publisher's rate in the
 * first window: a publisher that falls behind it was starved of CPU (a busy machine), and nothing
 * measured from then on describes the server.
 */
function stopReason(w: Window, referenceIn: number): string | undefined {
  // The generator first: when it is starved, the loss it sees is its own.
  if (generatorCpu(w) >= SATURATED_PERCENT) return `load generator saturated (${generatorCpu(w)}% of a core)`;
  if (starved(w, referenceIn)) return `publisher starved (${w.packetsInPerSecond} pkt/s in, ${referenceIn} at first: machine busy)`;
  if (w.subscriberLossPercent > LOSS_LIMIT_PERCENT) return `loss ${w.subscriberLossPercent}% (${kernelDrops(w)})`;
  if (w.subscribersSilent > 0) return `${w.subscribersSilent} subscribers received nothing`;
  if (mediaCpu(w) >= SATURATED_PERCENT) return `media thread saturated (${mediaCpu(w)}% of a core)`;
  return undefined;
}

/** Where the kernel dropped datagrams in the window: a loss with drops only at the generator's sockets is the generator's. */
function kernelDrops(w: Window): string {
  return `kernel drops: ${w.udpDropsAtServer} at the server's sockets, ${w.udpDropsElsewhere} at the generator's`;
}

function starved(w: Window, referenceIn: number): boolean {
  return w.packetsInPerSecond < 0.9 * referenceIn;
}

/** The slope of the least-squares line through (x, y) points; undefined unless positive, from 3 points or more. */
function slope(points: [number, number][]): number | undefined {
  if (points.length < 3) return undefined;
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const value = sxx > 0 ? sxy / sxx : NaN;
  return value > 0 ? value : undefined;
}
