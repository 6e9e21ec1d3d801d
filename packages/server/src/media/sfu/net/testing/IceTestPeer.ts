import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import { buildStun, parseStun, shortTermKey, StunClass, type StunMessage } from '@confab/wire';
import { frameRfc4571, Rfc4571Reader } from '../Rfc4571Reader';

export interface CheckOptions {
  /** The server's ufrag and password, as its SDP gave them. */
  serverUfrag: string;
  serverPassword: string;
  /** Ours; default 'peer'. */
  ufrag?: string;
  useCandidate?: boolean;
  /** Claim the controlled role (a role conflict for a lite server); default controlling. */
  controlled?: boolean;
  /** Default true; false leaves FINGERPRINT out. */
  fingerprint?: boolean;
}

/**
 * The browser's side in tests: a full ICE agent reduced to sending Binding requests over UDP or
 * ICE-TCP (RFC 4571 framed) and collecting what comes back.
 */
export class IceTestPeer {
  /** Every non-STUN packet received, in order. */
  readonly received: Buffer[] = [];
  private readonly waiting = new Map<string, (msg: { msg: StunMessage; buf: Buffer }) => void>();

  private constructor(
    private readonly sendRaw: (buf: Buffer) => void,
    private readonly closeSocket: () => void,
    readonly localPort: number,
  ) {}

  static async udp(serverPort: number, serverAddress = '127.0.0.1'): Promise<IceTestPeer> {
    const v6 = serverAddress.includes(':');
    // A lookup that answers at once makes send() synchronous: a test that then blocks its thread has really sent.
    const socket: UdpSocket = createSocket({ type: v6 ? 'udp6' : 'udp4', lookup: (address, _options, callback) => callback(null, address, v6 ? 6 : 4) });
    await new Promise<void>((resolve) => socket.bind(0, v6 ? '::1' : '127.0.0.1', resolve));
    const peer = new IceTestPeer(
      (buf) => socket.send(buf, serverPort, serverAddress),
      () => socket.close(),
      socket.address().port,
    );
    socket.on('message', (buf) => peer.onPacket(buf));
    return peer;
  }

  static async tcp(serverPort: number, serverAddress = '127.0.0.1'): Promise<IceTestPeer & { socket: TcpSocket }> {
    const socket = connect(serverPort, serverAddress);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const peer = new IceTestPeer(
      (buf) => socket.write(frameRfc4571(buf, buf.length)),
      () => socket.destroy(),
      socket.localPort!,
    );
    const reader = new Rfc4571Reader((frame) => peer.onPacket(Buffer.from(frame)));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {});
    return Object.assign(peer, { socket });
  }

  /** Sends bytes as they are (one datagram, or one frame on TCP). */
  send(buf: Buffer): void {
    this.sendRaw(buf);
  }

  /** Sends a Binding request; resolves with the response, or null if none came within `timeoutMs`. */
  check(options: CheckOptions, timeoutMs = 500): Promise<{ msg: StunMessage; buf: Buffer } | null> {
    const transactionId = randomBytes(12);
    const request = buildStun({
      messageClass: StunClass.Request,
      transactionId,
      username: `${options.serverUfrag}:${options.ufrag ?? 'peer'}`,
      priority: 1853824767,
      useCandidate: options.useCandidate,
      iceControlling: options.controlled ? undefined : 0x1234n,
      iceControlled: options.controlled ? 0x1234n : undefined,
      integrityKey: shortTermKey(options.serverPassword),
      fingerprint: options.fingerprint ?? true,
    });
    return this.request(request, transactionId, timeoutMs);
  }

  /** Sends any STUN request and waits for the response with its transaction id. */
  request(buf: Buffer, transactionId: Uint8Array, timeoutMs = 500): Promise<{ msg: StunMessage; buf: Buffer } | null> {
    const key = Buffer.from(transactionId).toString('hex');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve(null);
      }, timeoutMs);
      this.waiting.set(key, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.sendRaw(buf);
    });
  }

  close(): void {
    this.closeSocket();
  }

  private onPacket(buf: Buffer): void {
    const msg = buf[0]! < 4 ? parseStun(buf) : null;
    if (msg === null) {
      this.received.push(buf);
      return;
    }
    const key = Buffer.from(msg.transactionId).toString('hex');
    this.waiting.get(key)?.({ msg, buf });
    this.waiting.delete(key);
  }
}
