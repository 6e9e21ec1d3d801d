/**
 * The buffers every outgoing packet is written into: a ring of fixed slots shared by the engine,
 * one slot per send. A UDP send normally leaves before socket.send() returns, but when the kernel
 * buffer is full Node queues the very buffer it was given; taking a new slot for every packet
 * means a queued packet is only overwritten after `count` further sends, by which time the
 * socket has long drained or is dropping anyway.
 */
export class PacketSlots {
  readonly slotSize: number;
  /** The one allocation every slot is a view of (batched sends address slots by offset in it). */
  readonly memory: Buffer;
  private readonly slots: Buffer[];
  private readonly mask: number;
  private next = 0;

  /** `count` a power of two; `slotSize` covers an MTU-sized packet plus SRTP tag and RTX header. */
  constructor(count = 4096, slotSize = 1536) {
    if (!Number.isInteger(count) || count < 2 || (count & (count - 1)) !== 0) throw new RangeError('PacketSlots count must be a power of two');
    const memory = Buffer.allocUnsafeSlow(count * slotSize);
    this.memory = memory;
    this.slots = [];
    for (let i = 0; i < count; i++) this.slots.push(memory.subarray(i * slotSize, (i + 1) * slotSize));
    this.mask = count - 1;
    this.slotSize = slotSize;
  }

  /** The index of the slot take() returns next (the native fan-out writes into slots from there). */
  get position(): number {
    return this.next;
  }

  /** Slot `index` (0 to count - 1). */
  at(index: number): Buffer {
    return this.slots[index & this.mask]!;
  }

  /** Moves past `n` slots written by someone else (the native fan-out). */
  skip(n: number): void {
    this.next = (this.next + n) & this.mask;
  }

  /** The next slot; its contents are whatever was sent from it `count` packets ago. */
  take(): Buffer {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) & this.mask;
    return slot;
  }
}
