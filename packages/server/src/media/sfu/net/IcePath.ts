import type { StunMessage } from '@confab/wire';

export type IceProtocol = 'udp' | 'tcp';

/**
 * One way to reach a remote candidate: a remote ip:port on the shared UDP socket, or one accepted
 * ICE-TCP connection. Paths are made by the muxes when a STUN request arrives and are kept only
 * once an endpoint has validated a check on them.
 */
export interface IcePath {
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
  /** From now on, this path's non-STUN packets (and STUN other than requests) go to `receiver`. */
  attach(receiver: PacketReceiver): void;
  /** Stops routing to the receiver; a TCP path also closes its connection. */
  detach(): void;
}

/** Where an attached path's packets go: the transport that validated it. */
export interface PacketReceiver {
  /**
   * `buf[0, length)` is the datagram as received (or one TCP frame); don't keep `buf` past the
   * call. `arrivalMs` (performance.now()'s clock) is when the kernel received it where the mux
   * knows that (the native UDP receive), else when the mux read it.
   */
  receivePacket(buf: Buffer, length: number, path: IcePath, arrivalMs: number): void;
  /** The path's connection ended by itself (TCP end, error or timeout). */
  pathClosed(path: IcePath): void;
}

/** Whoever owns a local ufrag: gets every Binding request whose USERNAME starts with it. */
export interface StunRequestHandler {
  handleStunRequest(buf: Buffer, msg: StunMessage, path: IcePath): void;
}
