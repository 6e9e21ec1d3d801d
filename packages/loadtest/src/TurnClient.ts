/**
 * A bare TURN client (RFC 5766 / 8656 subset): Allocate and CreatePermission with long-term
 * credentials, over UDP, TCP or TLS. Enough to ask a real coturn whether it accepts a credential
 * and which peers it lets a relay reach; no data relaying, no refreshes.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

const MAGIC_COOKIE = 0x2112a442;
const HEADER = 20;

export const StunMethod = { Allocate: 0x003, CreatePermission: 0x008 } as const;
const Attr = {
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  XorMappedAddress: 0x0020,
} as const;

export type TurnTransport = 'udp' | 'tcp' | 'tls';

export interface TurnClientOptions {
  transport: TurnTransport;
  host: string;
  port: number;
  /** TLS only, e.g. `{ ca }` or `{ rejectUnauthorized: false }`; `servername` defaults to none for IPs. */
  tls?: ConnectionOptions;
  timeoutMs?: number;
}

export interface StunResponse {
  /** A success or an error response. */
  kind: 'success' | 'error';
  /** The error's code (401, 403, 438...), undefined on success. */
  code: number | undefined;
  reason: string;
  attributes: Map<number, Buffer>;
}

export interface Address {
  address: string;
  port: number;
}

/** Thrown when a request is answered with an error response. */
export class TurnError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    method: string,
  ) {
    super(`${method} refused: ${code} ${reason}`);
  }
}

export class TurnClient {
  private realm: string | undefined;
  private nonce: string | undefined;
  private key: Buffer | undefined;
  private username: string | undefined;
  private readonly pending = new Map<string, (response: StunResponse) => void>();
  private streamBuffer: Buffer<ArrayBufferLike> = Buffer.alloc(0);

  private constructor(
    private readonly send: (message: Buffer) => void,
    private readonly closeTransport: () => void,
    private readonly timeoutMs: number,
  ) {}

  static async connect(options: TurnClientOptions): Promise<TurnClient> {
    const timeoutMs = options.timeoutMs ?? 3_000;
    if (options.transport === 'udp') {
      const socket: UdpSocket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
      const client = new TurnClient((m) => socket.send(m, options.port, options.host), () => socket.close(), timeoutMs);
      socket.on('message', (m) => client.onMessage(m));
      return client;
    }
    const socket: TcpSocket = await new Promise((resolve, reject) => {
      const s =
        options.transport === 'tls'
          ? tlsConnect({ host: options.host, port: options.port, ...options.tls }, () => resolve(s))
          : tcpConnect({ host: options.host, port: options.port }, () => resolve(s));
      s.once('error', reject);
    });
    const client = new TurnClient((m) => socket.write(m), () => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => client.onStream(chunk));
    socket.on('error', () => undefined);
    return client;
  }

  /**
   * Allocates a UDP relay with `username`/`password`: the unauthenticated request gets 401 with the
   * realm and a nonce, the second carries MESSAGE-INTEGRITY. A 438 (stale nonce) is retried once
   * with the new nonce, as RFC 5389 says. Resolves with the relayed address; rejects with TurnError.
   */
  async allocate(username: string, password: string): Promise<{ relayed: Address; mapped: Address | undefined; lifetime: number }> {
    const first = await this.request(StunMethod.Allocate, [requestedTransportUdp()], false);
    if (first.kind === 'success') throw new Error('the server allocated without credentials');
    if (first.code !== 401) throw new TurnError(first.code ?? 0, first.reason, 'Allocate');
    this.learnChallenge(first);
    this.username = username;
    this.key = createHash('md5').update(`${username}:${this.realm}:${password}`).digest();
    let response = await this.request(StunMethod.Allocate, [requestedTransportUdp()], true);
    if (response.kind === 'error' && response.code === 438) {
      this.learnChallenge(response);
      response = await this.request(StunMethod.Allocate, [requestedTransportUdp()], true);
    }
    if (response.kind === 'error') throw new TurnError(response.code ?? 0, response.reason, 'Allocate');
    const relayed = response.attributes.get(Attr.XorRelayedAddress);
    if (!relayed) throw new Error('Allocate success without XOR-RELAYED-ADDRESS');
    const mapped = response.attributes.get(Attr.XorMappedAddress);
    const lifetime = response.attributes.get(Attr.Lifetime)?.readUInt32BE(0) ?? 0;
    return { relayed: decodeXorAddress(relayed), mapped: mapped ? decodeXorAddress(mapped) : undefined, lifetime };
  }

