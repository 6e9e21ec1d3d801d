import {
  decodeServerMessage,
  encodeHeartbeatPing,
  encodeMessage,
  heartbeatReplyWaitMs,
  heartbeatWantsReply,
  SessionCloseCode,
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
  : T extends 'resume'
    ? 'resumed'
  : T extends 'ice_servers'
    ? 'ice_servers'
  : T extends 'offer'
    ? 'answer'
    : T extends 'ping'
      ? 'pong'
      : 'ack';
/** The specific reply the server sends for a request of type T (docs/protocol.md "Requests and replies"). */
export type Reply<T extends RequestType> = MessageOf<ServerMessage, ReplyType<T>>;

type ReplyMessage = MessageOf<ServerMessage, 'joined' | 'resumed' | 'ice_servers' | 'answer' | 'pong' | 'ack'>;

function replyTypeOf(type: RequestType): ReplyMessage['type'] {
  switch (type) {
    case 'join':
      return 'joined';
    case 'resume':
      return 'resumed';
    case 'ice_servers':
      return 'ice_servers';
    case 'offer':
      return 'answer';
    case 'ping':
      return 'pong';
    default:
      return 'ack';
  }
}

function isReply(message: ServerMessage): message is ReplyMessage {
  return message.type === 'joined' || message.type === 'resumed' || message.type === 'ice_servers' || message.type === 'answer' || message.type === 'pong' || message.type === 'ack';
}

interface PendingRequest {
  readonly id: number;
  readonly type: RequestType;
  readonly message: ClientMessage;
  readonly expect: ReplyMessage['type'];
  readonly timeoutMs: number;
  readonly resolve: (reply: ReplyMessage) => void;
  readonly reject: (error: ConfabError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Written to some socket; false while it waits in the outbox. */
  written: boolean;
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
  /**
   * The socket closed or went silent. In resumable mode pending requests wait (call `reconnect()`);
   * otherwise they are rejected and the client is closed for good. Emitted once per socket.
   */
  close: [reason: string, code: number];
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Requests that make no sense on a resumed session: pings, and answers to offers a restart replaces. */
const DROPPED_ON_RESUME: ReadonlySet<RequestType> = new Set(['ping', 'answer']);
/**
 * Requests about peer connections that a media reset (`resumed.mediaReset`) replaces: they fail, and
 * publishing every track again on the new connections takes their place.
 */
const BOUND_TO_PEERS: ReadonlySet<RequestType> = new Set(['offer', 'answer', 'publish', 'restart_ice']);
/** Requests that mean the same in a brand-new session, so they survive a full rejoin if never sent. */
const KEPT_ON_REJOIN: ReadonlySet<RequestType> = new Set(['chat', 'status']);

/** A timer this late found the thread busy: messages that arrived meanwhile may still be queued. */
const LATE_TIMER_MS = 100;

/**
 * The signaling channel: JSON frames over one WebSocket at a time. Every incoming frame is decoded
 * and validated here; requests get ids, replies are matched to them by id (after mediasoup's
 * Channel). Once `resumable`, a lost socket does not fail requests: they wait in an outbox, and
 * after `reconnect()` plus a resume they are resent once, in order (docs/protocol.md "Resume").
 */
export class SignalClient extends TypedEmitter<SignalClientEvents> {
  private socket: WebSocket;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly requestTimeoutMs: number;
  private readonly Impl: typeof WebSocket;
  private nextId = 1;
  private closedReason: string | undefined;
  /** True between a lost socket and the end of a resume or rejoin: requests queue. */
  private suspended = false;
  /** Set once joined: a lost socket suspends instead of closing. */
  resumable = false;
  /** Highest `seq` received: what a resume asks the server to replay after. */
  private seq = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Armed by a ping that asked for a reply: the server counts as lost if nothing arrives first. */
  private replyTimer: ReturnType<typeof setTimeout> | undefined;
  private lastHeard = Date.now();

  constructor(
    private readonly url: string,
    options: SignalClientOptions = {},
  ) {
    super();
    const Impl = options.WebSocket ?? globalThis.WebSocket;
    if (typeof Impl !== 'function') throw ConfabError.connectionFailed('no WebSocket implementation available');
    this.Impl = Impl;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.socket = this.openSocket();
  }

  /** True while a socket is open and not suspended (until `close()`). */
  get isOpen(): boolean {
    return this.closedReason === undefined && !this.suspended && this.socket.readyState === WS_OPEN;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Resolves once the current socket is open; rejects on error, close or after `timeoutMs`. */
  opened(timeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (socket.readyState === WS_OPEN) return Promise.resolve();
    if (socket.readyState !== WS_CONNECTING) return Promise.reject(ConfabError.connectionFailed('socket is closed'));
    return new Promise((resolve, reject) => {
      const done = (error?: ConfabError): void => {
        clearTimeout(timer);
        socket.removeEventListener('open', onOpen);
        socket.removeEventListener('error', onError);
        socket.removeEventListener('close', onError);
        if (error) reject(error);
        else resolve();
      };
      const onOpen = (): void => done();
      const onError = (): void => done(ConfabError.connectionFailed('could not open the signaling connection'));
      const timer = setTimeout(() => {
        done(ConfabError.timeout('opening the signaling connection'));
        if (this.resumable) this.dropSocket('connect timeout');
        else this.close('connect timeout');
      }, timeoutMs);
      socket.addEventListener('open', onOpen);
      socket.addEventListener('error', onError);
      socket.addEventListener('close', onError);
    });
  }

  /**
   * Sends `message` with a fresh id and resolves with its reply (`joined`, `answer`, `pong` or
   * `ack`); rejects with the server's `error`, with `timeout`, or with `closed`. While suspended
   * it waits in the outbox, and its timeout starts when it is written.
   */
  request<T extends RequestType>(message: Request<T>, timeoutMs = this.requestTimeoutMs): Promise<Reply<T>> {
    return this.enqueue(message, timeoutMs, false);
  }

  /** Like `request`, but written now even while suspended: the `resume` or `join` that ends a suspension. */
  handshake<T extends 'join' | 'resume'>(message: Request<T>, timeoutMs = this.requestTimeoutMs): Promise<Reply<T>> {
    return this.enqueue(message, timeoutMs, true);
  }

  /** Sends a message that expects no reply (candidates). Throws `closed` if the socket is not open. */
  send(message: ClientMessage): void {
    if (!this.isOpen) throw ConfabError.closed(this.closedReason ?? 'signaling connection is not open');
    this.socket.send(encodeMessage(message));
  }

  /**
   * Pings every `intervalMs`, acknowledging `lastSeq`. A ping asks for a `pong` only when nothing
   * came from the server since the previous ping (every other ping of an idle session): each pong
   * is a frame the server pays for. A ping that asked and hears nothing for heartbeatReplyWaitMs drops the socket,
   * so a lost network shows within `timeoutMs` + 3/8 interval (4.75 s at the defaults).
   */
  startHeartbeat(intervalMs: number, timeoutMs: number, serverPings = false): void {
    clearInterval(this.heartbeat);
    this.lastHeard = Date.now();
    if (serverPings) return this.watchServerHeartbeat(intervalMs, timeoutMs);
    let previousPingAt = this.lastHeard;
    const replyWaitMs = heartbeatReplyWaitMs(intervalMs, timeoutMs);
    this.heartbeat = setInterval(() => {
      if (this.closedReason !== undefined || this.suspended || this.socket.readyState !== WS_OPEN) return;
      const now = Date.now();
      const reply = heartbeatWantsReply(this.lastHeard, previousPingAt);
      previousPingAt = now;
      this.socket.send(encodeHeartbeatPing(this.seq, reply));
      if (reply) this.awaitReply(now, replyWaitMs);
    }, intervalMs);
    // In Node (tests, headless clients) a heartbeat alone must not keep the process alive.
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  /**
   * The server keeps the heartbeat (`joined.session.serverPings`): it sends a frame at least every
   * `intervalMs` and learns of our loss from TCP, so an idle client sends nothing and only counts
   * the server lost after `timeoutMs` without a frame. Checked four times an interval: a loss shows
   * within `timeoutMs + intervalMs / 4` (4.5 s at the defaults). A check that comes late (a busy or
   * throttled page) only shows it later: what counts is the time since the last frame. Messages
   * received are still acknowledged, at most once an interval (a ping that asks for no reply), so
   * that the server can drop them from the session's replay buffer.
   */
  private watchServerHeartbeat(intervalMs: number, timeoutMs: number): void {
    let acknowledged = this.seq;
    let acknowledgedAt = Date.now();
    this.heartbeat = setInterval(() => {
      if (this.closedReason !== undefined || this.suspended || this.socket.readyState !== WS_OPEN) return;
      const now = Date.now();
      const silentMs = now - this.lastHeard;
      if (silentMs > timeoutMs) return this.dropSocket(`no word from the server for ${silentMs} ms`);
      if (this.seq !== acknowledged && now - acknowledgedAt >= intervalMs) {
        acknowledged = this.seq;
        acknowledgedAt = now;
        this.socket.send(encodeHeartbeatPing(this.seq, false));
      }
    }, intervalMs / 4);
    (this.heartbeat as { unref?: () => void }).unref?.();
  }

  /** Opens a new socket to the same server after a loss; requests stay queued until `resumed`/`rejoined`. */
  reconnect(timeoutMs: number): Promise<void> {
    if (this.closedReason !== undefined) return Promise.reject(ConfabError.closed(this.closedReason));
    this.dropSocket('reconnecting');
    this.socket = this.openSocket();
    return this.opened(timeoutMs);
  }

  /**
   * The session is back: replies to requests the server already did (id <= lastRequestId) come in
   * its replay; later ones are written again, once, in order. `mediaReset`: the server's media is
   * new, so requests about the old peer connections fail instead.
   */
  resumed(lastRequestId: number, mediaReset = false): void {
    this.suspended = false;
    for (const pending of [...this.pending.values()]) {
      if (DROPPED_ON_RESUME.has(pending.type)) this.fail(pending, ConfabError.closed('superseded by a reconnect'));
      else if (mediaReset && BOUND_TO_PEERS.has(pending.type)) this.fail(pending, ConfabError.closed('the media connections were replaced'));
      else if (pending.written && pending.id <= lastRequestId) this.startTimer(pending);
      else this.write(pending);
    }
  }

  /**
   * A new session replaced the lost one: chat and status never sent go out now; everything else
   * belonged to the old session and fails with `closed`.
   */
  rejoined(): void {
    this.suspended = false;
    this.seq = 0;
    for (const pending of [...this.pending.values()]) {
      if (pending.type === 'join') continue;
      if (!pending.written && KEPT_ON_REJOIN.has(pending.type)) this.write(pending);
      else this.fail(pending, ConfabError.closed('the session was lost before the server confirmed this'));
    }
  }

  /** Closes for good; pending requests are rejected with `closed`. Idempotent. */
  close(reason = 'closed by client'): void {
    if (this.closedReason !== undefined) return;
    try {
      this.socket.close(1000, reason.slice(0, 120));
    } catch {
      // already closing
    }
    this.finish(reason, 1000);
  }

  private enqueue<T extends RequestType>(message: Request<T>, timeoutMs: number, now: boolean): Promise<Reply<T>> {
    if (this.closedReason !== undefined) return Promise.reject(ConfabError.closed(this.closedReason));
    const id = this.nextId++;
    const type: RequestType = message.type;
    return new Promise<Reply<T>>((resolve, reject) => {
      const pending: PendingRequest = {
        id,
        type,
        message: { ...message, id } as ClientMessage,
        expect: replyTypeOf(type),
        timeoutMs,
        resolve: resolve as (reply: ReplyMessage) => void,
        reject,
        timer: undefined,
        written: false,
      };
      if (!this.suspended || now) {
        if (this.socket.readyState !== WS_OPEN) {
          reject(ConfabError.closed('signaling connection is not open'));
          return;
        }
        this.pending.set(id, pending);
        this.write(pending);
      } else {
        this.pending.set(id, pending);
      }
    });
  }

  private write(pending: PendingRequest): void {
    try {
      this.socket.send(encodeMessage(pending.message));
      pending.written = true;
      this.startTimer(pending);
    } catch (error) {
      this.fail(pending, ConfabError.wrap(error));
    }
  }

  private startTimer(pending: PendingRequest): void {
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.fail(pending, ConfabError.timeout(`${pending.type} request`)), pending.timeoutMs);
  }

  private fail(pending: PendingRequest, error: ConfabError): void {
    if (this.settle(pending.id)) pending.reject(error);
  }

  private openSocket(): WebSocket {
    const socket = new this.Impl(this.url);
    socket.addEventListener('message', (event) => {
      if (socket === this.socket) this.onFrame(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket) return; // an old socket we replaced
      const detail = event.reason ? `: ${event.reason}` : '';
      this.onSocketClosed(`socket closed (code ${event.code}${detail})`, event.code);
    });
    return socket;
  }

  /**
   * Drops the socket unless the server says anything within `waitMs` of `askedAt`. A timer that
   * fires late found this thread busy (a long task, a throttled background tab): the reply may be
   * queued behind it, so it is given one more turn of the event loop before the verdict.
   */
  private awaitReply(askedAt: number, waitMs: number): void {
    clearTimeout(this.replyTimer);
    const socket = this.socket;
    const unanswered = (): boolean => socket === this.socket && this.lastHeard < askedAt && this.closedReason === undefined && !this.suspended;
    const arm = (delayMs: number, verdict: () => void): void => {
      this.replyTimer = setTimeout(verdict, delayMs);
      (this.replyTimer as { unref?: () => void }).unref?.();
    };
    arm(waitMs, () => {
      if (!unanswered()) return;
      const late = Date.now() - askedAt - waitMs > LATE_TIMER_MS;
      if (!late) {
        this.dropSocket(`no word from the server ${waitMs} ms after a ping`);
        return;
      }
      arm(LATE_TIMER_MS, () => {
        if (unanswered()) this.dropSocket(`no word from the server ${waitMs} ms after a ping`);
      });
    });
  }

  /** Abandons the current socket (silent server, reconnect) as if it had closed. */
  private dropSocket(reason: string): void {
    const socket = this.socket;
    const wasCurrent = socket.readyState === WS_OPEN || socket.readyState === WS_CONNECTING;
    try {
      socket.close(SessionCloseCode.Reconnecting, reason.slice(0, 120));
    } catch {
      // already closing
    }
    if (wasCurrent && !this.suspended) this.onSocketClosed(reason, SessionCloseCode.Reconnecting);
  }

  private onSocketClosed(reason: string, code: number): void {
    if (this.closedReason !== undefined) return;
    if (!this.resumable) {
      this.finish(reason, code);
      return;
    }
    if (this.suspended) return; // a reconnect attempt's socket failed: the reconnector retries
    this.suspended = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.timer = undefined;
    }
    this.safeEmit('close', reason, code);
  }

  private onFrame(data: unknown): void {
    if (this.closedReason !== undefined) return;
    this.lastHeard = Date.now();
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
    if (decoded.seq !== undefined) {
      if (decoded.seq <= this.seq) return; // replayed twice: already handled
      this.seq = decoded.seq;
    }
    const message = decoded.message;
    if (message.type === 'waiting') this.holdJoins();
    if (message.type === 'error' && message.id !== undefined) {
      const error = ConfabError.fromServer(message.code, message.message, message.reason);
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

  /**
   * A join waits in the room's lobby until a moderator decides, which may take minutes: no timeout
   * from now on. The join still fails if the socket closes.
   */
  private holdJoins(): void {
    for (const pending of this.pending.values()) {
      if (pending.type !== 'join') continue;
      clearTimeout(pending.timer);
      pending.timer = undefined;
    }
  }

  /** Removes pending request `id` and hands it to `fn`; false if there was none. */
  private settle(id: number, fn?: (pending: PendingRequest) => void): boolean {
    const pending = this.pending.get(id);
    if (!pending) return false;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    fn?.(pending);
    return true;
  }

  private finish(reason: string, code: number): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    clearInterval(this.heartbeat);
    clearTimeout(this.replyTimer);
    const error = ConfabError.closed(reason);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    this.safeEmit('close', reason, code);
  }
}
