import { rtpSeq } from './rtpHeader';

/**
 * A producer's recent packets by sequence number, for answering NACKs: one buffer allocated up
 * front, `capacity` slots of `slotSize` bytes, slot = seq mod capacity. Storing copies into the
 * slot; nothing is allocated per packet. A newer packet overwrites the one `capacity` sequence
 * numbers older, and lookups check the stored sequence number, so a stale slot is never served.
 */
export class PacketCache {
  readonly capacity: number;
  readonly slotSize: number;
  private readonly memory: Buffer;
  /** Preallocated views, one per slot, so a lookup hands out a Buffer without making one. */
  private readonly slots: Buffer[];
  private readonly lengths: Uint16Array;
  /** Stored sequence number per slot, -1 when empty. */
  private readonly seqs: Int32Array;
  private readonly storedAt: Float64Array;

  /** `capacity` must be a power of two (so slots follow the 16-bit wrap); `slotSize` at most 65535. */
  constructor(capacity = 512, slotSize = 1500) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x10000 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`PacketCache capacity must be a power of two up to 65536, got ${capacity}`);
    }
    if (!Number.isInteger(slotSize) || slotSize < 12 || slotSize > 0xffff) {
      throw new RangeError(`PacketCache slotSize must be 12-65535, got ${slotSize}`);
    }
    this.capacity = capacity;
    this.slotSize = slotSize;
    this.memory = Buffer.alloc(capacity * slotSize);
    this.slots = [];
    for (let i = 0; i < capacity; i++) this.slots.push(this.memory.subarray(i * slotSize, (i + 1) * slotSize));
    this.lengths = new Uint16Array(capacity);
    this.seqs = new Int32Array(capacity).fill(-1);
    this.storedAt = new Float64Array(capacity);
  }

  /** Copies an RTP packet in (keyed by its sequence number). False if it is larger than a slot. */
  store(packet: Buffer, len: number, nowMs: number): boolean {
    if (len > this.slotSize || len < 12) return false;
    const seq = rtpSeq(packet);
    const slot = seq & (this.capacity - 1);
    packet.copy(this.memory, slot * this.slotSize, 0, len);
    this.lengths[slot] = len;
    this.seqs[slot] = seq;
    this.storedAt[slot] = nowMs;
    return true;
  }

  /** Length of the packet with sequence number `seq`, or -1 if it is not (or no longer) cached or older than `maxAgeMs`. */
  lookup(seq: number, nowMs: number, maxAgeMs = Infinity): number {
    const slot = seq & (this.capacity - 1);
    if (this.seqs[slot] !== (seq & 0xffff) || nowMs - this.storedAt[slot]! > maxAgeMs) return -1;
    return this.lengths[slot]!;
  }

  /** The slot holding `seq`: valid for the length lookup() returned, until the next store() to that slot. */
  slot(seq: number): Buffer {
    return this.slots[seq & (this.capacity - 1)]!;
  }

  /** Copies the packet with sequence number `seq` into `dst`. Returns its length, or -1 as lookup(). */
  copyTo(seq: number, dst: Buffer, nowMs: number, maxAgeMs = Infinity): number {
    const len = this.lookup(seq, nowMs, maxAgeMs);
    if (len < 0 || len > dst.length) return -1;
    this.slots[seq & (this.capacity - 1)]!.copy(dst, 0, 0, len);
    return len;
  }

  clear(): void {
    this.seqs.fill(-1);
  }
}
