import {
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type MessageOf,
  type ServerMessage,
} from '@confab/protocol';
import { ConfabError } from './errors';
import { TypedEmitter } from './TypedEmitter';

/** Client messages that can carry a request id (everything but `candidate`). */
export type RequestType = Exclude<ClientMessage['type'], 'candidate'>;
/** A request as the caller writes it; SignalClient adds the id. */
export type Request<T extends RequestType> = Omit<MessageOf<ClientMessage, T>, 'id'> & { type: T };

type ReplyType<T extends RequestType> = T extends 'join'
  ? 'joined'
  : T extends 'offer'
    ? 'answer'
    : T extends 'ping'
      ? 'pong'
      : 'ack';
/** The specific reply the server sends for a request of type T (docs/protocol.md "Requests and replies"). */
export type Reply<T extends RequestType> = MessageOf<ServerMessage, ReplyType<T>>;

type ReplyMessage = MessageOf<ServerMessage, 'joined' | 'answer' | 'pong' | 'ack'>;

function replyTypeOf(type: RequestType): ReplyMessage['type'] {
  switch (type) {
    case 'join':
      return 'joined';
    case 'offer':
      return 'answer';
    case 'ping':
      return 'pong';
    default:
      return 'ack';
  }
}

function isReply(message: ServerMessage): message is ReplyMessage {
  return message.type === 'joined' || message.type === 'answer' || message.type === 'pong' || message.type === 'ack';
}

interface PendingRequest {
  readonly type: RequestType;
  readonly expect: ReplyMessage['type'];
  readonly resolve: (reply: ReplyMessage) => void;
  readonly reject: (error: ConfabError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export interface SignalClientOptions {
  /** WebSocket implementation; defaults to the global one. */
  WebSocket?: typeof WebSocket;
  /** Default time a request waits for its reply. */
  requestTimeoutMs?: number;
}

export interface SignalClientEvents {
  /** A valid server message that is not a reply to one of our requests. */
  message: [message: ServerMessage];
  /** A frame that failed validation (already answered to its request if it had a readable id). */
  error: [error: ConfabError];
  /** The socket closed; emitted once. */
  close: [reason: string];
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The signaling channel: one WebSocket, JSON frames. Every incoming frame is decoded and
 * validated here; requests get ids, replies are matched to them by id, and pending requests are
 * rejected when the socket closes (after mediasoup's Channel).
 */
export class SignalClient extends TypedEmitter<SignalClientEvents> {
  private readonly socket: WebSocket;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly requestTimeoutMs: number;
  private nextId = 1;
  private closedReason: string | undefined;

  constructor(url: string, options: SignalClientOptions = {}) {
    super();
    const Impl = options.WebSocket ?? globalThis.WebSocket;
    if (typeof Impl !== 'function') throw ConfabError.connectionFailed('no WebSocket implementation available');
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.socket = new Impl(url);
    this.socket.addEventListener('message', (event) => this.onFrame(event.data));
    this.socket.addEventListener('close', (event) => {
      const detail = event.reason ? `: ${event.reason}` : '';
      this.onClosed(`socket closed (code ${event.code}${detail})`);
    });
  }

  /** True until the socket closes (or `close()` is called). */
  get isOpen(): boolean {
    return this.closedReason === undefined && this.socket.readyState === WS_OPEN;
  }

  /** Resolves once the socket is open; rejects on error, close or after `timeoutMs`. */
  opened(timeoutMs: number): Promise<void> {
    if (this.socket.readyState === WS_OPEN) return Promise.resolve();
    if (this.socket.readyState !== WS_CONNECTING) return Promise.reject(ConfabError.connectionFailed('socket is closed'));
    return new Promise((resolve, reject) => {
      const done = (error?: ConfabError): void => {
        clearTimeout(timer);
        this.socket.removeEventListener('open', onOpen);
        this.socket.removeEventListener('error', onError);
        this.socket.removeEventListener('close', onError);
        if (error) reject(error);
        else resolve();
      };
      const onOpen = (): void => done();
      const onError = (): void => done(ConfabError.connectionFailed('could not open the signaling connection'));
      const timer = setTimeout(() => {
        done(ConfabError.timeout('opening the signaling connection'));
        this.close('connect timeout');
      }, timeoutMs);
      this.socket.addEventListener('open', onOpen);
      this.socket.addEventListener('error', onError);
      this.socket.addEventListener('close', onError);
    });
  }

  /**
   * Sends `message` with a fresh id and resolves with its reply (`joined`, `answer`, `pong` or
   * `ack`); rejects with the server's `error`, with `timeout`, or with `closed`.
   */
  request<T extends RequestType>(message: Request<T>, timeoutMs = this.requestTimeoutMs): Promise<Reply<T>> {
    const id = this.nextId++;
    const type: RequestType = message.type;
    return new Promise<Reply<T>>((resolve, reject) => {
      try {
        this.write({ ...message, id } as ClientMessage);
      } catch (error) {
        reject(ConfabError.wrap(error));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(ConfabError.timeout(`${type} request`));
      }, timeoutMs);
      this.pending.set(id, {
        type,
        expect: replyTypeOf(type),
        resolve: resolve as (reply: ReplyMessage) => void,
        reject,
        timer,
      });
    });
  }

  /** Sends a message that expects no reply (candidates). Throws `closed` if the socket is not open. */
  send(message: ClientMessage): void {
    this.write(message);
  }

  /** Closes the socket; pending requests are rejected with `closed`. Idempotent. */
  close(reason = 'closed by client'): void {
    if (this.closedReason !== undefined) return;
    try {
      this.socket.close(1000, reason.slice(0, 120));
    } catch {
      // already closing
    }
    this.onClosed(reason);
  }

  private write(message: ClientMessage): void {
    if (!this.isOpen) throw ConfabError.closed(this.closedReason ?? 'signaling connection is not open');
    this.socket.send(encodeMessage(message));
  }

  private onFrame(data: unknown): void {
    if (this.closedReason !== undefined) return;
    if (typeof data !== 'string') {
      this.safeEmit('error', ConfabError.invalid('binary frame from server ignored'));
      return;
    }
    const decoded = decodeServerMessage(data);
    if (!decoded.ok) {
      const error = ConfabError.fromServer(decoded.error.code, `invalid message from server: ${decoded.error.message}`);
      if (decoded.id !== undefined && this.settle(decoded.id, (p) => p.reject(error))) return;
      this.safeEmit('error', error);
      return;
    }
    const message = decoded.message;
    if (message.type === 'error' && message.id !== undefined) {
      const error = ConfabError.fromServer(message.code, message.message);
      if (this.settle(message.id, (p) => p.reject(error))) return;
    } else if (isReply(message) && message.id !== undefined) {
      const id = message.id;
      this.settle(id, (p) => {
        if (message.type === p.expect) p.resolve(message);
        else p.reject(ConfabError.fromServer('internal', `expected "${p.expect}" in reply to "${p.type}", got "${message.type}"`));
      });
      return; // replies to unknown (e.g. timed-out) requests are dropped
    }
    this.safeEmit('message', message);
  }

  /** Removes pending request `id` and hands it to `fn`; false if there was none. */
  private settle(id: number, fn: (pending: PendingRequest) => void): boolean {
    const pending = this.pending.get(id);
    if (!pending) return false;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    fn(pending);
    return true;
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const error = ConfabError.closed(reason);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    this.safeEmit('close', reason);
  }
}
