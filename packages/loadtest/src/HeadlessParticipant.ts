import {
  PROTOCOL_VERSION,
  RoomName,
  SessionCloseCode,
  type IceServer,
  type MessageOf,
  type ParticipantId,
  type ParticipantInfo,
  type PresenceStatus,
  type ServerMessage,
  type TrackId,
  type TrackSource,
} from '@confab/protocol';
import { PublisherPeer, type PublishedTrack } from './PublisherPeer';
import type { RtpCount, RtpCounter } from './RtpCounter';
import { RequestError, SignalChannel, expectReply } from './SignalChannel';
import { SubscriberPeer } from './SubscriberPeer';
import { SyntheticOpus, type OpusOptions } from './SyntheticOpus';
import type { SyntheticSource } from './SyntheticSource';
import { SimulcastVp8 } from './SimulcastVp8';
import { SyntheticVp8, type Vp8Options } from './SyntheticVp8';
import { sleep } from './time';

export interface HeadlessParticipantOptions {
  /** ws://host:port/rtc */
  url: string;
  room: string;
  name: string;
  /** ICE host addresses to add (werift skips loopback on its own). Default ['127.0.0.1']. */
  hostAddresses?: string[];
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Token mode: the access token to join with. */
  accessToken?: string;
  /**
   * Where to resume when the server closes the socket because the room moved (close 4002): the
   * participant resumes there at once and rebuilds its media, as the SDK does. Default: `url`
   * (behind a balancer, that reaches whichever node has the room now).
   */
  resumeUrl?: () => string;
}

export type ChatEntry = MessageOf<ServerMessage, 'chat'>;

export interface ReceivedTrackStats extends RtpCount {
  trackId: string;
  participantId: string;
  mid: string;
  kind: 'audio' | 'video' | undefined;
}

export interface ParticipantStats {
  name: string;
  participantId: string | undefined;
  publisherState: string;
  subscriberState: string;
  received: ReceivedTrackStats[];
  sent: { source: string; packets: number; bytes: number; keyFrames: number; plis: number }[];
  plisReceived: number;
  errors: number;
}

/**
 * One participant without a browser: the real signaling protocol over `ws`, werift peer
 * connections for media, synthetic Opus and VP8 as RTP. For tests, load and benchmarks.
 */
export class HeadlessParticipant {
  self: ParticipantInfo | undefined;
  /** Everyone else in the room, by id. */
  readonly others = new Map<string, ParticipantInfo>();
  readonly chats: ChatEntry[] = [];
  /** Protocol, negotiation and socket errors seen (kept short). */
  readonly errors: string[] = [];
  /** How many server messages of each type arrived (replies to our requests not counted). */
  readonly received = new Map<ServerMessage['type'], number>();
  /** The types of the first 1,000 server messages after `joined` (replies not counted), in order. */
  readonly arrivals: ServerMessage['type'][] = [];
  /** recording_started and recording_stopped, oldest first. */
  readonly recordingNotices: Extract<ServerMessage, { type: 'recording_started' | 'recording_stopped' }>[] = [];
  /** Times the room moved and this participant resumed on its new node with new media. */
  moves = 0;
  private resumeToken = '';
  /** What each published source sends, made anew when media is rebuilt after a move. */
  private readonly sources = new Map<TrackSource, () => SyntheticSource>();
  private signal: SignalChannel | undefined;
  private publisher: PublisherPeer | undefined;
  private subscriber: SubscriberPeer | undefined;
  private closed = false;
  /** Messages that arrived between `joined` and the peer connections existing. */
  private early: ServerMessage[] | undefined = [];

  constructor(readonly options: HeadlessParticipantOptions) {}

  get name(): string {
    return this.options.name;
  }

  get id(): string | undefined {
    return this.self?.id;
  }

  /** Connects and joins; both peer connections exist afterwards. */
  async join(): Promise<void> {
    const signal = await this.connect(this.options.url);
    const { accessToken } = this.options;
    const reply = await signal.request({ type: 'join', v: PROTOCOL_VERSION, room: RoomName.parse(this.options.room), name: this.options.name, ...(accessToken ? { accessToken } : {}) });
    const joined = expectReply(reply, 'joined');
    this.self = joined.self;
    this.resumeToken = joined.session.resumeToken;
    for (const participant of joined.participants) this.others.set(participant.id, participant);
    this.createPeers(signal, joined.iceServers);
  }

