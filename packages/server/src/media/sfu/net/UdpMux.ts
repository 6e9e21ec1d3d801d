import { createSocket, type Socket } from 'node:dgram';
import { stopDgramReceive, udpSocketFd, type NativeUdpBatchSend, type NativeUdpReceive } from '@confab/srtp';
import { intToIpv4, parseIpv4 } from '@confab/wire';
import { isIPv6 } from 'node:net';
import { silentLogger, type MediaLogger } from '../../logger';
import type { IcePath, PacketReceiver } from './IcePath';
import type { IceRegistry } from './IceRegistry';
import { classifyPacket, PacketKind } from './packetKind';
import { routeStunRequest } from './stunDispatch';
import { UdpBatchReceiver } from './UdpBatchReceiver';
import { MAX_ENTRIES, UdpSendBatch, type NativeSendQueue, type SendSlots } from './UdpSendBatch';

export interface UdpMuxOptions {
  registry: IceRegistry;
  /** Address to bind; default '0.0.0.0'. An IPv6 address (e.g. '::') makes a dual-stack udp6 socket. */
  bindAddress?: string;
  /** Port to bind; default 0 (the OS picks one; read `port` afterwards). */
  port?: number;
  /** Kernel socket buffers; default 4 MiB each (one socket carries every transport of the worker). */
  receiveBufferSize?: number;
  sendBufferSize?: number;
  logger?: MediaLogger;
}

export interface UdpMuxStats {
  datagramsIn: number;
  /** Dropped on arrival: unknown remote address, unknown ufrag, malformed STUN, unclassifiable, larger than a native receive slot. */
  datagramsDropped: number;
  datagramsOut: number;
  /** 'error' events of the socket (send failures are not reported by Node without a callback). */
  socketErrors: number;
  /** Batched sends the kernel refused (socket buffer full). */
  sendsDropped: number;
}

/** How datagrams are read: Node's dgram, stamped when JavaScript sees them, or the native batched receive with kernel times. */
export type UdpReceiveMode = 'dgram' | 'kernel';

const DEFAULT_SOCKET_BUFFER = 4 * 1024 * 1024;

/**
 * The one UDP socket of a media worker. A Binding request is routed by its USERNAME to the
 * endpoint that registered the local ufrag; once that endpoint has validated a check from a
 * remote ip:port it attaches the path, and from then on every datagram from that address goes
 * straight to the transport, looked up without building a key (address -> port -> path).
 */
export class UdpMux {
  readonly stats: UdpMuxStats = { datagramsIn: 0, datagramsDropped: 0, datagramsOut: 0, socketErrors: 0, sendsDropped: 0 };
  private readonly paths = new Map<string, Map<number, UdpPath>>();
  /** The IPv4 paths again, by address as an int32: the native receive looks up without a string. */
  private readonly paths4 = new Map<number, Map<number, UdpPath>>();
  private closed = false;
  private batch: UdpSendBatch | null = null;
  private receiver: UdpBatchReceiver | null = null;
  /** One-datagram table for a datagram larger than a slot, while the native receive owns the socket. */
  private readonly single = Int32Array.of(0, 0, 0, 0, -1, 0);
  /** When dgram handed over the datagram being handled (a typed array: a double field write would box). */
  private readonly dgramArrival = new Float64Array(1);
  /** True while a datagram is being handled: its sends are flushed when it is done. */
  private dispatching = false;
  private flushScheduled = false;

  private constructor(
    readonly socket: Socket,
    private readonly registry: IceRegistry,
    private readonly logger: MediaLogger,
  ) {
    socket.on('message', (buf, rinfo) => {
      this.dispatching = true;
      try {
        this.dgramArrival[0] = performance.now();
        const path = this.paths.get(rinfo.address)?.get(rinfo.port);
        this.onDatagram(buf, buf.length, path, rinfo.address, 0, rinfo.port);
      } finally {
        this.dispatching = false;
        this.flush();
      }
    });
    socket.on('error', (err) => {
      this.stats.socketErrors++;
      this.logger.warn({ err }, 'udp mux socket error');
    });
  }

