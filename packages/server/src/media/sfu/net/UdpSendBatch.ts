import type { NativeUdpBatchSend } from '@confab/srtp';

/** Entries sent at the latest: far below the slot ring's size, so no collected slot is reused first. */
export const MAX_ENTRIES = 256;
/** Per entry: offset, length, address, port, the seal owed (a registered cipher or -1) and its ROC. */
const FIELDS = 6;

/** Where batched datagrams sit: one allocation, handed out a slot at a time (the engine's PacketSlots). */
export interface SendSlots {
  readonly memory: Buffer;
  readonly slotSize: number;
  /** The next slot; untouched until long after a batch that holds it was sent. */
  take(): Buffer;
}

/**
 * Where the native fan-out queues copies for the seal and the send (NativeRtpFanout's queue and
 * queueState): a UdpSendBatch's table, and who to tell that `n` entries were added.
 */
export interface NativeSendQueue {
  readonly table: Int32Array;
  readonly state: Int32Array;
  queued(n: number): void;
}

/**
 * The datagrams one incoming packet's fan-out (or one tick) produced, sent together with one
 * sendmmsg(2) by the native core instead of one socket.send() each. Packets written in a slot are
 * collected as (offset, length, address, port), without a copy; any other (a STUN response, a DTLS
 * record) is copied into a slot first. A send alone costs a syscall, and on loopback the receiver's
 * wake-up with it: ~25 µs per consent check's response in the media worker, against ~2 µs in a batch.
 * An RTP packet may also be collected before its SRTP seal, which the native core then does just
 * before the send (addToSeal): one crossing into it for the batch instead of one per packet. The
 * native fan-out adds such entries itself (the table and `queueState` are shared with it).
 */
export class UdpSendBatch {
  /** Datagrams the kernel refused (socket buffer full): dropped, as socket.send() drops them. */
  dropped = 0;
  /** The entries, shared with the native fan-out (NativeRtpFanout's queue). */
  readonly table = new Int32Array(MAX_ENTRIES * FIELDS);
  /** [entries collected, room for], shared with the native fan-out, which moves the count on. */
  readonly queueState = Int32Array.of(0, MAX_ENTRIES);
  private readonly memory: Buffer;

  constructor(
    private readonly sendBatch: NativeUdpBatchSend,
    readonly fd: number,
    private readonly slots: SendSlots,
  ) {
    this.memory = slots.memory;
  }

  get pending(): number {
    return this.queueState[0]!;
  }

  /** Collects `buf[0, length)` for `ip4:port`; false if it is neither in a slot nor fits one (send it directly). */
  add(buf: Uint8Array, length: number, ip4: number, port: number): boolean {
    if (buf.buffer !== this.memory.buffer) {
      if (length > this.slots.slotSize) return false;
      const slot = this.slots.take();
      slot.set(length === buf.length ? buf : buf.subarray(0, length));
      buf = slot;
    }
    this.push(buf, length, ip4, port, -1, 0);
    return true;
  }

  /**
   * Collects the RTP packet `buf[0, length)`, in a slot, for the native core to seal (with the
   * registered cipher `sealId` and `roc`, SrtpSession.prepareRtp) and send; the slot must have
   * room for the tag after it. False if `buf` is not in a slot: seal it and add() it instead.
   */
  addToSeal(buf: Uint8Array, length: number, ip4: number, port: number, sealId: number, roc: number): boolean {
    if (buf.buffer !== this.memory.buffer) return false;
    this.push(buf, length, ip4, port, sealId, roc | 0);
    return true;
  }

  private push(buf: Uint8Array, length: number, ip4: number, port: number, sealId: number, roc: number): void {
    const table = this.table;
    if (this.queueState[0] === MAX_ENTRIES) this.flush();
    const count = this.queueState[0]!;
    const i = count * FIELDS;
    table[i] = buf.byteOffset - this.memory.byteOffset;
    table[i + 1] = length;
    table[i + 2] = ip4;
    table[i + 3] = port;
    table[i + 4] = sealId;
    table[i + 5] = roc;
    this.queueState[0] = count + 1;
    if (count + 1 === MAX_ENTRIES) this.flush();
  }

  flush(): void {
    const count = this.queueState[0]!;
    if (count === 0) return;
    this.queueState[0] = 0;
    this.dropped += count - this.sendBatch(this.fd, this.memory, this.table, count);
  }

  /** Sends `buf` now, alone: `entry` is [0, length, address, port, -1, 0]. Returns 1 if the kernel took it. */
  sendOne(buf: Uint8Array, entry: Int32Array): number {
    return this.sendBatch(this.fd, buf, entry, 1);
  }
}