  /** Asks the relay to accept traffic from `peer` (after allocate). Rejects with TurnError (403: peer denied). */
  async createPermission(peer: string): Promise<void> {
    const response = await this.request(StunMethod.CreatePermission, [encodeXorAddress(Attr.XorPeerAddress, peer, 0)], true);
    if (response.kind === 'error') throw new TurnError(response.code ?? 0, response.reason, 'CreatePermission');
  }

  close(): void {
    for (const resolve of this.pending.values()) resolve({ kind: 'error', code: 0, reason: 'closed', attributes: new Map() });
    this.pending.clear();
    this.closeTransport();
  }

  private learnChallenge(response: StunResponse): void {
    this.realm = response.attributes.get(Attr.Realm)?.toString('utf8');
    this.nonce = response.attributes.get(Attr.Nonce)?.toString('utf8');
    if (this.realm === undefined || this.nonce === undefined) throw new Error(`${response.code} without REALM and NONCE`);
  }

  private request(method: number, attributes: Buffer[], authenticated: boolean): Promise<StunResponse> {
    const transactionId = randomBytes(12);
    const all = [...attributes];
    if (authenticated) {
      all.push(attribute(Attr.Username, Buffer.from(this.username!)), attribute(Attr.Realm, Buffer.from(this.realm!)), attribute(Attr.Nonce, Buffer.from(this.nonce!)));
    }
    let message: Buffer = Buffer.concat([header(method, 0, transactionId), ...all]);
    if (authenticated) message = withIntegrity(message, this.key!);
    else message.writeUInt16BE(message.length - HEADER, 2);
    return new Promise((resolve, reject) => {
      const id = transactionId.toString('hex');
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to TURN method 0x${method.toString(16)} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.send(message);
    });
  }

  private onStream(chunk: Buffer): void {
    this.streamBuffer = Buffer.concat([this.streamBuffer, chunk]);
    while (this.streamBuffer.length >= HEADER) {
      const total = HEADER + this.streamBuffer.readUInt16BE(2);
      if (this.streamBuffer.length < total) return;
      this.onMessage(this.streamBuffer.subarray(0, total));
      this.streamBuffer = this.streamBuffer.subarray(total);
    }
  }

  private onMessage(message: Buffer): void {
    if (message.length < HEADER || message.readUInt32BE(4) !== MAGIC_COOKIE) return;
    const id = message.subarray(8, 20).toString('hex');
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    const type = message.readUInt16BE(0);
    const klass = ((type >> 7) & 0x2) | ((type >> 4) & 0x1); // 2 = success, 3 = error
    const attributes = parseAttributes(message);
    const error = attributes.get(Attr.ErrorCode);
    const code = error ? (error[2]! & 0x7) * 100 + error[3]! : undefined;
    resolve({ kind: klass === 2 ? 'success' : 'error', code, reason: error ? error.subarray(4).toString('utf8') : '', attributes });
  }
}

function header(method: number, length: number, transactionId: Buffer): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(method & 0x3eef, 0); // class bits 0: a request
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(h, 8);
  return h;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function requestedTransportUdp(): Buffer {
  return attribute(Attr.RequestedTransport, Buffer.from([17, 0, 0, 0]));
}

/** MESSAGE-INTEGRITY: HMAC-SHA1 over the message with its length already counting the attribute. */
function withIntegrity(message: Buffer, key: Buffer): Buffer {
  message.writeUInt16BE(message.length - HEADER + 24, 2);
  const mac = createHmac('sha1', key).update(message).digest();
  return Buffer.concat([message, attribute(Attr.MessageIntegrity, mac)]);
}

function parseAttributes(message: Buffer): Map<number, Buffer> {
  const attributes = new Map<number, Buffer>();
  const end = Math.min(message.length, HEADER + message.readUInt16BE(2));
  for (let offset = HEADER; offset + 4 <= end; ) {
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    if (!attributes.has(type)) attributes.set(type, message.subarray(offset + 4, offset + 4 + length));
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return attributes;
}

function decodeXorAddress(value: Buffer): Address {
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  if (value[1] === 0x01) {
    const ip = value.readUInt32BE(4) ^ MAGIC_COOKIE;
    return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port };
  }
  return { address: 'ipv6', port };
}

function encodeXorAddress(type: number, ipv4: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const ip = ipv4.split('.').reduce((n, part) => (n << 8) | Number(part), 0) >>> 0;
  value.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return attribute(type, value);
}
