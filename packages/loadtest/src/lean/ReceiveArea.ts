import type { NativeReceiveHandle, NativeUdpBatchSend, NativeUdpReceive } from '@confab/srtp';
import { parseIpv4 } from '@confab/wire';

/** Bytes per received datagram: room for a full-MTU packet. */
export const SLOT_SIZE = 1536;
/** Datagrams per call into JavaScript, from all the sockets ready at one wake-up. */
const CAPACITY = 128;
/** Per datagram: length, address, port, the member whose socket it came in on. */
const FIELDS = 4;

/** A socket's reader in the area's receive group. */
export interface ReceiveMember {
  /** Datagram `packet[0, length)` (a slot: only during the call), received at `arrivalMs` (kernel time, CLOCK_MONOTONIC). */
  onDatagram(packet: Buffer, length: number, arrivalMs: number): void;
}

/**
 * The memory every native receive of one thread reads into, and the batched send it writes
 * through. The thread's sockets (one per lean subscriber, as each browser has its own) are read as
 * one native receive group: a wake-up (or a tick of its clock) reads every ready socket and calls
 * JavaScript once for all their datagrams, each handed to its member here, rather than once per socket.
 */
export class ReceiveArea {
  readonly memory = Buffer.alloc(CAPACITY * SLOT_SIZE);
  /** One view per slot, made once: the packet path allocates nothing. */
  readonly slots: Buffer[] = Array.from({ length: CAPACITY }, (_, i) => this.memory.subarray(i * SLOT_SIZE, (i + 1) * SLOT_SIZE));
  readonly table = new Int32Array(CAPACITY * FIELDS);
  readonly stamps = new Float64Array(CAPACITY);
  /** Scratch for outgoing RTCP and STUN: sent synchronously, so one serves all. */
  readonly out = Buffer.alloc(SLOT_SIZE);
  /** One entry of a native send table: offset, length, address, port, no seal owed (-1), ROC. */
  private readonly sendTable = Int32Array.of(0, 0, 0, 0, -1, 0);
  /** By member id (the subscriber's counters slot). */
  private readonly members: (ReceiveMember | undefined)[] = [];
  private readonly group: NativeReceiveHandle;

  constructor(
    private readonly receive: NativeUdpReceive,
    private readonly sendBatch: NativeUdpBatchSend,
    /** Read the sockets every this many ms instead of when a datagram comes (0). */
    clockMs: number,
  ) {
    this.group = receive.startGroup(this.memory, SLOT_SIZE, this.table, this.stamps, this.onBatch, clockMs);
  }

  /** From now on `member` reads the UDP socket `fd` (which nothing else may read), as member `id` (an int32 of its own). */
  join(fd: number, id: number, member: ReceiveMember): void {
    if (!this.receive.addToGroup(this.group, fd, id)) throw new Error(`lean subscriber: the native receive group refused socket ${fd}`);
    this.members[id] = member;
  }

  /** No datagram of `fd` reaches member `id` after this: before its socket closes. */
  leave(fd: number, id: number): void {
    this.receive.removeFromGroup(this.group, fd);
    this.members[id] = undefined;
  }

  private readonly onBatch = (count: number): void => {
    const { table, slots, stamps, members } = this;
    for (let i = 0; i < count; i++) {
      const length = table[i * FIELDS]!;
      if (length > 0) members[table[i * FIELDS + 3]!]?.onDatagram(slots[i]!, length, stamps[i]!);
    }
  };

  /** Sends `out[0, length)` on socket `fd` to `ipv4` (host order) : `port` with sendmmsg; false if the kernel refused it. */
  sendOut(fd: number, length: number, ipv4: number, port: number): boolean {
    this.sendTable[1] = length;
    this.sendTable[2] = ipv4;
    this.sendTable[3] = port;
    return this.sendBatch(fd, this.out, this.sendTable, 1) === 1;
  }
}

/** A dotted IPv4 address as the host-order int32 the native send takes (wire's parseIpv4); throws if it is not one. */
export function ipv4ToInt(address: string): number {
  const ip4 = parseIpv4(address);
  if (ip4 === null) throw new Error(`not an IPv4 address: ${address}`);
  return ip4;
}
