/** A packet's place in a feedback report: not yet reported, reported lost, or reported received. */
export const SentState = { Pending: 0, Lost: 1, Acked: 2 } as const;

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
  private readonly sendMs: Float64Array;
  private readonly sizes: Uint16Array;
  private readonly clusters: Int16Array;
  private readonly states: Uint8Array;
  /** Unwrapped number of the next packet (the first is 0, on the wire `start`). */
  private next = 0;
  private readonly start: number;

  constructor(capacity = 4096, start = 0) {
    if (!Number.isInteger(capacity) || capacity < 16 || (capacity & (capacity - 1)) !== 0) throw new RangeError('SendHistory capacity must be a power of two >= 16');
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.sendMs = new Float64Array(capacity);
    this.sizes = new Uint16Array(capacity);
    this.clusters = new Int16Array(capacity);
    this.states = new Uint8Array(capacity);
    this.start = start & 0xffff;
  }

  /** Packets handed a number so far. */
  get sent(): number {
    return this.next;
  }

  /** The wire sequence number the next add() hands out. */
  get nextSeq(): number {
    return (this.start + this.next) & 0xffff;
  }

  /** Records a packet about to leave and returns the 16-bit transport sequence number it carries. */
  add(sendMs: number, size: number, cluster = -1): number {
    const slot = this.next & this.mask;
    this.sendMs[slot] = sendMs;
    this.sizes[slot] = size > 0xffff ? 0xffff : size;
    this.clusters[slot] = cluster;
    this.states[slot] = SentState.Pending;
    const seq = (this.start + this.next) & 0xffff;
    this.next++;
    return seq;
  }

  /** The ring slot of wire sequence number `seq`, or -1 if never sent or no longer remembered. */
  slotOf(seq: number): number {
    if (this.next === 0) return -1;
    const newest = (this.start + this.next - 1) & 0xffff;
    const back = (newest - seq) & 0xffff;
    // More than half the number space ahead of the newest means "not sent yet", not "very old".
    if (back >= 0x8000 || back >= this.capacity || back >= this.next) return -1;
    return (this.next - 1 - back) & this.mask;
  }

  sendTimeAt(slot: number): number {
    return this.sendMs[slot]!;
  }

  sizeAt(slot: number): number {
    return this.sizes[slot]!;
  }

  clusterAt(slot: number): number {
    return this.clusters[slot]!;
  }

  stateAt(slot: number): number {
    return this.states[slot]!;
  }

  setState(slot: number, state: number): void {
    this.states[slot] = state;
  }
}