  static async open(options: UdpMuxOptions): Promise<UdpMux> {
    const bindAddress = options.bindAddress ?? '0.0.0.0';
    const ipv6 = isIPv6(bindAddress);
    const socket = createSocket({
      type: ipv6 ? 'udp6' : 'udp4',
      // Every send names an IP literal; resolving it synchronously saves dgram's per-send
      // dns.lookup + nextTick round trip (~0.3 µs per send measured here). An IPv4 socket only
      // ever sends to IPv4 addresses, so it skips the isIPv6 regular expression too (~0.4 µs).
      lookup: ipv6
        ? (address, _options, callback) => callback(null, address, isIPv6(address) ? 6 : 4)
        : (address, _options, callback) => callback(null, address, 4),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setRecvBufferSize(options.receiveBufferSize ?? DEFAULT_SOCKET_BUFFER);
    socket.setSendBufferSize(options.sendBufferSize ?? DEFAULT_SOCKET_BUFFER);
    return new UdpMux(socket, options.registry, options.logger ?? silentLogger);
  }

  /**
   * From now on, datagrams to IPv4 paths are collected in `slots` (the engine's packet slots;
   * packets written elsewhere are copied in) and sent with one native sendmmsg per incoming
   * datagram (or per timer turn). An IPv4 socket only: a dual-stack one would need IPv4-mapped addresses.
   */
  enableBatching(sendBatch: NativeUdpBatchSend, slots: SendSlots): void {
    if (this.socket.address().family !== 'IPv4') return;
    const fd = udpSocketFd(this.socket);
    if (fd !== null) this.batch = new UdpSendBatch(sendBatch, fd, slots);
  }

  get batching(): boolean {
    return this.batch !== null;
  }

  /** The send batch's table for the native fan-out to queue copies in (null: no batching). */
  get sendQueue(): NativeSendQueue | null {
    const batch = this.batch;
    return batch === null ? null : { table: batch.table, state: batch.queueState, queued: this.queuedNatively };
  }

  /** The native fan-out queued `n` entries in the batch: they go when the datagram is handled, or at the next turn. */
  private readonly queuedNatively = (n: number): void => {
    const batch = this.batch;
    if (batch === null || this.closed) return;
    this.stats.datagramsOut += n;
    if (batch.pending >= MAX_ENTRIES) this.flush();
    else this.flushSoon();
  };

  /**
   * From now on the socket is read natively (recvmmsg, kernel receive times) instead of by dgram.
   * Needs enableBatching first: every send then goes through the native core, because a dgram
   * send the kernel refused would make libuv watch the descriptor we poll. False (dgram stays) if
   * it cannot be done here.
   */
  enableKernelReceive(receive: NativeUdpReceive): boolean {
    const batch = this.batch;
    if (batch === null || this.receiver !== null || this.closed) return false;
    const restart = stopDgramReceive(this.socket);
    if (restart === null) return false;
    try {
      this.receiver = new UdpBatchReceiver(receive, batch.fd, this.onKernelDatagram, this.afterKernelBatch);
      return true;
    } catch (err) {
      restart();
      this.logger.warn({ err }, 'native udp receive unavailable; dgram reads the socket');
      return false;
    }
  }

  /** @internal UdpPath's arrivalMs: when the datagram being handled arrived (the kernel's time with the native receive). */
  get arrivalMs(): number {
    const receiver = this.receiver;
    return receiver === null ? this.dgramArrival[0]! : receiver.arrivalMs;
  }

  get receiveMode(): UdpReceiveMode {
    return this.receiver === null ? 'dgram' : 'kernel';
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Number of remote addresses currently attached to a transport. */
  get attachedPaths(): number {
    let n = 0;
    for (const byPort of this.paths.values()) n += byPort.size;
    return n;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush();
    this.closed = true;
    this.receiver?.stop(); // before the socket closes: no poll may outlive its descriptor
    this.receiver = null;
    this.batch = null;
    for (const byPort of this.paths.values()) for (const path of byPort.values()) path.markClosed();
    this.paths.clear();
    this.paths4.clear();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  /** A datagram of a native batch: `buf` is a receive slot, reused by the next batch. */
  private readonly onKernelDatagram = (buf: Buffer, length: number, ip4: number, port: number): void => {
    this.dispatching = true;
    const path = this.paths4.get(ip4)?.get(port);
    this.onDatagram(buf, length, path, null, ip4, port);
  };

  private readonly afterKernelBatch = (): void => {
    this.dispatching = false;
    this.flush();
  };

  /**
   * `address` is null for the native receive (IPv4 only, given as `ip4`; `buf` is a reused slot): it is made,
   * and the datagram copied, only for a STUN request, which may create a path or be kept.
   */
  private onDatagram(buf: Buffer, length: number, path: UdpPath | undefined, address: string | null, ip4: number, port: number): void {
    this.stats.datagramsIn++;
    const kind = classifyPacket(buf, length);
    if (kind === PacketKind.Stun) {
      const msg = address === null ? Buffer.from(buf.subarray(0, length)) : buf;
      const routed = routeStunRequest(msg, length, this.registry);
      if (routed === null) {
        this.stats.datagramsDropped++;
        return;
      }
      // A known address that now speaks for another transport gets a fresh path; attaching that
      // one hands the address over.
      const owned = path !== undefined && (path.receiver as unknown) === routed.handler;
      routed.handler.handleStunRequest(msg, routed.msg, owned ? path : new UdpPath(this, address ?? intToIpv4(ip4), port));
      return;
    }
    if (path === undefined || kind === PacketKind.Unknown) {
      this.stats.datagramsDropped++;
      return;
    }
    path.receiver!.receivePacket(buf, length, path);
  }

  /** @internal UdpPath's send. */
  sendTo(buf: Uint8Array, length: number, path: UdpPath): void {
    if (this.closed) return;
    this.stats.datagramsOut++;
    const batch = this.batch;
    if (batch !== null && path.ip4 !== null && batch.add(buf, length, path.ip4, path.remotePort)) {
      this.flushSoon();
      return;
    }
    if (batch !== null && this.receiver !== null) {
      // The native receive owns the socket: no dgram send (see enableKernelReceive). Every path
      // is IPv4 then, as every datagram came from an IPv4 address.
      this.single[1] = length;
      this.single[2] = path.ip4 ?? 0;
      this.single[3] = path.remotePort;
      this.stats.sendsDropped += 1 - batch.sendOne(buf, this.single);
      return;
    }
    // No callback: with one, Node calls back into JS after every datagram (measured ~0.3-0.7 µs
    // per send here); without, a failed send is silently dropped, which media tolerates.
    this.socket.send(buf, 0, length, path.remotePort, path.remoteAddress);
  }

  /** @internal UdpPath's sendToSeal. */
  sendToSeal(buf: Uint8Array, length: number, path: UdpPath, sealId: number, roc: number): boolean {
    const batch = this.batch;
    if (this.closed || batch === null || path.ip4 === null || !batch.addToSeal(buf, length, path.ip4, path.remotePort, sealId, roc)) return false;
    this.stats.datagramsOut++;
    this.flushSoon();
    return true;
  }

  /** Sends from within a datagram's handling go when it is done; others at the next turn of the loop. */
  private flushSoon(): void {
    if (!this.dispatching && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushLater);
    }
  }

  private flush(): void {
    const batch = this.batch;
    if (batch === null || batch.pending === 0) return;
    const dropped = batch.dropped;
    batch.flush();
    this.stats.sendsDropped += batch.dropped - dropped;
  }

  private readonly flushLater = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** @internal */
  attachPath(path: UdpPath): void {
    if (this.closed) return;
    let byPort = this.paths.get(path.remoteAddress);
    if (byPort === undefined) this.paths.set(path.remoteAddress, (byPort = new Map()));
    const previous = byPort.get(path.remotePort);
    // A remote address belongs to one transport: a newer validated check moves it.
    if (previous !== undefined && previous !== path) previous.handOver();
    byPort.set(path.remotePort, path);
    if (path.ip4 === null) return;
    let byPort4 = this.paths4.get(path.ip4);
    if (byPort4 === undefined) this.paths4.set(path.ip4, (byPort4 = new Map()));
    byPort4.set(path.remotePort, path);
  }

  /** @internal */
  detachPath(path: UdpPath): void {
    const byPort = this.paths.get(path.remoteAddress);
    if (byPort?.get(path.remotePort) !== path) return;
    byPort.delete(path.remotePort);
    if (byPort.size === 0) this.paths.delete(path.remoteAddress);
    const byPort4 = path.ip4 === null ? undefined : this.paths4.get(path.ip4);
    if (byPort4 === undefined) return;
    byPort4.delete(path.remotePort);
    if (byPort4.size === 0) this.paths4.delete(path.ip4!);
  }
}

class UdpPath implements IcePath {
  readonly protocol = 'udp' as const;
  receiver: PacketReceiver | null = null;
  closed = false;
  /** The remote address for batched sends, or null if it is not IPv4. */
  readonly ip4: number | null;

  get queueAddress(): number | null {
    return this.closed || !this.mux.batching ? null : this.ip4;
  }

  constructor(
    private readonly mux: UdpMux,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {
    this.ip4 = parseIpv4(remoteAddress);
  }

  get arrivalMs(): number {
    return this.mux.arrivalMs;
  }

  send(buf: Uint8Array, length: number): void {
    if (!this.closed) this.mux.sendTo(buf, length, this);
  }

  sendToSeal(buf: Uint8Array, length: number, sealId: number, roc: number): boolean {
    return !this.closed && this.mux.sendToSeal(buf, length, this, sealId, roc);
  }

  attach(receiver: PacketReceiver): void {
    if (this.closed) return;
    this.receiver = receiver;
    this.mux.attachPath(this);
  }

  detach(): void {
    this.mux.detachPath(this);
    this.markClosed();
  }

  /** Another transport validated this remote address: tell the old owner it's gone. */
  handOver(): void {
    const receiver = this.receiver;
    this.markClosed();
    receiver?.pathClosed(this);
  }

  markClosed(): void {
    this.closed = true;
    this.receiver = null;
  }
}
