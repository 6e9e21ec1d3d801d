import { PROTOCOL_VERSION, RoomName, type ClientMessage, type ParticipantId, type PresenceStatus } from '@confab/protocol';
import { WebSocket } from 'ws';
import { ClientHeartbeat } from '@confab/loadtest';

/** What a session hears after joining: the messages the bench times. */
export type PresenceListener = (participantId: string, status: string, at: number) => void;

/**
 * One joined participant that does nothing but stay: signaling only, the SDK's heartbeat (a
 * `ping {lastSeq}` every `heartbeatIntervalMs` from `joined`, every other one asking for a pong;
 * none when `joined` says the server keeps the heartbeat, `serverPings`). Deliberately lean, JSON.parse and
 * no schema, so that thousands fit in one generator process and it never becomes the bottleneck.
 */
export class IdleSession {
  /** Set when the server closed the socket under us (its close code). */
  lost: number | undefined;
  onPresence: PresenceListener | undefined;
  framesSent = 0;
  framesReceived = 0;
  private lastSeq = 0;
  private nextId = 1;
  private readonly heartbeat = new ClientHeartbeat(
    (frame) => this.sendFrame(frame),
    () => this.lastSeq,
  );
  private closing = false;

  private constructor(
    private readonly socket: WebSocket,
    readonly id: ParticipantId,
    /** The heartbeat the server asked for in `joined`. */
    readonly heartbeatMs: { intervalMs: number; timeoutMs: number; serverPings: boolean },
  ) {}

  /** Opens a socket to `url` and joins `room`; resolves once `joined` came back. */
  static join(url: string, room: string, name: string, timeoutMs: number): Promise<IdleSession> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      let session: IdleSession | undefined;
      const timer = setTimeout(() => fail(new Error(`no joined within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.terminate();
        reject(error);
      };
      socket.once('error', fail);
      // A server that sends WebSocket pings (before issue 14's one exchange) gets an automatic pong: both are frames too.
      socket.on('ping', () => {
        if (session) {
          session.framesReceived++;
          session.framesSent++;
        }
      });
      socket.on('close', (code) => {
        if (!session) return fail(new Error(`socket closed (${code}) before joined`));
        session.heartbeat.stop();
        if (!session.closing) session.lost ??= code;
      });
      socket.once('open', () => socket.send(JSON.stringify({ type: 'join', id: 1, v: PROTOCOL_VERSION, room: RoomName.parse(room), name } satisfies ClientMessage)));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; seq?: number; [key: string]: unknown };
        if (session) return session.onMessage(message);
        if (message.type === 'error') return fail(new Error(`join refused: ${String(message['code'])} ${String(message['message'])}`));
        if (message.type !== 'joined') return;
        clearTimeout(timer);
        const self = message['self'] as { id: ParticipantId };
        const timing = message['session'] as { heartbeatIntervalMs: number; heartbeatTimeoutMs: number; serverPings?: boolean };
        const serverPings = timing.serverPings === true;
        session = new IdleSession(socket, self.id, { intervalMs: timing.heartbeatIntervalMs, timeoutMs: timing.heartbeatTimeoutMs, serverPings });
        session.framesSent = 1;
        session.framesReceived = 1;
        session.nextId = 2;
        if (!serverPings) session.heartbeat.every(timing.heartbeatIntervalMs);
        resolve(session);
      });
    });
  }

  get connected(): boolean {
    return this.lost === undefined && this.socket.readyState === WebSocket.OPEN;
  }

  /** true: every ping asks for a pong, as SDKs before `reply: false` did; false: as the SDK does now. */
  askEveryPing(on: boolean): void {
    this.heartbeat.askEveryPing = on;
  }

  setStatus(status: PresenceStatus): void {
    this.send({ type: 'status', id: this.nextId++, status });
  }

  close(): void {
    this.closing = true;
    this.heartbeat.stop();
    this.socket.close(1000);
  }

  private send(message: ClientMessage): void {
    this.sendFrame(JSON.stringify(message));
  }

  private sendFrame(frame: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.framesSent++;
    this.socket.send(frame);
  }

  private onMessage(message: { type: string; seq?: number; [key: string]: unknown }): void {
    this.framesReceived++;
    this.heartbeat.heard();
    if (message.seq !== undefined) this.lastSeq = message.seq;
    if (message.type === 'participant_updated' && this.onPresence) {
      const participant = message['participant'] as { id: string; status: string };
      this.onPresence(participant.id, participant.status, performance.now());
    }
  }
}
