import { setTimeout as sleep } from 'node:timers/promises';
import { decodeServerMessage, encodeMessage, SessionCloseCode, type ParticipantInfo, type ServerMessage } from '@confab/protocol';
import { WebSocket } from 'ws';
import { ClientHeartbeat, DEFAULT_HEARTBEAT_MS, isHeartbeatPong } from '@confab/loadtest';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** How the client got back into its room after a socket closed. */
export interface Return {
  how: 'resumed' | 'rejoined';
  /** Index of the node URL it came back through. */
  node: number;
  at: number;
  mediaReset: boolean;
}

/** Closes after which the SDK does not come back (client/src/reconnect.ts). */
const FINAL = new Set([1008, 1009, SessionCloseCode.SessionMoved]);

/**
 * A headless participant that comes back as the SDK does (client/src/Room.ts reconnect): when its
 * socket closes for any reason but a final one, it opens a socket on the next node (as a balancer
 * would send it), resumes its session, and joins afresh when the session is gone. It keeps the room
 * as it sees it, across sockets: who is there, and every message.
 */
export class RejoiningClient {
  participantId = '';
  readonly others = new Map<string, ParticipantInfo>();
  /** Every message, across sockets. */
  readonly seen: ServerMessage[] = [];
  readonly returns: Return[] = [];
  /** Close codes of the sockets it lost. */
  readonly closes: number[] = [];
  private token = '';
  private lastSeq = 0;
  private socket: WebSocket | undefined;
  private node: number;
  private stopped = false;
  private nextId = 100;

  private constructor(
    private readonly urls: string[],
    startAt: number,
    readonly room: string,
    readonly name: string,
    /** Token mode: sent with every join and resume. */
    private readonly access: { accessToken?: string },
  ) {
    this.node = startAt;
  }

  /** Joins `room` through `urls[startAt]` (with `accessToken` on a server in token mode). */
  static async join(urls: string[], startAt: number, room: string, name: string, accessToken?: string): Promise<RejoiningClient> {
    const client = new RejoiningClient(urls, startAt, room, name, accessToken === undefined ? {} : { accessToken });
    const socket = await client.open(urls[startAt]!);
    const joined = await client.request(socket, { type: 'join', v: 1, room, name, ...client.access }, 'joined');
    if (joined.type !== 'joined') throw new Error(`${name} could not join: ${joined.code} ${joined.message}`);
    client.adopt(socket, joined);
    return client;
  }

  /** Sends a command on the current socket. */
  send(message: object): void {
    this.socket?.send(JSON.stringify(message));
  }

  /** Resolves with the first return after `since` (ms epoch). */
  async back(since: number, timeoutMs: number): Promise<Return> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.returns.find((r) => r.at >= since);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`${this.name} did not come back within ${timeoutMs} ms (closes: ${this.closes.join(',')})`);
      await sleep(20);
    }
  }

  all<T extends ServerMessage['type']>(type: T): Of<T>[] {
    return this.seen.filter((m): m is Of<T> => m.type === type);
  }

  close(): void {
    this.stopped = true;
    this.socket?.close(1000);
  }

  private async open(url: string): Promise<WebSocket> {
    const socket = new WebSocket(url);
    // The SDK's half of the heartbeat, at the default interval whatever `joined` asks for: a silent socket is dropped.
    const heartbeat = new ClientHeartbeat(
      (frame) => socket.readyState === WebSocket.OPEN && socket.send(frame),
      () => this.lastSeq,
    );
    heartbeat.every(DEFAULT_HEARTBEAT_MS);
    socket.on('close', () => heartbeat.stop());
    socket.on('message', (data) => {
      heartbeat.heard();
      const decoded = decodeServerMessage(String(data));
      if (!decoded.ok || isHeartbeatPong(decoded.message)) return;
      if (decoded.seq !== undefined) this.lastSeq = decoded.seq;
      this.seen.push(decoded.message);
      this.track(decoded.message);
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return socket;
  }

  private request<T extends 'joined' | 'resumed'>(socket: WebSocket, message: { type: string; [field: string]: unknown }, answer: T): Promise<Of<T> | Of<'error'>> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${message.type}`)), 3_000);
      const onMessage = (data: unknown) => {
        const decoded = decodeServerMessage(String(data));
        if (!decoded.ok || !('id' in decoded.message) || decoded.message.id !== id) return;
        if (decoded.message.type !== answer && decoded.message.type !== 'error') return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(decoded.message as Of<T> | Of<'error'>);
      };
      socket.on('message', onMessage);
      socket.once('close', () => reject(new Error('socket closed')));
      socket.send(encodeMessage({ ...message, id } as never));
    });
  }

  private adopt(socket: WebSocket, joined: Of<'joined'>): void {
    this.socket = socket;
    this.participantId = joined.self.id;
    this.token = joined.session.resumeToken;
    socket.once('close', (code) => this.lost(socket, code));
  }

  /** Runs as each message arrives (the ones after `joined` may come in the same read, before the join's caller runs). */
  private track(message: ServerMessage): void {
    if (message.type === 'joined') {
      this.others.clear();
      for (const p of message.participants) this.others.set(p.id, p);
    }
    if (message.type === 'participant_joined' || message.type === 'participant_updated') this.others.set(message.participant.id, message.participant);
    if (message.type === 'participant_left') this.others.delete(message.participantId);
  }

  private lost(socket: WebSocket, code: number): void {
    if (socket !== this.socket || this.stopped) return;
    this.closes.push(code);
    if (!FINAL.has(code)) void this.comeBack();
  }

  /** Resume, else join, through each node in turn, until one works. */
  private async comeBack(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      if (attempt > 0) await sleep(Math.min(100 * attempt, 500));
      this.node = (this.node + 1) % this.urls.length;
      let socket: WebSocket | undefined;
      try {
        socket = await this.open(this.urls[this.node]!);
        const resume = { type: 'resume', v: 1, room: this.room, participantId: this.participantId, token: this.token, lastSeq: this.lastSeq, ...this.access };
        const resumed = await this.request(socket, resume, 'resumed');
        if (resumed.type === 'resumed') {
          this.socket = socket;
          socket.once('close', (code) => this.lost(socket!, code));
          this.returns.push({ how: 'resumed', node: this.node, at: Date.now(), mediaReset: resumed.mediaReset === true });
          return;
        }
        if (resumed.code !== 'not_found') throw new Error(resumed.message);
        const joined = await this.request(socket, { type: 'join', v: 1, room: this.room, name: this.name, ...this.access }, 'joined');
        if (joined.type !== 'joined') throw new Error(joined.message);
        this.adopt(socket, joined);
        this.returns.push({ how: 'rejoined', node: this.node, at: Date.now(), mediaReset: false });
        return;
      } catch {
        socket?.terminate();
      }
    }
  }
}
