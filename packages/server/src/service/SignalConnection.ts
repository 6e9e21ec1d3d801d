import {
  decodeClientMessage,
  encodeMessage,
  PROTOCOL_VERSION,
  readHeartbeatPing,
  ProtocolError,
  ErrorCode,
  type ClientMessage,
  type MessageOf,
  type ServerMessage,
} from '@confab/protocol';
import type { WebSocket } from 'ws';
import type { RoomRouter, RoutedSession } from '../cluster/RoomRouter';
import type { SessionEndReason, SessionLink } from '../rooms/ParticipantSession';
import type { RoomCommand } from '../rooms/requests';
import type { Config } from './config';
import { CloseCode, toErrorMessage } from './errors';
import { checkInputLimits } from './inputLimits';
import type { KeepAliveFrame } from './serverHeartbeat';
import type { Logger } from './logger';
import { TokenBucket } from './TokenBucket';

/** A client that has this much unsent data queued is too slow to follow the room. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Closes after which the session waits for a resume: the connection died without a close frame
 * (1006, or our heartbeat dropped it), or the SDK dropped it itself to reconnect. Any other close
 * frame from the client (tab closed: 1001, leave: 1000, no code: 1005) is a goodbye.
 */
const LOST_CODES: ReadonlySet<number> = new Set([CloseCode.Abnormal, CloseCode.ClientReconnecting]);

type State =
  | { kind: 'idle' }
  | { kind: 'joining'; backlog: ClientMessage[]; abort: AbortController }
  | { kind: 'joined'; session: RoutedSession }
  | { kind: 'closed' };

/**
 * The edge for one WebSocket: decodes and validates every frame, rate-limits, turns failures into
 * error messages, and hands typed commands to the participant's room through the router, wherever
 * that room lives. It is the session's link while attached; a connection lost without a goodbye
 * leaves the session waiting for a resume.
 */
