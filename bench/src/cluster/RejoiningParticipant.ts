import { PROTOCOL_VERSION, RoomName, type IceServer, type ParticipantId, type ServerMessage } from '@confab/protocol';
import { PublisherPeer, RequestError, SignalChannel, SubscriberPeer, SyntheticVp8, expectReply, sleep } from '@confab/loadtest';

/** How it got back after its socket closed. */
export interface Return {
  /** performance.now() when the socket closed, and when the session was back. */
  lostAt: number;
  backAt: number;
  closeCode: number;
  /** `rejoined`: the resume was refused (not_found) and it joined afresh on the same socket. */
  how: 'resumed' | 'rejoined';
  /** Sockets opened to get back. */
  attempts: number;
}

// The SDK's pacing (packages/client/src/reconnect.ts): first attempt at once, then 100 ms doubling
// to 2 s with ±20 % jitter; each attempt has 3 s to open its socket and 3 s for the answer.
const ATTEMPT_TIMEOUT_MS = 3_000;
const backoff = (attempt: number) => (attempt === 0 ? 0 : Math.min(2_000, 100 * 2 ** (attempt - 1)) * (0.8 + 0.4 * Math.random()));
const GIVE_UP_MS = 60_000;

/**
 * A headless participant that comes back after a lost socket as the SDK does (client/src/Room.ts
 * `reconnect`): a new socket to `url` (HAProxy), `resume`; when the session is gone (`not_found`),
 * `join` on the same socket, new peer connections, its camera published again. The loadtest
 * package's peers and synthetic VP8 carry the media.
 */
export class RejoiningParticipant {
  id: ParticipantId | undefined;
  readonly returns: Return[] = [];
  readonly errors: string[] = [];
  private signal: SignalChannel | undefined;
  private publisher: PublisherPeer | undefined;
  private subscriber: SubscriberPeer | undefined;
  private token = '';
  private closed = false;
  private reconnecting = false;
  /** Messages that arrived before the peer connections existed. */
  private early: ServerMessage[] | undefined = [];

  constructor(
    private readonly url: string,
    private readonly room: string,
    readonly name: string,
    /** Kbit/s of synthetic VP8 to publish, or 0 to only receive. */
    private readonly cameraKbps: number,
  ) {}

  async join(): Promise<void> {
    const signal = await this.open();
    await this.joinOn(signal);
  }

  /** Video packets received from `participantId`'s tracks, and how many were key frames. */
  videoFrom(participantId: string | undefined): { packets: number; keyFrames: number } {
    let packets = 0;
    let keyFrames = 0;
    for (const track of this.subscriber?.currentTracks ?? []) {
      if (track.participantId !== participantId || track.kind !== 'video') continue;
      packets += track.counter.packets;
      keyFrames += track.counter.keyFrames;
    }
    return { packets, keyFrames };
  }

  /** Where it stands, for a failure report: its id, peer connection states, what it receives. */
  describe(): string {
    const tracks = (this.subscriber?.currentTracks ?? []).map((t) => `${t.participantId}/${t.kind ?? '?'}:${t.counter.packets}`);
    return `${this.name} ${this.id} publisher ${this.publisher?.connectionState ?? 'none'} subscriber ${this.subscriber?.connectionState ?? 'none'} receiving [${tracks.join(' ')}] returns ${JSON.stringify(this.returns.map((r) => ({ ...r, lostAt: Math.round(r.lostAt), backAt: Math.round(r.backAt) })))} errors [${this.errors.slice(-3).join('; ')}]`;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.publisher?.close(), this.subscriber?.close()]);
    await this.signal?.close();
  }

  private async open(): Promise<SignalChannel> {
    const signal = await SignalChannel.connect(this.url, ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS);
    this.signal = signal;
    signal.onMessage = (message) => this.handle(message);
    signal.onError = (error) => this.error(error);
    signal.onClose = (code) => {
      if (!this.closed && !this.reconnecting && signal === this.signal) void this.reconnect(signal, code);
    };
    return signal;
  }

  private async joinOn(signal: SignalChannel): Promise<void> {
    const joined = expectReply(await signal.request({ type: 'join', v: PROTOCOL_VERSION, room: RoomName.parse(this.room), name: this.name }), 'joined');
    this.id = joined.self.id;
    this.token = joined.session.resumeToken;
    await this.createPeers(signal, joined.iceServers);
  }

  private async createPeers(signal: SignalChannel, iceServers: IceServer[]): Promise<void> {
    this.publisher = new PublisherPeer(signal, { iceServers });
    this.subscriber = new SubscriberPeer(signal, { iceServers }, (error) => this.error(error));
    const early = this.early ?? [];
    this.early = undefined;
    for (const message of early) this.handle(message);
    if (this.cameraKbps > 0) await this.publisher.publish('camera', new SyntheticVp8({ bitrate: this.cameraKbps * 1000, keyFrameIntervalSeconds: 2 }));
  }

  /** Resume, or join again when the session is gone; with the SDK's backoff, until it works. */
  private async reconnect(lost: SignalChannel, closeCode: number): Promise<void> {
    this.reconnecting = true;
    try {
      await this.getBack(lost, closeCode);
    } finally {
      this.reconnecting = false;
    }
  }

  private async getBack(lost: SignalChannel, closeCode: number): Promise<void> {
    const lostAt = performance.now();
    this.early = [];
    const closing = Promise.all([this.publisher?.close(), this.subscriber?.close()]);
    this.publisher = this.subscriber = undefined;
    let resumable = true;
    for (let attempt = 0; !this.closed; attempt++) {
      await sleep(backoff(attempt));
      if (performance.now() - lostAt > GIVE_UP_MS) return this.error(new Error(`could not get back within ${GIVE_UP_MS} ms`));
      let signal: SignalChannel | undefined;
      try {
        signal = await this.open();
        if (resumable) {
          signal.continueFrom(lost);
          try {
            const resumed = expectReply(
              await signal.request({ type: 'resume', v: PROTOCOL_VERSION, room: RoomName.parse(this.room), participantId: this.id!, token: this.token, lastSeq: lost.lastSeq }),
              'resumed',
            );
            // Its media was on the killed node, whatever `mediaReset` says: new peer connections either way.
            await closing;
            await this.createPeers(signal, resumed.iceServers ?? []);
            this.returns.push({ lostAt, backAt: performance.now(), closeCode, how: 'resumed', attempts: attempt + 1 });
            return;
          } catch (error) {
            if (!(error instanceof RequestError && error.code === 'not_found')) throw error;
            resumable = false;
            signal.lastSeq = 0; // a new session numbers its messages from 1 again
          }
        }
        await closing;
        await this.joinOn(signal);
        this.returns.push({ lostAt, backAt: performance.now(), closeCode, how: 'rejoined', attempts: attempt + 1 });
        return;
      } catch (error) {
        this.error(error);
        if (signal === this.signal) this.signal = undefined;
        void signal?.close();
      }
    }
  }

  private handle(message: ServerMessage): void {
    if (this.early) {
      this.early.push(message);
      return;
    }
    if (message.type === 'offer') this.subscriber?.handleOffer(message);
    else if (message.type === 'candidate') {
      if (message.target === 'publisher') this.publisher?.addRemoteCandidate(message.candidate);
      else this.subscriber?.addRemoteCandidate(message.candidate);
    }
  }

  private error(error: unknown): void {
    if (this.errors.length < 50) this.errors.push(error instanceof Error ? error.message : String(error));
  }
}
