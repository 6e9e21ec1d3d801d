import type { NativeRtpFanout, NativeSendStates } from '@confab/srtp';
import type { MediaLogger } from '../logger';
import type { MediaCounters } from '../MediaCounters';
import type { WorkerNetwork } from './net/index';
import type { NativeSendQueue } from './net/UdpSendBatch';
import type { PacketSlots } from './PacketSlots';
import type { SsrcAllocator } from './SsrcAllocator';
import type { Ticker } from './Ticker';

/**
 * The period of the engine's RTCP timers: TWCC feedback, NACK retries, held keyframe requests,
 * reports. First NACKs do not wait for it (they go when the gap is seen).
 */
export const TICK_MS = 50;

/** What the engine shares with everything it creates. */
export interface SfuContext {
  readonly logger: MediaLogger;
  readonly counters: MediaCounters;
  readonly network: WorkerNetwork;
  readonly slots: PacketSlots;
  readonly ssrcs: SsrcAllocator;
  readonly ticker: Ticker;
  /** The native core's fan-out when CONFAB_NATIVE_FANOUT=1 (fanout/ProducerFanout.ts); absent or null: the TypeScript path. */
  readonly fanout?: NativeRtpFanout | null;
  /** With the native fan-out: its registry of subscriber send states (sendState.ts). */
  readonly sendStates?: NativeSendStates | null;
  /** With the native fan-out: the worker's send batch, where it queues copies for the seal and the send (absent or null: none). */
  readonly sendQueue?: NativeSendQueue | null;
}