export class SignalConnection implements SessionLink {
  private state: State = { kind: 'idle' };
  private readonly bucket: TokenBucket;
  private invalidTimes: number[] = [];
  /** When the client was last heard from (any frame, or a pong frame from a client that sends them). */
  private lastSeen = Date.now();
  /** When we last sent the client a frame (CONFAB_HEARTBEAT=server sends one after an interval without). */
  private lastSent = Date.now();
  /** Set when we close the socket ourselves, so onClose knows why. */
  private closingCode: number | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly router: RoomRouter,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.bucket = new TokenBucket(config.messageRate, config.messageBurst);
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('pong', () => (this.lastSeen = Date.now()));
    socket.on('close', (code) => this.onClose(code));
    socket.on('error', (err) => logger.debug({ err: err.message }, 'websocket error'));
  }

  /** Tells the client the server is going away. */
  announceShutdown(seconds: number): void {
    this.send({ type: 'shutdown', seconds });
  }

  close(code: number, reason: string): void {
    this.closingCode ??= code;
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  /**
   * Called by the server's shared timer. CONFAB_HEARTBEAT=client: drops the socket if the client
   * has been silent for `heartbeatTimeoutMs` (a vanished network sends no close frame; the SDK pings
   * every `heartbeatIntervalMs`); its session then waits for a resume. Nothing is sent: the
   * client's `ping` and our `pong` are the only heartbeat. =server: sends a `pong` if nothing went
   * to the client for an interval; the kernel drops a client that stops acknowledging
   * (serverHeartbeat.ts), and the client sends nothing.
   */
  heartbeat(now: number, keepAlive: KeepAliveFrame | undefined): void {
    if (keepAlive) {
      if (now - this.lastSent >= this.config.heartbeatIntervalMs) this.sendText(keepAlive.bytes);
      return;
    }
    if (now - this.lastSeen <= this.config.heartbeatTimeoutMs || this.socket.readyState !== this.socket.OPEN) return;
    this.logger.info({ silentMs: now - this.lastSeen }, 'client silent, dropping its connection');
    this.socket.terminate();
  }

  send(message: ServerMessage, seq?: number): void {
    this.sendText(encodeMessage(message, seq));
  }

  /** One text frame, already encoded (a heartbeat's bytes are shared by every connection). */
  private sendText(text: string | Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(CloseCode.TryAgainLater, 'client too slow');
      return;
    }
    this.lastSent = Date.now();
    this.socket.send(text, { binary: false });
  }

  /**
   * The room is done with this connection: it failed and dropped the participant (the client joins
   * again), or it moved to another node (the client resumes there at once, on close code 4002).
   */
  end(reason: SessionEndReason): void {
    this.state = { kind: 'closed' };
    if (reason === 'moved') this.close(CloseCode.RoomMoved, 'room moved to another server; resume');
    else if (reason === 'removed') this.close(CloseCode.Removed, 'removed from the room');
    else this.close(CloseCode.InternalError, 'room failed');
  }

  /** A resume on another connection took this session: close without leaving the room. */
  supersede(): void {
    this.state = { kind: 'closed' };
    this.close(CloseCode.SessionMoved, 'session resumed on another connection');
  }

  private onFrame(data: unknown, isBinary: boolean): void {
    this.lastSeen = Date.now();
    // Frames still arriving after we started closing (a flood) get no work and no log lines.
    if (this.state.kind === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
    if (!this.bucket.take()) {
      this.send(toErrorMessage(new ProtocolError(ErrorCode.RateLimited, 'too many messages, slow down')));
      return this.countInvalid();
    }
    if (isBinary) {
      this.send(toErrorMessage(ProtocolError.invalid('binary frames are not supported; send JSON text')));
      return this.countInvalid();
    }
    // Most frames of an idle session are the SDK's ping: read its exact bytes without JSON and the
    // schema; any other frame, however close, takes the validated path below.
    const ping = data instanceof Uint8Array ? readHeartbeatPing(data) : undefined;
    if (ping) return this.onMessage(ping);
    const decoded = decodeClientMessage(String(data));
    if (!decoded.ok) {
      this.send(toErrorMessage(decoded.error, decoded.id));
      return this.countInvalid();
    }
    const overLimit = checkInputLimits(decoded.message, this.config);
    if (overLimit) return this.reject(decoded.message, overLimit);
    this.onMessage(decoded.message);
  }

  private onMessage(message: ClientMessage): void {
    if (message.type === 'ping') {
      if (this.state.kind === 'joined' && message.lastSeq !== undefined) this.state.session.acknowledge(message.lastSeq);
      // `reply: false`: the client heard from us within its interval and needs no pong (half the
      // pongs of an idle session, the dearest frame we send); every other ping is answered.
      if (message.reply !== false) this.send({ type: 'pong', ...(message.id === undefined ? {} : { id: message.id }), time: Date.now() });
      return;
    }
    switch (this.state.kind) {
      case 'idle':
        if (message.type === 'join' || message.type === 'resume') return void this.admit(message);
        return this.reject(message, ProtocolError.precondition(`join a room before sending "${message.type}"`));
      case 'joining':
        if (message.type === 'join' || message.type === 'resume') return this.reject(message, ProtocolError.conflict('already joining a room'));
        this.state.backlog.push(message);
        return;
      case 'joined':
        if (message.type === 'join' || message.type === 'resume') return this.reject(message, ProtocolError.conflict('already in a room; leave first'));
        return this.command(this.state.session, message);
      case 'closed':
        return;
    }
  }

  /** `join` a room (created if new) or `resume` a session in one that exists. */
  private async admit(request: MessageOf<ClientMessage, 'join' | 'resume'>): Promise<void> {
    if (request.v !== PROTOCOL_VERSION) {
      return this.reject(request, ProtocolError.invalid(`unsupported protocol version ${request.v}; this server speaks ${PROTOCOL_VERSION}`));
    }
    const joining: State = { kind: 'joining', backlog: [], abort: new AbortController() };
    this.state = joining;
    let session: RoutedSession;
    try {
      session = await this.router.connect(request, this, joining.abort.signal);
    } catch (error) {
      if (this.state === joining) this.state = { kind: 'idle' };
      return this.reject(request, error); // room limit, shutting down, no such session, refused by the room
    }
    if (this.state !== joining) {
      // The socket closed while the room was admitting us: the session waits for a resume.
      this.leaveRoom(session, false);
      return;
    }
    this.state = { kind: 'joined', session };
    for (const message of joining.backlog) this.onMessage(message);
  }

  private command(session: RoutedSession, message: RoomCommand): void {
    void session.send(message).then((handled) => {
      if (handled && message.type === 'leave') {
        this.state = { kind: 'idle' };
        this.close(CloseCode.Normal, 'left');
      }
    });
  }

  private reject(message: ClientMessage, error: unknown): void {
    this.send(toErrorMessage(error, 'id' in message ? message.id : undefined));
  }

  /** Bad input is answered; a connection that keeps sending it is closed as abusive. */
  private countInvalid(): void {
    const now = Date.now();
    this.invalidTimes = this.invalidTimes.filter((t) => now - t < 60_000);
    this.invalidTimes.push(now);
    if (this.invalidTimes.length > this.config.maxInvalidMessagesPerMinute) {
      this.logger.warn({}, 'closing abusive connection');
      this.close(CloseCode.PolicyViolation, 'too many invalid messages');
    }
  }

  private onClose(code: number): void {
    const state = this.state;
    this.state = { kind: 'closed' };
    if (state.kind === 'joining') state.abort.abort(); // e.g. waiting in a lobby: stop waiting
    // Our own close for cause ends the session too.
    const goodbye = !LOST_CODES.has(code) || (this.closingCode !== undefined && this.closingCode !== CloseCode.GoingAway);
    if (state.kind === 'joined') this.leaveRoom(state.session, goodbye);
  }

  private leaveRoom(session: RoutedSession, goodbye: boolean): void {
    (goodbye ? session.close() : session.detach()).catch((err: unknown) => {
      this.logger.error({ err, room: session.room, participant: session.participantId }, 'removing participant failed');
    });
  }
}
