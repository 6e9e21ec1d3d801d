import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger, type MediaLogger } from '../../logger';
import type { IcePath, PacketReceiver } from './IcePath';
import type { IceRegistry } from './IceRegistry';
import { classifyPacket, PacketKind } from './packetKind';
import { frameRfc4571, Rfc4571Reader } from './Rfc4571Reader';
import { routeStunRequest } from './stunDispatch';

export interface TcpMuxOptions {
  registry: IceRegistry;
  /** Default '0.0.0.0'; '::' listens on both families. */
  bindAddress?: string;
  /** Default 0 (the OS picks; read `port`). */
  port?: number;
  /** A connection whose checks don't validate within this time is closed. Default 10 s. */
  unvalidatedTimeoutMs?: number;
  /** Bytes queued in a connection past which outgoing packets are dropped. Default 1 MiB. */
  maxWriteBacklog?: number;
  logger?: MediaLogger;
}

export interface TcpMuxStats {
  connectionsAccepted: number;
  framesIn: number;
  /** Frames dropped on arrival: unknown ufrag, malformed, or non-STUN before validation. */
  framesDropped: number;
  framesOut: number;
  /** Outgoing frames dropped because the connection's backlog was full. */
  framesDroppedBacklog: number;
}

/**
 * ICE-TCP, passive side only (RFC 6544): the browser connects to our TCP port, every packet is
 * framed as RFC 4571 says, and the first frame is a Binding request that routes the connection
 * to its endpoint by USERNAME, as on UDP. Each connection is one path; it ends with the socket.
 */
export class TcpMux {
  readonly stats: TcpMuxStats = {
    connectionsAccepted: 0,
    framesIn: 0,
    framesDropped: 0,
    framesOut: 0,
    framesDroppedBacklog: 0,
  };
  private readonly connections = new Set<TcpPath>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly registry: IceRegistry,
    private readonly unvalidatedTimeoutMs: number,
    readonly maxWriteBacklog: number,
    private readonly logger: MediaLogger,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', (err) => this.logger.warn({ err }, 'tcp mux server error'));
  }

  static async open(options: TcpMuxOptions): Promise<TcpMux> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.bindAddress ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TcpMux(
      server,
      options.registry,
      options.unvalidatedTimeoutMs ?? 10_000,
      options.maxWriteBacklog ?? 1024 * 1024,
      options.logger ?? silentLogger,
    );
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const path of [...this.connections]) path.detach();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.closed || socket.remoteAddress === undefined || socket.remotePort === undefined) {
      socket.destroy();
      return;
    }
    this.stats.connectionsAccepted++;
    const path = new TcpPath(this, socket, socket.remoteAddress, socket.remotePort);
    this.connections.add(path);
    const timer = setTimeout(() => {
      if (path.receiver === null) path.detach();
    }, this.unvalidatedTimeoutMs);
    timer.unref();
    const reader = new Rfc4571Reader((frame) => this.onFrame(frame, path));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => {}); // 'close' follows and does the cleanup
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      this.connections.delete(path);
      path.ended();
    });
  }

  private onFrame(frame: Buffer, path: TcpPath): void {
    this.stats.framesIn++;
    const kind = classifyPacket(frame, frame.length);
    if (kind === PacketKind.Stun) {
      const routed = routeStunRequest(frame, frame.length, this.registry);
      // A connection serves one transport: the one whose ufrag its first check named.
      if (routed === null || (path.receiver !== null && (path.receiver as unknown) !== routed.handler)) {
        this.stats.framesDropped++;
        return;
      }
      routed.handler.handleStunRequest(frame, routed.msg, path);
      return;
    }
    if (path.receiver === null || kind === PacketKind.Unknown) {
      this.stats.framesDropped++;
      return;
    }
    path.receiver.receivePacket(frame, frame.length, path);
  }

  /** @internal */
  countSent(sent: boolean): void {
    if (sent) this.stats.framesOut++;
    else this.stats.framesDroppedBacklog++;
  }
}

class TcpPath implements IcePath {
  readonly protocol = 'tcp' as const;
  readonly queueAddress = null;
  receiver: PacketReceiver | null = null;
  closed = false;

  /** A frame is handed over as soon as it is read. */
  get arrivalMs(): number {
    return performance.now();
  }

  constructor(
    private readonly mux: TcpMux,
    private readonly socket: Socket,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {}

  /** A TCP frame is copied into the connection's stream at once: nothing to defer. */
  sendToSeal(): boolean {
    return false;
  }

  send(buf: Uint8Array, length: number): void {
    if (this.closed) return;
    // Media tolerates loss better than delay: past the backlog, drop instead of queueing.
    const room = this.socket.writableLength < this.mux.maxWriteBacklog;
    if (room) this.socket.write(frameRfc4571(buf, length));
    this.mux.countSent(room);
  }

  attach(receiver: PacketReceiver): void {
    if (!this.closed) this.receiver = receiver;
  }

  detach(): void {
    this.closed = true;
    this.receiver = null;
    this.socket.destroy();
  }

  /** The socket closed (end, error, timeout or detach): the owner learns the path is gone. */
  ended(): void {
    const receiver = this.receiver;
    this.closed = true;
    this.receiver = null;
    receiver?.pathClosed(this);
  }
}
