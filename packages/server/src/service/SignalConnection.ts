import {
  decodeClientMessage,
  encodeMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  ErrorCode,
  type ClientMessage,
  type MessageOf,
  type ServerMessage,
} from '@confab/protocol';
import type { WebSocket } from 'ws';
import type { RoomDirectory } from '../cluster/RoomDirectory';
import type { Participant } from '../rooms/Participant';
import type { Room, RoomCommand } from '../rooms/Room';
import type { Config } from './config';
import { CloseCode, toErrorMessage, toProtocolError } from './errors';
import { checkInputLimits } from './inputLimits';
import type { Logger } from './logger';
import { TokenBucket } from './TokenBucket';

/** A client that has this much unsent data queued is too slow to follow the room. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

type State =
  | { kind: 'idle' }
  | { kind: 'joining'; room: Room; backlog: ClientMessage[] }
  | { kind: 'joined'; room: Room; participant: Participant }
  | { kind: 'closed' };

/**
 * The edge for one WebSocket: decodes and validates every frame, rate-limits, turns failures into
 * error messages, and hands typed commands to the participant's room.
 */
export class SignalConnection {
  private state: State = { kind: 'idle' };
  private readonly bucket: TokenBucket;
  private invalidTimes: number[] = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly directory: RoomDirectory,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.bucket = new TokenBucket(config.messageRate, config.messageBurst);
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => logger.debug({ err: err.message }, 'websocket error'));
  }

  /** Tells the client the server is going away. */
  announceShutdown(seconds: number): void {
    this.send({ type: 'shutdown', seconds });
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(code, reason);
  }

  private onFrame(data: unknown, isBinary: boolean): void {
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
      this.send({ type: 'pong', ...(message.id === undefined ? {} : { id: message.id }), time: Date.now() });
      return;
    }
    switch (this.state.kind) {
      case 'idle':
        if (message.type === 'join') return void this.join(message);
        return this.reject(message, ProtocolError.precondition(`join a room before sending "${message.type}"`));
      case 'joining':
        if (message.type === 'join') return this.reject(message, ProtocolError.conflict('already joining a room'));
        this.state.backlog.push(message);
        return;
      case 'joined':
        if (message.type === 'join') return this.reject(message, ProtocolError.conflict('already in a room; leave first'));
        return this.command(this.state.room, this.state.participant, message);
      case 'closed':
        return;
    }
  }

  private async join(request: MessageOf<ClientMessage, 'join'>): Promise<void> {
    if (request.v !== PROTOCOL_VERSION) {
      return this.reject(request, ProtocolError.invalid(`unsupported protocol version ${request.v}; this server speaks ${PROTOCOL_VERSION}`));
    }
    let room: Room;
    try {
      room = this.directory.acquire(request.room);
    } catch (error) {
      return this.reject(request, error); // room limit, or shutting down
    }
    const joining: State = { kind: 'joining', room, backlog: [] };
    this.state = joining;
    let participant: Participant;
    try {
      participant = await room.join(request, {
        send: (message) => this.send(message),
        end: () => this.close(CloseCode.InternalError, 'room failed'),
      });
    } catch (error) {
      if (this.state === joining) this.state = { kind: 'idle' };
      return this.reject(request, error);
    }
    if (this.state !== joining) {
      // The socket closed while the room was admitting us.
      this.leaveRoom(room, participant);
      return;
    }
    this.state = { kind: 'joined', room, participant };
    for (const message of joining.backlog) this.onMessage(message);
  }

  private command(room: Room, participant: Participant, message: RoomCommand): void {
    room.handle(participant.id, message).then(
      () => {
        if (message.type === 'leave') {
          this.state = { kind: 'idle' };
          this.close(CloseCode.Normal, 'left');
        }
      },
      (error: unknown) => {
        if (toProtocolError(error).code === ErrorCode.Internal) {
          this.logger.error({ err: error, room: room.name, type: message.type }, 'command failed');
        }
        this.reject(message, error);
      },
    );
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

  private send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close(CloseCode.TryAgainLater, 'client too slow');
      return;
    }
    this.socket.send(encodeMessage(message));
  }

  private onClose(): void {
    const state = this.state;
    this.state = { kind: 'closed' };
    if (state.kind === 'joined') this.leaveRoom(state.room, state.participant);
  }

  private leaveRoom(room: Room, participant: Participant): void {
    room.remove(participant.id, 'disconnected').catch((err: unknown) => {
      this.logger.error({ err, room: room.name, participant: participant.id }, 'removing participant failed');
    });
  }
}
