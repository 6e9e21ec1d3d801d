import type { MediaLogger } from '../logger';
import type { MediaCounters } from '../MediaCounters';
import type { WorkerNetwork } from './net/index';
import type { PacketSlots } from './PacketSlots';
import type { SsrcAllocator } from './SsrcAllocator';

/** Something with periodic work (RTCP timers): called every TICK_MS with performance.now(). */
export interface Tickable {
  tick(nowMs: number): void;
}

/** The engine's tick period: the finest timer RTCP needs (NACK retries on loopback RTTs). */
export const TICK_MS = 20;

/** What the engine shares with everything it creates. */
export interface SfuContext {
  readonly logger: MediaLogger;
  readonly counters: MediaCounters;
  readonly network: WorkerNetwork;
  readonly slots: PacketSlots;
  readonly ssrcs: SsrcAllocator;
  readonly ticking: Set<Tickable>;
}
