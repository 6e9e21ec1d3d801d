import type { NativeReceiveHandle, NativeUdpReceive } from '@confab/srtp';

/**
 * One datagram of a batch: `buf[0, length)`, valid only during the call, as is the receiver's
 * `arrivalMs`. Length 0: it was larger than a slot, and is lost.
 */
export type BatchDatagramHandler = (buf: Buffer, length: number, ip4: number, port: number) => void;

/** Larger than any datagram a browser sends us (they keep under the ~1200-1500 byte path MTU). */
export const RECEIVE_SLOT_SIZE = 2048;
/** Datagrams per recvmmsg call; the native side reads several batches per wake-up when more wait. */
export const RECEIVE_BATCH = 64;
const FIELDS = 3;

/**
 * The native receive of a UDP socket (NativeUdpReceive): each datagram arrives with the time the
 * kernel received it, not the time this thread got round to it, so transport-cc feedback keeps
 * the spacing the sender's estimator measures even when the thread was busy. The memory, tables
 * and slot views are made once, here; a batch allocates nothing.
 */
export class UdpBatchReceiver {
  /** Datagrams larger than a slot: handed over with length 0. */
  truncated = 0;
  private readonly memory: Buffer;
  private readonly slots: Buffer[];
  private readonly table: Int32Array;
  private readonly stamps: Float64Array;
  /** CLOCK_MONOTONIC in ms at performance.now() === 0 (both are libuv's monotonic clock). */
  private readonly originMs: number;
  private handle: NativeReceiveHandle | null;
  /** The datagram being handed over. */
  private current = 0;

  constructor(
    private readonly native: NativeUdpReceive,
    fd: number,
    private readonly onDatagram: BatchDatagramHandler,
    /** After every batch, even one whose handler threw: the caller flushes what the batch produced. */
    private readonly onBatchEnd: () => void,
    capacity = RECEIVE_BATCH,
  ) {
    this.memory = Buffer.alloc(capacity * RECEIVE_SLOT_SIZE);
    this.slots = Array.from({ length: capacity }, (_, i) => this.memory.subarray(i * RECEIVE_SLOT_SIZE, (i + 1) * RECEIVE_SLOT_SIZE));
    this.table = new Int32Array(capacity * FIELDS);
    this.stamps = new Float64Array(capacity);
    this.originMs = monotonicOriginMs();
    this.handle = native.start(fd, this.memory, RECEIVE_SLOT_SIZE, this.table, this.stamps, this.onBatch);
  }

  /** When the kernel received the datagram being handed over, on performance.now()'s clock. */
  get arrivalMs(): number {
    return this.stamps[this.current]! - this.originMs;
  }

  get running(): boolean {
    return this.handle !== null;
  }

  /** No batch is delivered after this; the socket stays open. */
  stop(): void {
    if (this.handle === null) return;
    this.native.stop(this.handle);
    this.handle = null;
  }

  private readonly onBatch = (count: number): void => {
    const { table, slots } = this;
    try {
      for (let i = 0; i < count && this.handle !== null; i++) {
        const length = table[i * FIELDS]!;
        if (length === 0) this.truncated++;
        this.current = i;
        this.onDatagram(slots[i]!, length, table[i * FIELDS + 1]!, table[i * FIELDS + 2]!);
      }
    } finally {
      this.onBatchEnd();
    }
  };
}

/** Both clocks read back to back, the closest pair of a few: the offset is then exact to ~1 µs. */
function monotonicOriginMs(): number {
  let best = Infinity;
  let origin = 0;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      origin = mono - (before + after) / 2;
    }
  }
  return origin;
}
