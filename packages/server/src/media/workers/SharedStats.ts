/** The counters a worker publishes, in this order, one Float64 each. */
const FIELDS = ['rtpPacketsReceived', 'rtpPacketsForwarded', 'rtpBytesForwarded', 'pacerQueuedPackets', 'pacerDroppedPackets', 'cpuSeconds', 'cpuSystemSeconds'] as const;

/** Cumulative numbers of one worker thread: its engine's packet counters and its own CPU time. */
export type WorkerCounters = Record<(typeof FIELDS)[number], number>;

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
 * A worker's counters in shared memory: the worker writes them every few ms, the main thread reads
 * them whenever stats() is asked, synchronously and without a message. The buffer outlives the
 * thread, so a dead worker's last numbers are still there to carry over.
 */
export class SharedStats {
  readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(FIELDS.length * Float64Array.BYTES_PER_ELEMENT)) {
    if (buffer.byteLength !== FIELDS.length * Float64Array.BYTES_PER_ELEMENT) throw new RangeError('stats buffer has the wrong size');
    this.buffer = buffer;
    this.values = new Float64Array(buffer);
  }

  write(counters: WorkerCounters): void {
    for (let i = 0; i < FIELDS.length; i++) this.values[i] = counters[FIELDS[i]!];
  }

  read(): WorkerCounters {
    const counters = { ...ZERO_COUNTERS };
    for (let i = 0; i < FIELDS.length; i++) counters[FIELDS[i]!] = this.values[i]!;
    return counters;
  }
}

export function addCounters(a: WorkerCounters, b: WorkerCounters): WorkerCounters {
  const sum = { ...ZERO_COUNTERS };
  for (const field of FIELDS) sum[field] = a[field] + b[field];
  return sum;
}
