import { PACKET_COUNTERS, type PacketCounters } from '../MediaCounters';

/** Cumulative numbers of one worker thread: its engine's packet counters and its own CPU time. */
export type WorkerCounters = PacketCounters & { cpuSeconds: number; cpuSystemSeconds: number };

export const ZERO_COUNTERS: Readonly<WorkerCounters> = {
  rtpPacketsReceived: 0,
  rtpPacketsForwarded: 0,
  rtpBytesForwarded: 0,
  pacerQueuedPackets: 0,
  pacerDroppedPackets: 0,
  cpuSeconds: 0,
  cpuSystemSeconds: 0,
};

/**
 * A worker's packet counters in shared memory: its engine counts into them (MediaCounters over
 * `new Float64Array(buffer)`), and the main thread reads them whenever stats() is asked,
 * synchronously, without a message and without the worker copying them on a timer. The buffer
 * outlives the thread, so a dead worker's last numbers are still there to carry over.
 */
export class SharedStats {
  readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(PACKET_COUNTERS.length * Float64Array.BYTES_PER_ELEMENT)) {
    if (buffer.byteLength !== PACKET_COUNTERS.length * Float64Array.BYTES_PER_ELEMENT) throw new RangeError('stats buffer has the wrong size');
    this.buffer = buffer;
    this.values = new Float64Array(buffer);
  }

  read(): PacketCounters {
    const counters = { rtpPacketsReceived: 0, rtpPacketsForwarded: 0, rtpBytesForwarded: 0, pacerQueuedPackets: 0, pacerDroppedPackets: 0 };
    for (let i = 0; i < PACKET_COUNTERS.length; i++) counters[PACKET_COUNTERS[i]!] = this.values[i]!;
    return counters;
  }
}

export function addCounters(a: WorkerCounters, b: WorkerCounters): WorkerCounters {
  const sum = { ...ZERO_COUNTERS };
  for (const field of Object.keys(ZERO_COUNTERS) as (keyof WorkerCounters)[]) sum[field] = a[field] + b[field];
  return sum;
}
