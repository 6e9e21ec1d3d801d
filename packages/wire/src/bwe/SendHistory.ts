/** A packet's place in a feedback report: not yet reported, reported lost, or reported received. */
export const SentState = { Pending: 0, Lost: 1, Acked: 2 } as const;

/**
 * Where a SendHistory keeps everything in the storage it may be given: the unwrapped number of the
 * next packet, the wire number of the first, then the entries. The native fan-out numbers and
 * records packets in that same storage (packages/srtp/native/send_state.c mirrors this layout).
 */
export const SEND_HISTORY_STATE = { next: 0, start: 1, entries: 2 } as const;

/**
 * What a send-side estimator must remember of each packet it sent: the transport-wide sequence
 * number it carried, when it left, its size and the probe cluster it belonged to (-1: media).
 * Sequence numbers are handed out here, one counter per transport, so a 16-bit number from a
 * feedback report unwraps against the newest one sent. A fixed ring: nothing allocates per packet;
 * a report about a packet older than `capacity` sends is ignored.
 */
export class SendHistory {
  readonly capacity: number;
  private readonly mask: number;
  /**
   * Two doubles per packet: when it left, then its size, cluster and state packed as one integer
   * (size + 2^16 (cluster + 2^15) + 2^32 state, exact in a double). One array, not four: each send
   * writes one place. With hundreds of subscribers, every send's history is out of the cache by
   * the time that subscriber sends again; four arrays cost 30-40 ns more per forwarded copy
   * (bench/src/fanout.ts --chain at 256 subscribers, ~1.1 µs a copy), for 6 kB less per subscriber.
   */
  private readonly entries: Float64Array;
  /** SEND_HISTORY_STATE's counters: the unwrapped number of the next packet (the first is 0, on the wire `start`), and `start`. */
  private readonly counters: Float64Array;
  private readonly start: number;

  /** The doubles a history of `capacity` packets keeps in the storage it is given. */
  static storageSize(capacity: number): number {
    return SEND_HISTORY_STATE.entries + capacity * 2;
  }

  /** `storage`: where to keep it all (SEND_HISTORY_STATE, storageSize(capacity) doubles from its start), if not in arrays of its own. */
  constructor(capacity = 4096, start = 0, storage: Float64Array = new Float64Array(SendHistory.storageSize(capacity))) {
    if (!Number.isInteger(capacity) || capacity < 16 || (capacity & (capacity - 1)) !== 0) throw new RangeError('SendHistory capacity must be a power of two >= 16');
    if (storage.length < SendHistory.storageSize(capacity)) throw new RangeError(`SendHistory storage must hold ${SendHistory.storageSize(capacity)} doubles`);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.counters = storage.subarray(0, SEND_HISTORY_STATE.entries);
    this.entries = storage.subarray(SEND_HISTORY_STATE.entries, SendHistory.storageSize(capacity));
    this.start = start & 0xffff;
    this.counters[SEND_HISTORY_STATE.next] = 0;
    this.counters[SEND_HISTORY_STATE.start] = this.start;
  }

  /** Packets handed a number so far. */
  get sent(): number {
    return this.counters[SEND_HISTORY_STATE.next]!;
  }

  /** The wire sequence number the next add() hands out. */
  get nextSeq(): number {
    return (this.start + this.counters[SEND_HISTORY_STATE.next]!) & 0xffff;
  }

  /** Records a packet about to leave and returns the 16-bit transport sequence number it carries. */
  add(sendMs: number, size: number, cluster = -1): number {
    const next = this.counters[SEND_HISTORY_STATE.next]!;
    const at = (next & this.mask) * 2;
    const entries = this.entries;
    entries[at] = sendMs;
    // The cluster as an int16, as it was kept before; Pending is state 0: nothing to add for it.
    entries[at + 1] = (size > 0xffff ? 0xffff : size) + (((cluster << 16) >> 16) + CLUSTER_BIAS) * SIZE_SPAN;
    this.counters[SEND_HISTORY_STATE.next] = next + 1;
    return (this.start + next) & 0xffff;
  }

  /** The ring slot of wire sequence number `seq`, or -1 if never sent or no longer remembered. */
  slotOf(seq: number): number {
    const next = this.counters[SEND_HISTORY_STATE.next]!;
    if (next === 0) return -1;
    const newest = (this.start + next - 1) & 0xffff;
    const back = (newest - seq) & 0xffff;
    // More than half the number space ahead of the newest means "not sent yet", not "very old".
    if (back >= 0x8000 || back >= this.capacity || back >= next) return -1;
    return (next - 1 - back) & this.mask;
  }

  sendTimeAt(slot: number): number {
    return this.entries[slot * 2]!;
  }

  sizeAt(slot: number): number {
    return this.entries[slot * 2 + 1]! % SIZE_SPAN;
  }

  clusterAt(slot: number): number {
    return (Math.floor(this.entries[slot * 2 + 1]! / SIZE_SPAN) % CLUSTER_SPAN) - CLUSTER_BIAS;
  }

  stateAt(slot: number): number {
    return Math.floor(this.entries[slot * 2 + 1]! / STATE_UNIT);
  }

  setState(slot: number, state: number): void {
    const at = slot * 2 + 1;
    this.entries[at] = (this.entries[at]! % STATE_UNIT) + state * STATE_UNIT;
  }
}

/** The packed second double of an entry: 16 bits of size, 16 of the int16 cluster + 2^15, then the state. */
const SIZE_SPAN = 0x10000;
const CLUSTER_SPAN = 0x10000;
const CLUSTER_BIAS = 0x8000;
const STATE_UNIT = SIZE_SPAN * CLUSTER_SPAN;