  publishMicrophone(options?: OpusOptions): Promise<PublishedTrack> {
    return this.publish('microphone', () => new SyntheticOpus(options));
  }

  /** `simulcast`: three layers (q, h, f; f at `bitrate`) on their own SSRCs, as the SDK publishes a camera. */
  publishCamera(options?: Vp8Options & { simulcast?: boolean }): Promise<PublishedTrack> {
    const { simulcast, ...vp8 } = options ?? {};
    return this.publish('camera', () => (simulcast ? SimulcastVp8.camera(vp8.bitrate, vp8) : new SyntheticVp8(vp8)));
  }

  /** Adaptive stream: how this participant "renders" remote video `trackId` (device pixels, visibility). */
  async trackSettings(trackId: string, settings: { visible: boolean; width: number; height: number }): Promise<void> {
    await this.requireSignal().request({ type: 'track_settings', trackId: trackId as TrackId, ...settings });
  }

  async chat(text: string): Promise<void> {
    await this.requireSignal().request({ type: 'chat', text });
  }

  /** A moderator starts (true) or stops the room's recording; rejects with the server's refusal (RequestError). */
  async setRecording(recording: boolean): Promise<void> {
    await this.requireSignal().request({ type: 'set_recording', recording });
  }

  async setStatus(status: PresenceStatus): Promise<void> {
    await this.requireSignal().request({ type: 'status', status });
  }

  /** Tracks currently forwarded to us (per the latest subscriber offer). */
  receivingTracks(): number {
    return this.subscriber?.currentTracks.length ?? 0;
  }

  /** Packets received so far on each track currently forwarded to us (0 for tracks with none yet). */
  receivedPackets(): number[] {
    return this.subscriber?.currentTracks.map((track) => track.counter.packets) ?? [];
  }

  /** What counts the video received from participant `id` (its camera), once some has arrived. */
  videoFrom(id: string): RtpCounter | undefined {
    return this.subscriber?.currentTracks.find((track) => track.participantId === id && track.kind === 'video')?.counter;
  }

  stats(): ParticipantStats {
    const received = [...(this.subscriber?.tracks.values() ?? [])].map((track) => ({
      trackId: track.trackId,
      participantId: track.participantId,
      mid: track.mid,
      kind: track.kind,
      ...track.counter.snapshot(),
    }));
    const sent = [...(this.publisher?.published.values() ?? [])].map((track) => ({
      source: track.source,
      packets: track.media.sent.packets,
      bytes: track.media.sent.bytes,
      keyFrames: track.media.sent.keyFrames,
      plis: track.plis,
    }));
    return {
      name: this.name,
      participantId: this.id,
      publisherState: this.publisher?.connectionState ?? 'none',
      subscriberState: this.subscriber?.connectionState ?? 'none',
      received,
      sent,
      plisReceived: this.publisher?.plis ?? 0,
      errors: this.errors.length,
    };
  }

  /** Sends `leave` and waits for its ack (bounded), then closes everything. */
  async leave(): Promise<void> {
    if (this.signal?.open) await this.signal.request({ type: 'leave' }).catch((error: unknown) => this.error(error));
    await this.close();
  }

  /** Stops media, closes both peer connections and the socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.publisher?.close(), this.subscriber?.close()]);
    await this.signal?.close();
  }

  /** stream_state messages received (as subscriber), oldest first. */
  readonly streamStates: Extract<ServerMessage, { type: 'stream_state' }>[] = [];
  /** Dynacast messages received (as publisher), oldest first. */
  readonly subscribedLayers: Extract<ServerMessage, { type: 'subscribed_layers' }>[] = [];

  private async connect(url: string): Promise<SignalChannel> {
    const signal = await SignalChannel.connect(url, this.options.connectTimeoutMs, this.options.requestTimeoutMs);
    this.signal = signal;
    signal.onError = (error) => this.error(error);
    signal.onMessage = (message) => this.handle(message);
    signal.onClose = (code) => {
      if (this.closed || signal !== this.signal) return;
      if (code === SessionCloseCode.RoomMoved) this.resumeAfterMove(signal).catch((error: unknown) => this.error(error));
      else if (code !== 1000) this.error(new Error(`socket closed by server (${code})`));
    };
    return signal;
  }

