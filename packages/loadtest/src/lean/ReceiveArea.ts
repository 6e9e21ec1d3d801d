import type { NativeUdpBatchSend, NativeUdpReceive } from '@confab/srtp';
import { parseIpv4 } from '@confab/wire';

/** Bytes per received datagram: room for a full-MTU packet. */
export const SLOT_SIZE = 1536;
/** Datagrams per recvmmsg call. */
const CAPACITY = 32;
const FIELDS = 3;

/**
 * The memory every native receive of one thread reads into, and the batched send it writes
 * through. One area serves all of a worker's sockets: each batch is consumed synchronously in its
 * callback before the loop can wake another socket, so no two batches are ever live at once.
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

  constructor(
    readonly receive: NativeUdpReceive,
    private readonly sendBatch: NativeUdpBatchSend,
  ) {}

  /** Length of datagram `i` of the current batch (0: it did not fit its slot). */
  length(i: number): number {
    return this.table[i * FIELDS]!;
  }

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
