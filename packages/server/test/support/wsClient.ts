import { ClientHeartbeat, DEFAULT_HEARTBEAT_MS, isHeartbeatPong } from '@confab/loadtest';
import { decodeServerMessage, type ServerMessage } from '@confab/protocol';
import { WebSocket, type ClientOptions } from 'ws';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A bare signaling client that validates everything the server sends and lets tests await messages. */
export class WsClient {
  readonly received: ServerMessage[] = [];
  readonly invalid: string[] = [];
  private waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  closeCode: number | undefined;
  /** Highest `seq` received (what a resume asks to replay after). */
  lastSeq = 0;
  private readonly closedPromise: Promise<number>;
  private readonly heartbeat = new ClientHeartbeat(
    (frame) => this.socket.readyState === WebSocket.OPEN && this.socket.send(frame),
    () => this.lastSeq,
  );

  private constructor(
    readonly socket: WebSocket,
    /** undefined: silent. */
    heartbeatMs: number | undefined,
  ) {
    const silent = heartbeatMs === undefined;
    if (!silent) this.heartbeat.every(heartbeatMs);
    socket.on('message', (data) => {
      this.heartbeat.heard();
      const decoded = decodeServerMessage(String(data));
      if (!decoded.ok) return void this.invalid.push(String(data));
      if (decoded.seq !== undefined) this.lastSeq = decoded.seq;
      const message = decoded.message;
      // The answers to our own heartbeat are not what tests wait for.
      if (isHeartbeatPong(message)) return;
      if (message.type === 'joined' && !silent) this.heartbeat.every(message.session.heartbeatIntervalMs);
      this.received.push(decoded.message);
      this.waiters = this.waiters.filter((w) => (w.match(decoded.message) ? (w.resolve(decoded.message), false) : true));
    });
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.heartbeat.stop();
        resolve((this.closeCode = code));
      }),
    );
  }

  /** From now on the client says nothing unasked, as when its network vanishes. */
  stopHeartbeat(): void {
    this.heartbeat.stop();
  }

  /**
   * `options` as for ws, e.g. `origin` (the Origin header), `localAddress` (the address to connect
   * from), plus `silent: true` for a client that never pings, like one whose network vanished.
   * Otherwise it pings like the SDK: every `heartbeatMs` (default 1 s) until `joined` says how often.
   */
  static async open(url: string, options: ClientOptions & { silent?: boolean; heartbeatMs?: number } = {}): Promise<WsClient> {
    const { silent = false, heartbeatMs = DEFAULT_HEARTBEAT_MS, ...wsOptions } = options;
    const socket = new WebSocket(url, wsOptions);
    // Listen before the socket opens: a server may send right after the handshake, in the same read.
    const client = new WsClient(socket, silent ? undefined : heartbeatMs);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (already received or future) of `type` that matches. */
  next<T extends ServerMessage['type']>(type: T, match: (m: Of<T>) => boolean = () => true, timeoutMs = 5000): Promise<Of<T>> {
    const test = (m: ServerMessage): boolean => m.type === type && match(m as Of<T>);
    const seen = this.received.find(test);
    if (seen) return Promise.resolve(seen as Of<T>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got ${this.received.map((m) => m.type).join(',')}`)), timeoutMs);
      this.waiters.push({ match: test, resolve: (m) => (clearTimeout(timer), resolve(m as Of<T>)) });
    });
  }

  all<T extends ServerMessage['type']>(type: T): Of<T>[] {
    return this.received.filter((m): m is Of<T> => m.type === type);
  }

  async join(room: string, name: string, id = 1): Promise<Of<'joined'>> {
    this.send({ type: 'join', id, v: 1, room, name });
    const reply = await Promise.race([this.next('joined', (m) => m.id === id), this.next('error', (m) => m.id === id)]);
    if (reply.type === 'error') throw new Error(`join failed: ${reply.code} ${reply.message}`);
    return reply;
  }

  closed(): Promise<number> {
    return this.closedPromise;
  }

  close(): void {
    this.socket.close();
  }
}