  /** Both peer connections, on `signal`; messages that arrived meanwhile are handled after. */
  private createPeers(signal: SignalChannel, iceServers: IceServer[]): void {
    const peerOptions = { iceServers, ...(this.options.hostAddresses ? { hostAddresses: this.options.hostAddresses } : {}) };
    this.publisher = new PublisherPeer(signal, peerOptions);
    this.subscriber = new SubscriberPeer(signal, peerOptions, (error) => this.error(error));
    for (const [label, pc] of [['publisher', this.publisher.pc], ['subscriber', this.subscriber.pc]] as const) {
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'failed') this.error(new Error(`${label} connection failed (ICE/DTLS)`));
      });
    }
    const early = this.early ?? [];
    this.early = undefined;
    for (const message of early) this.handle(message);
  }

  private async publish(source: TrackSource, make: () => SyntheticSource): Promise<PublishedTrack> {
    const published = await this.requirePublisher().publish(source, make());
    this.sources.set(source, make);
    return published;
  }

  /**
   * The room moved to another node (docs/protocol.md "Room moves"): resume there at once as the
   * same participant, then, since its media is new, new peer connections and every source published again.
   */
  private async resumeAfterMove(lost: SignalChannel): Promise<void> {
    const self = this.self;
    if (!self) throw new Error('moved before joining');
    this.early = [];
    const closing = Promise.all([this.publisher?.close(), this.subscriber?.close()]);
    const request = {
      type: 'resume',
      v: PROTOCOL_VERSION,
      room: RoomName.parse(this.options.room),
      participantId: self.id as ParticipantId,
      token: this.resumeToken,
      lastSeq: lost.lastSeq,
    } as const;
    // While the room is still on its way the new node may not have it yet (or a balancer may pick the old one): try again shortly.
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? 10_000);
    let back: { signal: SignalChannel; resumed: MessageOf<ServerMessage, 'resumed'> } | undefined;
    while (!back) {
      let signal: SignalChannel | undefined;
      try {
        signal = await this.connect(this.options.resumeUrl?.() ?? this.options.url);
        signal.continueFrom(lost);
        back = { signal, resumed: expectReply(await signal.request(request), 'resumed') };
      } catch (error) {
        void signal?.close();
        if (this.closed || Date.now() > deadline || (error instanceof RequestError && error.code === 'not_found')) throw error;
        await sleep(100);
      }
    }
    if (!back.resumed.mediaReset) throw new Error('resumed after a move without mediaReset: the old peer connections cannot go on');
    await closing;
    this.createPeers(back.signal, back.resumed.iceServers ?? []);
    for (const [source, make] of this.sources) await this.requirePublisher().publish(source, make());
    this.moves++;
  }

  private handle(message: ServerMessage): void {
    if (this.early) {
      this.early.push(message);
      return;
    }
    this.received.set(message.type, (this.received.get(message.type) ?? 0) + 1);
    if (this.arrivals.length < 1000) this.arrivals.push(message.type);
    switch (message.type) {
      case 'recording_started':
      case 'recording_stopped':
        this.recordingNotices.push(message);
        break;
      case 'offer':
        this.subscriber?.handleOffer(message);
        break;
      case 'candidate':
        if (message.target === 'publisher') this.publisher?.addRemoteCandidate(message.candidate);
        else this.subscriber?.addRemoteCandidate(message.candidate);
        break;
      case 'participant_joined':
      case 'participant_updated':
        if (message.participant.id !== this.id) this.others.set(message.participant.id, message.participant);
        break;
      case 'participant_left':
        this.others.delete(message.participantId);
        break;
      case 'chat':
        if (this.chats.length < 1000) this.chats.push(message);
        break;
      case 'error':
        this.error(new Error(`server error ${message.code}: ${message.message}`));
        break;
      case 'stream_state':
        this.streamStates.push(message);
        break;
      case 'subscribed_layers': {
        // Dynacast, as the SDK does it: layers nobody receives stop being sent.
        this.subscribedLayers.push(message);
        const media = this.publisher?.published.get(message.source)?.media;
        if (media instanceof SimulcastVp8) for (const { rid, active } of message.layers) media.setActive(rid, active);
        break;
      }
      default:
        // track_published / unpublished / muted: the subscriber offer carries what we need
        break;
    }
  }

  private error(error: unknown): void {
    if (this.errors.length < 100) this.errors.push(error instanceof Error ? error.message : String(error));
  }

  private requireSignal(): SignalChannel {
    if (!this.signal) throw new Error('not joined');
    return this.signal;
  }

  private requirePublisher(): PublisherPeer {
    if (!this.publisher) throw new Error('not joined');
    return this.publisher;
  }
}
