import { sleep, type ServerProcess } from '@confab/loadtest';
import { BenchRoom } from './BenchRoom';
import { snapshot, window, type Window } from './measure';

export interface RampOptions {
  bitrate: number;
  /** Sizes measured with the long window (CPU per forwarded packet), ascending. */
  costCounts: number[];
  seconds: number;
  warmup: number;
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
  /** Straight-line projection of the media thread's CPU to 100% of one core, from the last two loss-free steps. */
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
export async function ramp(server: ServerProcess, options: RampOptions): Promise<RampResult> {
  const room = new BenchRoom(server.rtcUrl, 'ramp');
  const steps: RampStep[] = [];
  let stoppedBy = `reached ${options.maxSubscribers} subscribers (--max-subscribers)`;
  try {
    await room.publish(options.bitrate);
    const sizes = [...options.costCounts];
    while (sizes.at(-1)! + options.rampStep <= options.maxSubscribers) sizes.push(sizes.at(-1)! + options.rampStep);
    for (const n of sizes) {
      const long = options.costCounts.includes(n);
      try {
        await room.grow(n, options.joinConcurrency);
      } catch (error) {
        stoppedBy = `joins failed at N=${n}: ${(error as Error).message.split('\n')[0]}`;
        break;
      }
      await sleep((long ? options.warmup : Math.min(options.warmup, 2)) * 1000);
      const a = await snapshot(server, [room.publisher], room.subscribers);
      await sleep((long ? options.seconds : options.rampSeconds) * 1000);
      const b = await snapshot(server, [room.publisher], room.subscribers);
      const step = { subscribers: n, window: window(a, b, server.rss()), errors: room.errors().slice(0, 3) };
      steps.push(step);
      const w = step.window;
      options.log(`  N=${n}: ${w.usPerForwardedPacket} µs/fwd pkt, media thread ${mediaCpu(w)}% of a core, loss ${w.subscriberLossPercent}%, generator ${w.benchCpuPercent}%`);
      const stop = stopReason(w);
      if (stop) {
        stoppedBy = `${stop} at N=${n}`;
        break;
      }
    }
  } finally {
    await room.close();
  }
  const lossFree = steps.filter((s) => s.window.subscriberLossPercent <= LOSS_LIMIT_PERCENT);
  return { steps, maxLossFree: lossFree.at(-1)?.subscribers ?? 0, stoppedBy, projectedPerCore: project(lossFree) };
}

/** CPU of the thread that forwards: the media worker's if there is one, else the whole server's. */
export function mediaCpu(w: Window): number {
  return w.workerCpuPercent.length > 0 ? Math.max(...w.workerCpuPercent) : w.cpuPercent;
}

function stopReason(w: Window): string | undefined {
  // The generator first: when it is starved, the loss it sees is its own.
  if (w.benchCpuPercent >= SATURATED_PERCENT) return `load generator saturated (${w.benchCpuPercent}% of a core)`;
  if (w.subscriberLossPercent > LOSS_LIMIT_PERCENT) return `loss ${w.subscriberLossPercent}%`;
  if (mediaCpu(w) >= SATURATED_PERCENT) return `media thread saturated (${mediaCpu(w)}% of a core)`;
  return undefined;
}

function project(steps: RampStep[]): number | undefined {
  const [a, b] = steps.slice(-2);
  if (!a || !b || b.subscribers <= a.subscribers) return undefined;
  const perSubscriber = (mediaCpu(b.window) - mediaCpu(a.window)) / (b.subscribers - a.subscribers);
  if (!(perSubscriber > 0)) return undefined;
  return Math.floor(b.subscribers + (100 - mediaCpu(b.window)) / perSubscriber);
}
