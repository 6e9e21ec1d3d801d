import { sleep } from '@confab/loadtest';
import type { BenchTarget } from './BenchTarget';
import { BenchRoom } from './BenchRoom';
import { settleSeconds, snapshot, window, type Window } from './measure';
import { median } from './report';
import type { SubscriberEngine } from './ConfabTarget';
import { startTarget, type EngineVariant } from './variants';

export interface PairedOptions {
  bitrate: number;
  subscribers: number;
  /** Windows measured, each `seconds` long, after settleSeconds. */
  windows: number;
  seconds: number;
  warmup: number;
  settle: number;
  mediaWorkers: number;
  subscriberEngine: SubscriberEngine;
  joinConcurrency: number;
  log: (line: string) => void;
}

export interface PairedWindow {
  base: Window;
  other: Window;
  /** The other engine's CPU per forwarded packet / the base's, in this window. */
  ratio: number;
}

export interface PairedResult {
  base: string;
  other: string;
  subscribers: number;
  windows: PairedWindow[];
  /** Median over the windows of `ratio`. */
  medianRatio: number | undefined;
}

/**
 * Two engines measured in the same windows: each on a server of its own (one media worker, or
 * Janus with one event loop), with a room of one publisher and N subscribers, both rooms running
 * throughout. Whatever else the machine does in a window weighs on both alike, which runs one
 * after the other (minutes apart, under another load: CPU per packet moves by ±50% with the load
 * here) cannot promise.
 */
export async function paired(base: EngineVariant, other: EngineVariant, options: PairedOptions): Promise<PairedResult> {
  const servers: BenchTarget[] = [];
  const rooms: BenchRoom[] = [];
  try {
    for (const variant of [base, other]) {
      const server = await startTarget(variant, options.mediaWorkers, options.subscriberEngine);
      servers.push(server);
      const room = new BenchRoom(server, `paired-${variant.name}`);
      rooms.push(room);
      await room.publish(options.bitrate, variant.simulcast);
      await room.grow(options.subscribers, options.joinConcurrency);
    }
    await sleep(settleSeconds(options) * 1000);
    const read = () => Promise.all(servers.map((server, i) => snapshot(server, [rooms[i]!.publisher], rooms[i]!.subscribers)));
    const windows: PairedWindow[] = [];
    for (let i = 1; i <= options.windows; i++) {
      const before = await read();
      await sleep(options.seconds * 1000);
      const after = await read();
      const [a, b] = servers.map((server, j) => window(before[j]!, after[j]!, server.rss())) as [Window, Window];
      const ratio = b.usPerForwardedPacket / a.usPerForwardedPacket;
      windows.push({ base: a, other: b, ratio });
      options.log(`  window ${i}: ${base.name} ${a.usPerForwardedPacket} µs/fwd pkt, ${other.name} ${b.usPerForwardedPacket} (${((ratio - 1) * 100).toFixed(1)}%), load ${a.loadAverage}`);
    }
    return { base: base.name, other: other.name, subscribers: options.subscribers, windows, medianRatio: median(windows.map((w) => w.ratio).filter(Number.isFinite)) };
  } finally {
    await Promise.allSettled(rooms.map((room) => room.close()));
    await Promise.allSettled(servers.map((server) => server.stop()));
  }
}
