import type { StunMessage } from '@confab/wire';

export type IceProtocol = 'udp' | 'tcp';

/**
 * When the packet being handed over arrived, on performance.now()'s clock: the kernel's receive
 * time with the native UDP receive, else when the mux read it. Read it during the call. A getter,
 * not an argument: a fractional number passed along calls is boxed per packet, and most packets
 * (RTCP, a subscriber's) never need it.
 */
export interface PacketArrival {
  readonly arrivalMs: number;
}

/**
 * One way to reach a remote candidate: a remote ip:port on the shared UDP socket, or one accepted
 * ICE-TCP connection. Paths are made by the muxes when a STUN request arrives and are kept only
 * once an endpoint has validated a check on them.
 */
export interface IcePath extends PacketArrival {
  readonly protocol: IceProtocol;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True once the connection has ended (TCP) or the path was detached. */
  readonly closed: boolean;
  /**
   * Sends `buf[0, length)` (TCP adds the RFC 4571 length prefix). Never throws; a packet that
   * cannot be sent (socket closed, TCP backlog full) is dropped and counted by the mux.
   */
  send(buf: Uint8Array, length: number): void;
  /**
   * Takes the RTP packet `buf[0, length)`, not sealed yet, for the native core to seal with the
   * registered cipher `sealId` and `roc` just before it sends it (a batched UDP path only; `buf` a
   * send slot with room for the tag). False if this path cannot: seal it and send() it.
   */
  sendToSeal(buf: Uint8Array, length: number, sealId: number, roc: number): boolean;
  /**
   * The IPv4 address (host order, as an int32) the worker's send batch reaches this path at, for the
   * native fan-out to queue packets to (with remotePort); null: not such a path (TCP, IPv6, no batching, closed).
   */
  readonly queueAddress: number | null;
  /** From now on, this path's non-STUN packets (and STUN other than requests) go to `receiver`. */
  attach(receiver: PacketReceiver): void;
  /** Stops routing to the receiver; a TCP path also closes its connection. */
  detach(): void;
}

/** Where an attached path's packets go: the transport that validated it. */
export interface PacketReceiver {
  /** `buf[0, length)` is the datagram as received (or one TCP frame); don't keep `buf` past the call. */
  receivePacket(buf: Buffer, length: number, path: IcePath): void;
  /** The path's connection ended by itself (TCP end, error or timeout). */
  pathClosed(path: IcePath): void;
}

/** Whoever owns a local ufrag: gets every Binding request whose USERNAME starts with it. */
export interface StunRequestHandler {
  handleStunRequest(buf: Buffer, msg: StunMessage, path: IcePath): void;
}
