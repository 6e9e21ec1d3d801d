import WebSocket from 'ws';
import { withTimeout } from '@confab/loadtest';

/** A Janus API message (https://janus.conf.meetecho.com/docs/rest.html), loosely typed: the bench reads a few fields. */
export interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number };
  plugindata?: { plugin: string; data: Record<string, unknown> & { error?: string } };
  jsep?: { type: 'offer' | 'answer'; sdp: string };
  error?: { code: number; reason: string };
}

export interface JanusJsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface JanusCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

interface Pending {
  resolve(message: JanusMessage): void;
  reject(error: Error): void;
  /** Plugin requests are acked first (`ack`) and answered later (`event` with the same transaction). */
  async: boolean;
}

const REQUEST_TIMEOUT_MS = 20_000;

/**
 * One Janus session over its WebSocket transport (subprotocol `janus-protocol`): transactions
 * answered once, plugin handles, trickle. One socket per participant, as one per participant
 * connects to our server. The bench's Janus runs with session_timeout 0, so no keepalives.
 */
export class JanusApi {
  /** Asynchronous plugin events without a pending transaction (e.g. a publisher's `joined` peers). */
  onEvent: (message: JanusMessage) => void = () => undefined;
  private readonly pending = new Map<string, Pending>();
  private nextTransaction = 1;
  private sessionId = 0;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      let message: JanusMessage;
      try {
        message = JSON.parse(String(data)) as JanusMessage;
      } catch {
        return; // not Janus API JSON: nothing here waits for it
      }
      this.receive(message);
    });
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('janus: socket closed'));
      this.pending.clear();
    });
  }

  /** Connects and creates the session. */
  static async connect(url: string): Promise<JanusApi> {
    const socket = new WebSocket(url, 'janus-protocol');
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      }),
      REQUEST_TIMEOUT_MS,
      'janus connect',
    );
    const api = new JanusApi(socket);
    const created = await api.request({ janus: 'create' });
    api.sessionId = created.data?.id ?? 0;
    return api;
  }

  /** Attaches a handle to the VideoRoom plugin; returns its id. */
  async attachVideoRoom(): Promise<number> {
    const attached = await this.request({ janus: 'attach', session_id: this.sessionId, plugin: 'janus.plugin.videoroom' });
    return attached.data?.id ?? 0;
  }

  /**
   * A plugin request on `handle`: synchronous ones (create, list) come back as `success`,
   * asynchronous ones (join, configure, start) as an `event` after the `ack`.
   */
  async message(handle: number, body: Record<string, unknown>, jsep?: JanusJsep): Promise<JanusMessage> {
    const reply = await this.request({ janus: 'message', session_id: this.sessionId, handle_id: handle, body, ...(jsep ? { jsep } : {}) });
    const error = reply.plugindata?.data.error;
    if (error !== undefined) throw new Error(`janus videoroom: ${error}`);
    return reply;
  }

  /** Trickles one of our candidates to `handle`, or the end of them (null). */
  trickle(handle: number, candidate: JanusCandidate | null): void {
    this.send({ janus: 'trickle', session_id: this.sessionId, handle_id: handle, transaction: this.transaction(), candidate: candidate ?? { completed: true } });
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.send({ janus: 'destroy', session_id: this.sessionId, transaction: this.transaction() });
    this.socket.close();
  }

  private request(message: Record<string, unknown>): Promise<JanusMessage> {
    const transaction = this.transaction();
    const async = message['janus'] === 'message';
    const reply = new Promise<JanusMessage>((resolve, reject) => this.pending.set(transaction, { resolve, reject, async }));
    this.send({ ...message, transaction });
    return withTimeout(reply, REQUEST_TIMEOUT_MS, `janus ${String(message['janus'])}`).finally(() => this.pending.delete(transaction));
  }

  private receive(message: JanusMessage): void {
    const pending = message.transaction === undefined ? undefined : this.pending.get(message.transaction);
    if (!pending) {
      if (message.janus === 'event') this.onEvent(message);
      return;
    }
    if (message.janus === 'ack' && pending.async) return;
    if (message.janus === 'error') pending.reject(new Error(`janus: ${message.error?.reason ?? 'error'} (${message.error?.code ?? '?'})`));
    else pending.resolve(message);
  }

  private transaction(): string {
    return String(this.nextTransaction++);
  }

  private send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }
}
