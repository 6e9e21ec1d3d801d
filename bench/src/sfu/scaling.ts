import { sleep } from '@confab/loadtest';
import { BenchRoom } from './BenchRoom';
import { ConfabTarget, type SubscriberEngine } from './ConfabTarget';
import { fixed, settleSeconds, snapshot, window, type Window } from './measure';

export interface ScalingOptions {
  env: Record<string, string>;
  subscriberEngine: SubscriberEngine;
  bitrate: number;
  simulcast?: boolean;
  /** Subscribers per room (two rooms). */
  subscribers: number;
  seconds: number;
  warmup: number;
  settle: number;
  joinConcurrency: number;
  log: (line: string) => void;
}

export interface ScalingRun {
  workers: number;
  window: Window;
  /**
   * Forwarded packets per second when the busiest media thread reaches 100% of a core, its CPU
   * growing in proportion to the load: measured rate / that thread's share of a core. Fixed costs
   * (timers, the publishers' streams) grow too in this estimate, so it errs low.
   */
  capacity: number;
}

export interface ScalingResult {
  runs: ScalingRun[];
  /** capacity with 2 workers / capacity with 1. */
  ratio: number;
}


/**
 * Two rooms, each a publisher and `subscribers` subscribers, on a node with one media worker and
 * then on one with two (one room each). The load is the same both times; what changes is how the
 * work spreads over threads, and what it costs in all. Two cores shared with the load generator
 * cannot drive either node to saturation, so throughput is projected from the busiest media thread.
 */
export async function scaling(options: ScalingOptions): Promise<ScalingResult> {
  const runs: ScalingRun[] = [];
  for (const workers of [1, 2]) {
    const server = await ConfabTarget.start({ ...options.env, CONFAB_MEDIA_WORKERS: String(workers) }, options.subscriberEngine);
    const rooms = [new BenchRoom(server, 'left'), new BenchRoom(server, 'right')];
    try {
      for (const room of rooms) await room.publish(options.bitrate, options.simulcast);
      for (const room of rooms) await room.grow(options.subscribers, options.joinConcurrency);
      await sleep(settleSeconds(options) * 1000);
      const publishers = rooms.map((r) => r.publisher);
      const subscribers = rooms.flatMap((r) => r.subscribers);
      const a = await snapshot(server, publishers, subscribers);
      await sleep(options.seconds * 1000);
      const b = await snapshot(server, publishers, subscribers);
      const w = window(a, b, server.rss());
      const busiest = Math.max(...w.workerCpuPercent);
      runs.push({ workers, window: w, capacity: busiest > 0 ? fixed(w.packetsOutPerSecond / (busiest / 100), 0) : NaN });
      const replaced = rooms.reduce((n, r) => n + r.dropped, 0);
      options.log(`  ${workers} worker(s): ${w.packetsOutPerSecond} pkt/s out, media threads ${w.workerCpuPercent.join(' + ')}% of a core, loss ${w.subscriberLossPercent}%, ${replaced} subscribers replaced`);
    } catch (error) {
      console.error(`server output:\n${server.output.slice(-20).join('\n')}`);
      throw error;
    } finally {
      await Promise.all(rooms.map((r) => r.close()));
      await server.stop();
    }
  }
  return { runs, ratio: fixed(runs[1]!.capacity / runs[0]!.capacity, 2) };
}
