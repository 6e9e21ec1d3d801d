import { decodeServerMessage, encodeMessage, type ClientMessage, type ServerMessage } from '@confab/protocol';
import WebSocket from 'ws';
import { TimeoutError, withTimeout } from './time';
import { ClientHeartbeat, DEFAULT_HEARTBEAT_MS, isHeartbeatPong } from './ClientHeartbeat';

/** A client message without its request id (the channel assigns one). */
export type ClientRequest = ClientMessage extends infer M ? (M extends ClientMessage ? Omit<M, 'id'> : never) : never;

/** The server rejected a request with `error {id, code, message}`. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Pending {
  resolve(message: ServerMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The signaling WebSocket: JSON frames validated with the protocol package, requests with ids
 * answered exactly once (docs/protocol.md "Requests and replies"). Every request has a time limit;
 * pending ones are rejected when the socket closes.
 */
export class SignalChannel {
  /** Server messages that are not replies to one of our requests. */
  onMessage: (message: ServerMessage) => void = () => undefined;
  /** Frames that failed validation, and socket errors. */
  onError: (error: Error) => void = () => undefined;
  onClose: (code: number) => void = () => undefined;
  /** The highest `seq` received: what a resume asks the server to replay after. */
  lastSeq = 0;
  /**
   * Message types only counted (their `seq`), never parsed or validated: a load generator's
   * subscribers in a room of thousands get everyone's presence, and validating it all costs the
   * generator more than the media it counts.
   */
  skipTypes: ReadonlySet<string> = new Set();

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The heartbeat `joined` asked for; until then, DEFAULT_HEARTBEAT_MS pings. */
  private heartbeatTiming: { intervalMs: number; serverPings: boolean } | undefined;
  private readonly heartbeat = new ClientHeartbeat(
    (frame) => this.open && this.ws.send(frame),
    () => this.lastSeq,
  );

  private constructor(
    private readonly ws: WebSocket,
    private readonly requestTimeoutMs: number,
  ) {
    this.heartbeat.every(DEFAULT_HEARTBEAT_MS);
    ws.on('close', () => this.heartbeat.stop());
    ws.on('message', (data, isBinary) => {
      this.heartbeat.heard();
      if (isBinary) return this.onError(new Error('binary frame from server'));
      this.receive(data.toString());
    });
    ws.on('error', (error) => this.onError(error));
    ws.on('close', (code) => {
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(new Error(`socket closed (${code}) before reply to request ${id}`));
      }
      this.pending.clear();
      this.onClose(code);
    });
  }

  static async connect(url: string, timeoutMs = 10_000, requestTimeoutMs = 15_000): Promise<SignalChannel> {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      timeoutMs,
      `connect ${url}`,
    ).catch((error: unknown) => {
      ws.terminate();
      throw error;
    });
    return new SignalChannel(ws, requestTimeoutMs);
  }

  /**
   * This channel resumes `previous`'s session: request ids go on from its (the server ignores ids
   * it has already seen), and replayed messages it had received are dropped.
   */
  continueFrom(previous: SignalChannel): void {
    this.nextId = Math.max(this.nextId, previous.nextId);
    this.lastSeq = previous.lastSeq;
    // The session's heartbeat, as `joined` set it (a resume brings no new `joined`).
    if (previous.heartbeatTiming) this.keepHeartbeat(previous.heartbeatTiming.intervalMs, previous.heartbeatTiming.serverPings);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends without an id: no reply expected. */
  send(message: ClientRequest): void {
    if (!this.open) return;
    this.ws.send(encodeMessage(message as ClientMessage));
  }

  /** Sends with a fresh id and resolves with the reply (`error` replies reject with RequestError). */
  request(message: ClientRequest): Promise<ServerMessage> {
    if (!this.open) return Promise.reject(new Error(`socket not open for ${message.type}`));
    const id = this.nextId++;
    return new Promise<ServerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(`${message.type} request ${id}: no reply after ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(encodeMessage({ ...message, id } as ClientMessage));
    });
  }

  /** Closes the socket; resolves once closed (or after `timeoutMs`, then terminates). */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(1000);
    await withTimeout(closed, timeoutMs, 'websocket close').catch(() => this.ws.terminate());
  }

  /** Pings every `intervalMs`, or, when the server keeps the heartbeat, only acknowledges what arrived. */
  private keepHeartbeat(intervalMs: number, serverPings: boolean): void {
    this.heartbeatTiming = { intervalMs, serverPings };
    if (serverPings) this.heartbeat.serverKeeps(intervalMs);
    else this.heartbeat.every(intervalMs);
  }

  private receive(raw: string): void {
    if (this.skipTypes.size > 0 && this.skipped(raw)) return;
    const decoded = decodeServerMessage(raw);
    if (!decoded.ok) {
      this.onError(new Error(`invalid server frame: ${decoded.error.message}`));
      return;
    }
    if (decoded.seq !== undefined) {
      if (decoded.seq <= this.lastSeq) return; // replayed, but seen already
      this.lastSeq = decoded.seq;
    }
    const message = decoded.message;
    if (message.type === 'joined') this.keepHeartbeat(message.session.heartbeatIntervalMs, message.session.serverPings === true);
    if (isHeartbeatPong(message)) return;
    const id = 'id' in message ? message.id : undefined;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (id !== undefined && pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      if (message.type === 'error') pending.reject(new RequestError(message.code, message.message));
      else pending.resolve(message);
      return;
    }
    this.onMessage(message);
  }

  /** A frame of a skipped type (the encoder writes `type` first and `seq` last): its seq noted, nothing else read. */
  private skipped(raw: string): boolean {
    if (!raw.startsWith(TYPE_PREFIX)) return false;
    const end = raw.indexOf('"', TYPE_PREFIX.length);
    if (end < 0 || !this.skipTypes.has(raw.slice(TYPE_PREFIX.length, end))) return false;
    const at = raw.lastIndexOf(SEQ_FIELD);
    const seq = at < 0 ? NaN : Number.parseInt(raw.slice(at + SEQ_FIELD.length), 10);
    if (seq > this.lastSeq) this.lastSeq = seq;
    return true;
  }
}

const TYPE_PREFIX = '{"type":"';
const SEQ_FIELD = '"seq":';

/** Narrows a reply to the expected type or throws. */
export function expectReply<T extends ServerMessage['type']>(
  message: ServerMessage,
  type: T,
): Extract<ServerMessage, { type: T }> {
  if (message.type !== type) throw new Error(`expected ${type}, got ${message.type}`);
  return message as Extract<ServerMessage, { type: T }>;
}
