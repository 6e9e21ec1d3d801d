import {
  PROTOCOL_VERSION,
  SessionCloseCode,
  type MessageOf,
  type ParticipantInfo,
  type Permissions,
  type PresenceStatus,
  type RoomAccess,
  type RoomName,
  type ServerMessage,
  type TrackId,
} from '@confab/protocol';
import { ConfabError } from './errors';
import { ConnectionState, RoomEvent, type ActiveSpeaker, type ConnectionQuality, type EmitRoomEvent, type Recording, type RoomEvents } from './events';
import { browserIdentity } from './identity';
import { LocalParticipant } from './LocalParticipant';
import { Moderation } from './Moderation';
import { PublisherConnection } from './PublisherConnection';
import { RemoteParticipant } from './RemoteParticipant';
import { RoomRecording } from './RoomRecording';
import { RemoteTrack, type StreamPauseReason, type StreamState } from './RemoteTrack';
import { backoffDelay, DEFAULT_RECONNECT_TIMEOUT_MS, isFinalClose, RECONNECT_ATTEMPT_TIMEOUT_MS } from './reconnect';
import { SignalClient, type Request } from './SignalClient';
import { readInboundRtp, type TrackStats } from './stats';
import { SubscriberConnection, type SubscriberSlot } from './SubscriberConnection';
import { AdaptiveStream } from './AdaptiveStream';
import { ElementVisibility } from './ElementVisibility';
import { captureEarly, stopTracks, type InitialPublishRequest } from './initialCapture';
import type { TrackSettings } from './TrackSettingsScheduler';
import { TypedEmitter } from './TypedEmitter';
import type { VideoPublishDefaults } from './videoEncoding';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const LEAVE_TIMEOUT_MS = 2_000;
/** What a participant may do and how the room is open, before the server has said. */
const NO_PERMISSIONS: Permissions = { canPublish: false, canPublishSources: [], canSubscribe: false, canChat: false, moderator: false };
const OPEN_ROOM: RoomAccess = { locked: false, lobby: false, passwordProtected: false };

export type { InitialPublish } from './initialCapture';

/** The longest connect() waits for the first subscriber offer to be answered (see mediaUnderWay). */
const OFFER_WAIT_MS = 1_000;

/**
 * The longest connect() then waits for the subscriber connection's first local candidate. Chromium
 * gathers only after a turn of the page's main thread, and its checks start with the first
 * candidate: resolving connect() before that let the app's first render of the room (a long task)
 * hold the media path up (measured: the server saw the first check 130-180 ms after the answer,
 * 3-10 ms when connect() waits for the candidate).
 */
const GATHER_WAIT_MS = 200;

/**
 * The longest the initial publish waits for the subscriber connection to connect: the others then
 * see the joiner up to this much later, and the joiner sees them sooner (bench:join: ~100 ms at
 * the median, docs/benchmarks.md).
 */
const PUBLISH_WAIT_MS = 1_000;

/** Resolves when `event` does, or after `ms`, whichever comes first. */
function waitAtMost(event: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([event, timeout]).finally(() => clearTimeout(timer));
}

export interface ConnectOptions {
  /** Initial presence; default 'online'. */
  status?: PresenceStatus;
  /**
   * Token mode (a server with API keys): the access token from your app backend, or a function that
   * fetches a fresh one. A function is called for the join and again for every resume or rejoin
   * after a drop, so a token that expired meanwhile is not a problem.
   */
  token?: string | (() => Promise<string>);
  /** The room's password, if it has one (refused joins: `refusal` 'password_required' / 'password_wrong'). */
  password?: string;
  /**
   * Open mode: who this browser is, so that a moderator's ban holds across reloads. Default: a
   * random id made once and kept in localStorage (`confab.identity`). Not sent with a token.
   */
  identity?: string;
  /**
   * The room has its lobby on: the join waits until a moderator decides. Called when the wait
   * starts; `connect()` then resolves once admitted (however long that takes), or rejects with
   * `permission_denied` and `refusal` 'lobby_denied'. Cancel the wait with `signal`.
   */
  onWaiting?: () => void;
  /** Cancels connecting, a lobby wait included: `connect()` then rejects with `closed`. */
  signal?: AbortSignal;
  /**
   * Publish these right after joining (in the background; failures are emitted as RoomEvent.Error),
   * once the connection receiving the others' media has connected (at most 1 s), so that their
   * first frames come first. Default none. A MediaStreamTrack (e.g. a pre-join preview from `createLocalTracks`) is published
   * as it is, without capturing again; the SDK owns it from the call on (stops it on unpublish, on
   * leave, or when the join fails).
   */
  publish?: InitialPublishRequest;
  /**
   * Consent: the meeting is being recorded as you join (`room.recording`). Called once joined,
   * before anything of `publish` goes out (a macrotask after `connect()` resolved); publishing waits
   * for its answer: true publishes, false publishes nothing (the handed-over tracks are stopped).
   * Asked again after a full rejoin into a recording that started while you were away: true
   * publishes your tracks again, false unpublishes and stops them. Without it, publishing starts at
   * once. Not asked when a recording starts while you are in: RoomEvent.RecordingChanged.
   */
  confirmRecording?: (recording: Recording) => Promise<boolean>;
  /** Time allowed for opening the socket plus joining; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** WebSocket implementation (e.g. `ws` in Node tests); default the global one. */
  WebSocket?: typeof WebSocket;
  /** RTCPeerConnection implementation; default the global one. */
  RTCPeerConnection?: typeof RTCPeerConnection;
  /** How long to keep trying to get back after a drop (resume, then full rejoin) before giving up; default 60 000 ms. */
  reconnectTimeoutMs?: number;
  /**
   * Diagnostics: both peer connections use only TURN relay candidates (`iceTransportPolicy:
   * 'relay'`), to check that TURN works. Needs TURN on the server (CONFAB_TURN_URLS); default false.
   */
  forceRelay?: boolean;
  /** How published video is encoded: codec, camera simulcast layers, screen share layers. Default VP8, q/h/f simulcast. */
  publishDefaults?: VideoPublishDefaults;
  /**
   * Adaptive stream (default on, in browsers): remote videos attached with `track.attach(element)`
   * are received at a layer that fits the element, and not at all while no attached element is
   * visible. `debounceMs` spaces size reports (default 200); visibility changes go at once.
   */
  adaptiveStream?: boolean | { debounceMs?: number };
}

/** What exists only while joined; the peer connections are replaced by a full rejoin. */
interface Session {
  readonly signal: SignalClient;
  publisher: PublisherConnection;
  subscriber: SubscriberConnection;
  readonly local: LocalParticipant;
  readonly moderation: Moderation;
  /** Lets us `resume` this session after a drop; replaced by a full rejoin. */
  resumeToken: string;
}

/**
 * A joined room: the participants, their tracks, and you. Get one from `connect()`.
 *
 * When the connection drops, the room goes `Reconnecting`: it resumes the same session (same
 * participant id, ICE restarted, queued requests sent once) or, if the server has ended it, joins
 * afresh and republishes; only when neither works within `reconnectTimeoutMs` is it `Disconnected`.
 * A room that moved to another server (close 4002) is resumed there at once, on new peer connections.
 */
export class Room extends TypedEmitter<RoomEvents> {
  readonly name: string;
  private connectionState = ConnectionState.Connecting;
  private reason: string | undefined = undefined;
  private endError: ConfabError | undefined = undefined;
  /** The server's `removed`, kept for the close that follows it. */
  private removal: ConfabError | undefined = undefined;
  private permissionState: Permissions = NO_PERMISSIONS;
  private accessState: RoomAccess = OPEN_ROOM;
  /** Open mode's per-browser identity, sent with every join. */
  private readonly identity: string | undefined;
  private servers: RTCIceServer[] = [];
  private readonly remotes = new Map<string, RemoteParticipant>();
  private session: Session | undefined = undefined;
  /** Messages that arrived before the join finished setting up. */
  private early: ServerMessage[] | undefined = [];
  /** Messages held while connect() waits for the first offer to be answered (mediaUnderWay). */
  private held: ServerMessage[] | undefined;
  /** `options.publish` with the devices captured during the join (captureEarly). */
  private initialPublish: Promise<InitialPublishRequest | undefined> | undefined;
  private leaving = false;
  private displayName = '';
  private PeerConnection: typeof RTCPeerConnection | undefined;
  private speakers: readonly ActiveSpeaker[] = [];
  private dominant: string | null = null;
  private readonly qualities = new Map<string, ConnectionQuality>();
  private readonly recordingState = new RoomRecording((event, ...args) => this.safeEmit(event, ...args));
  /** Watches the elements remote videos are attached to; undefined when off or outside a browser. */
  private adaptive: AdaptiveStream | undefined = undefined;

  /** @internal Use `connect()`. */
  constructor(
    name: string,
    private readonly options: ConnectOptions = {},
  ) {
    super();
    this.name = name;
    this.identity = options.token === undefined ? (options.identity ?? browserIdentity()) : undefined;
  }

  get state(): ConnectionState {
    return this.connectionState;
  }

  /** Who is speaking now, loudest first (from the server's audio level measurements). */
  get activeSpeakers(): readonly ActiveSpeaker[] {
    return this.speakers;
  }

  /** The participant holding the floor (you, or a remote), null until someone has spoken. */
  get dominantSpeaker(): string | null {
    return this.dominant;
  }

  /** A participant's connection quality as the server judges it; 'excellent' until told otherwise. */
  connectionQuality(participantId: string): ConnectionQuality {
    return this.qualities.get(participantId) ?? 'excellent';
  }

  /** Why the room is Disconnected ('left' after `leave()`); undefined before that. */
  get disconnectReason(): string | undefined {
    return this.reason;
  }

  /**
   * Why the room is Disconnected, for programs: `removed` (its `removal` says kicked, banned,
   * replaced, ended…), a refused reconnect (its `refusal`), else `closed`; undefined after `leave()`.
   */
  get disconnectError(): ConfabError | undefined {
    return this.endError;
  }

  /** What you may do here; RoomEvent.PermissionsChanged tells of changes. */
  get permissions(): Permissions {
    return this.permissionState;
  }

  /** Whether the room is locked, has a lobby, needs a password; RoomEvent.RoomAccessChanged tells of changes. */
  get access(): RoomAccess {
    return this.accessState;
  }

  /**
   * The recording that runs now, or null; RoomEvent.RecordingChanged tells of changes. Already
   * right when connect() resolves, so the app can tell people as they enter.
   */
  get recording(): Recording | null {
    return this.recordingState.current;
  }

  /** The lobby and a moderator's requests (mute, remove, lock, end…). */
  get moderation(): Moderation {
    if (!this.session) throw ConfabError.closed('the room was never joined');
    return this.session.moderation;
  }

  get iceServers(): RTCIceServer[] {
    return this.servers;
  }

  get localParticipant(): LocalParticipant {
    if (!this.session) throw ConfabError.closed('the room was never joined');
    return this.session.local;
  }

  /** Everyone else, by participant id. */
  get participants(): ReadonlyMap<string, RemoteParticipant> {
    return this.remotes;
  }

  /** @internal Opens the signaling socket and joins; on failure the room ends Disconnected. */
  async join(url: string, displayName: string): Promise<void> {
    const deadline = Date.now() + (this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const remaining = (): number => Math.max(1, deadline - Date.now());
    let signal: SignalClient | undefined;
    const cancel = (): void => signal?.close('connect cancelled');
    this.options.signal?.addEventListener('abort', cancel);
    try {
      if (this.options.signal?.aborted) throw ConfabError.closed('connect cancelled');
      const PeerConnection = this.options.RTCPeerConnection ?? globalThis.RTCPeerConnection;
      if (typeof PeerConnection !== 'function') throw ConfabError.connectionFailed('no RTCPeerConnection implementation available');
      this.displayName = displayName;
      this.PeerConnection = PeerConnection;
      this.initialPublish = captureEarly(this.options.publish);
      const request = await this.joinRequest(this.options.status);
      if (this.options.signal?.aborted) throw ConfabError.closed('connect cancelled');
      signal = new SignalClient(url, this.options.WebSocket ? { WebSocket: this.options.WebSocket } : {});
      signal.on('message', (message) => this.onMessage(message));
      signal.on('error', (error) => this.safeEmit(RoomEvent.Error, error));
      signal.on('close', (reason, code) => this.onSocketClosed(reason, code));
      await signal.opened(remaining());
      const joined = await signal.request(request, remaining());
      if (this.connectionState === ConnectionState.Disconnected) throw this.endError ?? ConfabError.closed(this.reason);
      this.setUp(signal, joined, PeerConnection);
      await this.mediaUnderWay(joined, remaining());
    } catch (error) {
      // Removed while joining (the meeting ended while we waited in its lobby): that says more than the close.
      const confabError = this.removal ?? ConfabError.wrap(error);
      this.end(`join failed: ${confabError.reason}`, confabError);
      signal?.close('join failed');
      this.stopHandedOverTracks();
      throw confabError;
    } finally {
      this.options.signal?.removeEventListener('abort', cancel);
    }
    this.warnIfRelayImpossible();
    this.scheduleInitialPublish();
  }

  /** A join for this room: a fresh access token in token mode, this browser's identity in open mode. */
  private async joinRequest(status: PresenceStatus | undefined): Promise<Request<'join'>> {
    const accessToken = await this.accessToken();
    return {
      type: 'join',
      v: PROTOCOL_VERSION,
      room: this.name as RoomName,
      name: this.displayName,
      ...(status ? { status } : {}),
      ...(accessToken !== undefined ? { accessToken } : this.identity !== undefined ? { identity: this.identity } : {}),
      ...(this.options.password ? { password: this.options.password } : {}),
    };
  }

  /** The token to send now (a function is asked each time); undefined in open mode. */
  private async accessToken(): Promise<string | undefined> {
    const token = this.options.token;
    if (token === undefined || typeof token === 'string') return token;
    try {
      return await token();
    } catch (error) {
      throw ConfabError.tokenUnavailable(error);
    }
  }

  /** forceRelay without any TURN server can never connect: say so (a macrotask later, once listeners are attached). */
  private warnIfRelayImpossible(): void {
    if (!this.options.forceRelay || this.servers.some((s) => [s.urls].flat().some((url) => /^turns?:/.test(url)))) return;
    setTimeout(() => {
      if (this.connectionState === ConnectionState.Disconnected) return;
      this.safeEmit(RoomEvent.Error, ConfabError.invalid('forceRelay (?relay=1) needs a TURN server, and the server offers none (CONFAB_TURN_URLS): media cannot connect'));
    }, 0);
  }

  /** Leaves the room: sends `leave`, closes both peer connections and the socket. */
  async leave(): Promise<void> {
    if (this.connectionState === ConnectionState.Disconnected) return;
    this.leaving = true;
    const signal = this.session?.signal;
    if (signal?.isOpen && this.connectionState === ConnectionState.Connected) {
      await signal.request({ type: 'leave' }, LEAVE_TIMEOUT_MS).catch(() => undefined);
    }
    signal?.close('left');
    this.end('left');
  }

  /** Inbound statistics for every subscribed remote track. */
  async getStats(): Promise<TrackStats[]> {
    const jobs: Promise<TrackStats | undefined>[] = [];
    for (const participant of this.remotes.values()) {
      for (const track of participant.tracks.values()) {
        const receiver = track.receiver;
        if (!track.isSubscribed || !receiver) continue;
        jobs.push(
          receiver.getStats().then(
            (report) => {
              const inbound = readInboundRtp(report);
              if (!inbound) return undefined;
              return {
                trackId: track.id,
                participantId: participant.id,
                participantName: participant.name,
                source: track.source,
                kind: track.kind,
                ...inbound,
              };
            },
            () => undefined,
          ),
        );
      }
    }
    const results = await Promise.all(jobs);
    return results.filter((s): s is TrackStats => s !== undefined);
  }

  private setUp(signal: SignalClient, joined: MessageOf<ServerMessage, 'joined'>, PeerConnection: typeof RTCPeerConnection): void {
    const { publisher, subscriber } = this.createPeers(signal, joined.iceServers, PeerConnection);
    const emit: EmitRoomEvent = (event, ...args) => this.safeEmit(event, ...args);
    const local = new LocalParticipant(joined.self, { signal, publisher, emit });
    const moderation = new Moderation(signal, emit);
    this.session = { signal, publisher, subscriber, local, moderation, resumeToken: joined.session.resumeToken };
    this.permissionState = joined.permissions;
    this.accessState = joined.access;
    this.recordingState.joined(joined.recording);
    this.adaptive = this.createAdaptiveStream();
    for (const info of joined.participants) {
      if (info.id !== joined.self.id) this.remotes.set(info.id, this.adopt(new RemoteParticipant(info)));
    }
    signal.resumable = true;
    signal.startHeartbeat(joined.session.heartbeatIntervalMs, joined.session.heartbeatTimeoutMs, joined.session.serverPings);
    this.setState(ConnectionState.Connected);
    const early = this.early ?? [];
    this.early = undefined;
    for (const message of early) this.onMessage(message);
  }

  private createPeers(
    signal: SignalClient,
    iceServers: readonly RTCIceServer[],
    PeerConnection: typeof RTCPeerConnection,
  ): { publisher: PublisherConnection; subscriber: SubscriberConnection } {
    this.servers = iceServers.map((s) => ({ ...s }));
    const config: RTCConfiguration = {
      iceServers: this.servers,
      bundlePolicy: 'max-bundle',
      ...(this.options.forceRelay ? { iceTransportPolicy: 'relay' as const } : {}),
    };
    const onError = (error: ConfabError): void => {
      this.safeEmit(RoomEvent.Error, error);
    };
    const renewIceServers = (): Promise<void> => this.renewIceServers(signal);
    const publisher = new PublisherConnection(new PeerConnection(config), signal, onError, renewIceServers, this.options.publishDefaults);
    const subscriber = new SubscriberConnection(new PeerConnection(config), signal, {
      onTrack: (slot) => this.onMediaArrived(slot),
      onTrackEnded: (slot) => this.onMediaEnded(slot),
      onError,
      renewIceServers,
    });
    return { publisher, subscriber };
  }

  /**
   * Asks the server for fresh ICE servers (TURN credentials expire, by default after 6 h) and
   * applies them; the next ICE restart gathers with them. A failure keeps the old ones: the
   * restart is still worth trying.
   */
  private async renewIceServers(signal: SignalClient): Promise<void> {
    try {
      const reply = await signal.request({ type: 'ice_servers' });
      this.applyIceServers(reply.iceServers);
    } catch (error) {
      const confabError = ConfabError.wrap(error);
      if (confabError.code !== 'closed') this.safeEmit(RoomEvent.Error, confabError);
    }
  }

  /** New ICE servers for both peer connections, kept for the next ICE restart (`setConfiguration`). */
  private applyIceServers(servers: readonly RTCIceServer[]): void {
    const session = this.session;
    if (!session) return;
    this.servers = servers.map((s) => ({ ...s }));
    for (const pc of [session.publisher.pc, session.subscriber.pc]) {
      try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: this.servers });
      } catch (error) {
        this.safeEmit(RoomEvent.Error, ConfabError.connectionFailed('could not apply the renewed ICE servers', error));
      }
    }
  }

  private createAdaptiveStream(): AdaptiveStream | undefined {
    const option = this.options.adaptiveStream ?? true;
    if (option === false || !ElementVisibility.supported()) return undefined;
    return new AdaptiveStream((settings) => this.sendTrackSettings(settings), option === true ? undefined : option.debounceMs);
  }

  private sendTrackSettings(settings: TrackSettings): void {
    const signal = this.session?.signal;
    if (!signal?.isOpen || this.connectionState !== ConnectionState.Connected) return; // resent after reconnecting
    try {
      signal.send({ type: 'track_settings', trackId: settings.trackId as TrackId, visible: settings.visible, width: settings.width, height: settings.height });
    } catch {
      // the socket closed just now: resent after reconnecting
    }
  }

  /** Video tracks of `participant` report their attached elements to adaptive stream. */
  private adopt(participant: RemoteParticipant): RemoteParticipant {
    for (const track of participant.tracks.values()) track.setViewer(this.adaptive);
    return participant;
  }

  private scheduleInitialPublish(): void {
    const request = this.options.publish;
    if (!request?.microphone && !request?.camera) return;
    const captured = this.initialPublish ?? Promise.resolve(request);
    const confirm = this.options.confirmRecording;
    // A macrotask later at least, so the caller has attached its listeners after `await connect()`.
    setTimeout(() => {
      const recording = this.recording;
      const agreed = recording && confirm ? confirm(recording).catch(() => false) : Promise.resolve(true);
      void agreed.then(async (yes) => {
        const ready = (await captured) ?? request;
        if (!yes) return this.stopHandedOverTracks();
        await this.remoteMediaConnected();
        this.publishInitialWhenConnected(ready);
      });
    }, 0);
  }

  /**
   * The room has tracks for us: the server's first subscriber offer follows `joined` at once
   * (`subscriberOfferFollows`). It is answered, and its connection's first candidate gathered, before
   * connect() resolves, so that the app's first rendering of the room (a long task) does not hold up
   * the media's negotiation and ICE. Other messages wait meanwhile, in order, and reach the app's
   * listeners a macrotask after connect() resolved. At most OFFER_WAIT_MS + GATHER_WAIT_MS.
   */
  private async mediaUnderWay(joined: MessageOf<ServerMessage, 'joined'>, timeoutMs: number): Promise<void> {
    const session = this.session;
    if (!session || joined.subscriberOfferFollows !== true) return;
    this.held = [];
    await waitAtMost(session.subscriber.firstOfferHandled, Math.min(OFFER_WAIT_MS, timeoutMs));
    await waitAtMost(session.subscriber.firstCandidate, GATHER_WAIT_MS);
    if (this.held.length === 0) {
      this.held = undefined;
      return;
    }
    setTimeout(() => {
      const held = this.held ?? [];
      this.held = undefined;
      for (const message of held) this.onMessage(message);
    }, 0);
  }

  /**
   * Resolves once the subscriber connection is connected, at most PUBLISH_WAIT_MS, when there is
   * anyone's media to receive; at once otherwise. The initial publish waits for it: making and
   * offering the publisher connection is main-thread work that held the others' first frames up.
   */
  private remoteMediaConnected(): Promise<void> {
    const subscriber = this.session?.subscriber;
    const mediaToReceive = [...this.remotes.values()].some((p) => p.tracks.size > 0);
    if (!subscriber || !mediaToReceive) return Promise.resolve();
    return waitAtMost(subscriber.firstConnected, PUBLISH_WAIT_MS);
  }

  /** A drop right after joining only delays the initial publish; a room that ended stops handed-over tracks. */
  private publishInitialWhenConnected(request: NonNullable<ConnectOptions['publish']>): void {
    if (this.connectionState === ConnectionState.Reconnecting) {
      const onState = (state: ConnectionState): void => {
        if (state === ConnectionState.Reconnecting) return;
        this.off(RoomEvent.ConnectionStateChanged, onState);
        this.publishInitialWhenConnected(request);
      };
      this.on(RoomEvent.ConnectionStateChanged, onState);
      return;
    }
    if (!this.session || this.connectionState !== ConnectionState.Connected) {
      this.stopHandedOverTracks();
      return;
    }
    void this.session.local.publishInitial(request.microphone || undefined, request.camera || undefined).then((errors) => {
      for (const error of errors) this.safeEmit(RoomEvent.Error, error);
    });
  }

  /** Tracks given to `connect({ publish })` are ours from then on: stop them if they never got published. */
  private stopHandedOverTracks(): void {
    stopTracks(this.options.publish);
    void this.initialPublish?.then(stopTracks);
  }

  private onMessage(message: ServerMessage): void {
    // Both can come before `joined`, while the join is still pending.
    if (message.type === 'waiting') {
      if (this.connectionState === ConnectionState.Connecting) this.options.onWaiting?.();
      return;
    }
    if (message.type === 'removed') return this.onRemoved(ConfabError.removed(message.reason, message.message));
    if (this.early) {
      this.early.push(message);
      return;
    }
    if (this.connectionState !== ConnectionState.Disconnected && this.recordingState.handle(message)) return; // state: never held
    if (this.held && message.type !== 'offer' && message.type !== 'candidate') {
      this.held.push(message);
      return;
    }
    const session = this.session;
    if (!session || this.connectionState === ConnectionState.Disconnected) return;
    const selfId = session.local.id;
    switch (message.type) {
      case 'participant_joined':
        if (message.participant.id !== selfId) this.onParticipantJoined(message.participant);
        break;
      case 'participant_left':
        this.onParticipantLeft(message.participantId, message.reason);
        break;
      case 'participant_updated':
        if (message.participant.id === selfId) this.onSelfUpdated(message.participant);
        else this.onParticipantUpdated(message.participant);
        break;
      case 'track_published':
        if (message.participantId === selfId) session.local.assignTrackId(message.track.source, message.track.id);
        else this.onTrackPublished(message.participantId, new RemoteTrack(message.track, message.participantId));
        break;
      case 'track_unpublished':
        if (message.participantId === selfId) session.local.applyUnpublished(message.trackId);
        else this.onTrackUnpublished(message.participantId, message.trackId);
        break;
      case 'track_muted':
        if (message.participantId !== selfId) this.onTrackMuted(message.participantId, message.trackId, message.muted);
        else if (message.forced && message.muted) void session.local.applyForcedMute(message.trackId);
        break;
      case 'offer':
        void session.subscriber.handleOffer(message);
        break;
      case 'candidate':
        if (message.target === 'publisher') session.publisher.addRemoteCandidate(message.candidate);
        else session.subscriber.addRemoteCandidate(message.candidate);
        break;
      case 'chat':
        this.safeEmit(RoomEvent.ChatMessage, {
          id: message.messageId,
          participantId: message.participantId,
          name: message.name,
          time: new Date(message.time),
          text: message.text,
          fromSelf: message.participantId === selfId,
        });
        break;
      case 'error':
        this.safeEmit(RoomEvent.Error, ConfabError.fromServer(message.code, message.message, message.reason));
        break;
      case 'permissions':
        this.setPermissions(message.permissions);
        break;
      case 'room_access':
        this.setAccess(message.access);
        break;
      case 'lobby':
        session.moderation.setWaiting(message.waiting);
        break;
      case 'system_message':
        this.safeEmit(RoomEvent.SystemMessage, { id: message.messageId, time: new Date(message.time), text: message.text });
        break;
      case 'shutdown':
        this.safeEmit(RoomEvent.ShutdownAnnounced, message.seconds);
        break;
      case 'active_speakers':
        this.onActiveSpeakers(message);
        break;
      case 'connection_quality':
        for (const { participantId, quality } of message.updates) {
          const before = this.connectionQuality(participantId);
          this.qualities.set(participantId, quality);
          if (before === quality) continue;
          this.safeEmit(RoomEvent.ConnectionQualityChanged, quality, participantId);
        }
        break;
      case 'subscribed_layers':
        session.local.setSubscribedLayers(message);
        break;
      case 'stream_state':
        this.onStreamState(message.trackId, message.state, message.reason);
        break;
      case 'recording_started':
      case 'recording_stopped':
        break; // handled above (recordingState), also while held
      case 'joined':
      case 'resumed':
      case 'answer':
      case 'ack':
      case 'pong':
        break; // replies without a pending request: nothing to do
    }
  }

  private setPermissions(permissions: Permissions): void {
    const session = this.session;
    if (JSON.stringify(permissions) === JSON.stringify(this.permissionState)) return;
    this.permissionState = permissions;
    session?.local.applyModerator(permissions.moderator);
    if (!permissions.moderator) session?.moderation.clearWaiting();
    this.safeEmit(RoomEvent.PermissionsChanged, permissions);
  }

  private setAccess(access: RoomAccess): void {
    if (JSON.stringify(access) === JSON.stringify(this.accessState)) return;
    this.accessState = access;
    this.safeEmit(RoomEvent.RoomAccessChanged, access);
  }

  /**
   * The server sent us out for good (`removed`, then close 4003): no reconnect. While still joining
   * the close that follows fails the join, with this error.
   */
  private onRemoved(error: ConfabError): void {
    if (this.connectionState === ConnectionState.Disconnected) return;
    this.removal = error;
    if (!this.session) return;
    this.safeEmit(RoomEvent.Removed, error.removal, error.reason);
    this.end(error.reason, error);
  }

  private onActiveSpeakers(message: MessageOf<ServerMessage, 'active_speakers'>): void {
    this.speakers = message.speakers.map((s) => ({ participantId: s.participantId, level: s.level }));
    this.safeEmit(RoomEvent.ActiveSpeakersChanged, this.speakers);
    if (message.dominant !== this.dominant) {
      this.dominant = message.dominant;
      this.safeEmit(RoomEvent.DominantSpeakerChanged, this.dominant);
    }
  }

  private onParticipantJoined(info: ParticipantInfo): void {
    const existing = this.remotes.get(info.id);
    if (existing) {
      if (existing.update(info)) this.safeEmit(RoomEvent.ParticipantUpdated, existing);
      return;
    }
    const participant = this.adopt(new RemoteParticipant(info));
    this.remotes.set(info.id, participant);
    this.safeEmit(RoomEvent.ParticipantJoined, participant);
    for (const track of participant.tracks.values()) {
      this.safeEmit(RoomEvent.TrackPublished, track, participant);
      this.attachArrivedMedia(track, participant);
    }
  }

  private onParticipantLeft(participantId: string, reason: RoomEvents[RoomEvent.ParticipantLeft][1]): void {
    const participant = this.remotes.get(participantId);
    if (!participant) return;
    for (const track of [...participant.tracks.values()]) this.dropTrack(participant, track);
    this.remotes.delete(participantId);
    this.qualities.delete(participantId);
    this.safeEmit(RoomEvent.ParticipantLeft, participant, reason);
  }

  private onParticipantUpdated(info: ParticipantInfo): void {
    const participant = this.remotes.get(info.id);
    if (!participant) {
      this.onParticipantJoined(info);
      return;
    }
    if (participant.update(info)) this.safeEmit(RoomEvent.ParticipantUpdated, participant);
  }

  private onSelfUpdated(info: ParticipantInfo): void {
    this.session?.local.applyInfo(info);
  }

  private onTrackPublished(participantId: string, track: RemoteTrack): void {
    const participant = this.remotes.get(participantId);
    if (!participant) return;
    const replaced = participant.setTrack(track);
    if (replaced) this.dropTrack(participant, replaced);
    track.setViewer(this.adaptive);
    this.safeEmit(RoomEvent.TrackPublished, track, participant);
    this.attachArrivedMedia(track, participant);
  }

  private onTrackUnpublished(participantId: string, trackId: string): void {
    const participant = this.remotes.get(participantId);
    const track = participant?.trackById(trackId);
    if (participant && track) this.dropTrack(participant, track);
  }

  private onTrackMuted(participantId: string, trackId: string, muted: boolean): void {
    const participant = this.remotes.get(participantId);
    const track = participant?.trackById(trackId);
    if (!participant || !track || track.muted === muted) return;
    track.muted = muted;
    this.safeEmit(RoomEvent.TrackMuted, track, participant);
  }

  private onStreamState(trackId: string, state: StreamState, reason: StreamPauseReason | undefined): void {
    for (const participant of this.remotes.values()) {
      const track = participant.trackById(trackId);
      if (!track) continue;
      if (track.setStreamState(state, reason)) this.safeEmit(RoomEvent.TrackStreamStateChanged, track, participant, track.streamState);
      return;
    }
  }

  /** Unsubscribes (if subscribed) and unpublishes `track`. */
  private dropTrack(participant: RemoteParticipant, track: RemoteTrack): void {
    this.adaptive?.forget(track.id);
    track.setViewer(undefined);
    participant.removeTrack(track);
    this.unsubscribe(track, participant);
    this.safeEmit(RoomEvent.TrackUnpublished, track, participant);
  }

  /** Media for a slot arrived; the track may not be announced yet (then track_published attaches it). */
  private onMediaArrived(slot: SubscriberSlot): void {
    const participant = this.remotes.get(slot.participantId);
    const track = participant?.trackById(slot.trackId);
    if (participant && track) this.subscribe(track, participant, slot);
  }

  private onMediaEnded(slot: SubscriberSlot): void {
    const participant = this.remotes.get(slot.participantId);
    const track = participant?.trackById(slot.trackId);
    if (participant && track && track.mediaStreamTrack === slot.mediaStreamTrack) this.unsubscribe(track, participant);
  }

  private attachArrivedMedia(track: RemoteTrack, participant: RemoteParticipant): void {
    const slot = this.session?.subscriber.slotFor(track.id);
    if (slot?.mediaStreamTrack && slot.participantId === participant.id) this.subscribe(track, participant, slot);
  }

  private subscribe(track: RemoteTrack, participant: RemoteParticipant, slot: SubscriberSlot): void {
    if (track.isSubscribed || !slot.mediaStreamTrack) return;
    track.setMedia(slot.mediaStreamTrack, slot.receiver);
    this.safeEmit(RoomEvent.TrackSubscribed, track, participant);
  }

  private unsubscribe(track: RemoteTrack, participant: RemoteParticipant): void {
    if (!track.isSubscribed) return;
    const paused = track.streamState === 'paused';
    this.safeEmit(RoomEvent.TrackUnsubscribed, track, participant);
    track.setMedia(undefined, undefined);
    if (paused) this.safeEmit(RoomEvent.TrackStreamStateChanged, track, participant, track.streamState);
  }

  /** The socket closed or went silent: get the session back, unless it ended for a reason a retry can't fix. */
  private onSocketClosed(reason: string, code: number): void {
    const session = this.session;
    if (this.reason !== undefined) return; // ending: the close is our own
    if (this.leaving) return this.end('left');
    if (code === SessionCloseCode.Removed) this.onRemoved(this.removal ?? ConfabError.removed(undefined));
    if (!session || !session.signal.resumable || isFinalClose(code)) return this.end(this.removal?.reason ?? reason, this.removal);
    if (this.connectionState !== ConnectionState.Connected) return;
    this.setState(ConnectionState.Reconnecting);
    this.safeEmit(RoomEvent.Reconnecting, reason);
    void this.reconnect(session, reason);
  }

  /** Tries resume, then a full rejoin, with backoff, until one works or `reconnectTimeoutMs` passes. */
  private async reconnect(session: Session, reason: string): Promise<void> {
    const giveUpAt = Date.now() + (this.options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS);
    let resumable = true;
    let lastFailure = reason;
    for (let attempt = 0; ; attempt++) {
      await new Promise((r) => setTimeout(r, backoffDelay(attempt)));
      if (this.connectionState !== ConnectionState.Reconnecting) return; // left meanwhile
      if (Date.now() > giveUpAt) return this.end(`could not reconnect: ${lastFailure}`);
      try {
        await session.signal.reconnect(RECONNECT_ATTEMPT_TIMEOUT_MS);
        if (resumable) {
          try {
            const accessToken = await this.accessToken();
            const resumed = await session.signal.handshake(
              {
                type: 'resume',
                v: PROTOCOL_VERSION,
                room: this.name as RoomName,
                participantId: session.local.id as never,
                token: session.resumeToken,
                lastSeq: session.signal.lastSeq,
                ...(accessToken !== undefined ? { accessToken } : {}),
              },
              RECONNECT_ATTEMPT_TIMEOUT_MS,
            );
            return this.onResumed(session, resumed);
          } catch (error) {
            if (!(error instanceof ConfabError && error.code === 'not_found')) throw error;
            resumable = false; // the server ended the session: join afresh on this same socket
          }
        }
        const joined = await session.signal.handshake(await this.joinRequest(session.local.status), RECONNECT_ATTEMPT_TIMEOUT_MS);
        return await this.onRejoined(session, joined);
      } catch (error) {
        const failure = ConfabError.wrap(error);
        // Refused (banned, locked, a token that no longer works): asking again gets the same answer.
        if (failure.refusal !== undefined) return this.end(`could not reconnect: ${failure.reason}`, failure);
        lastFailure = failure.reason;
        if (failure.code === 'closed' && this.connectionState !== ConnectionState.Reconnecting) return;
      }
    }
  }

  private onResumed(session: Session, resumed: MessageOf<ServerMessage, 'resumed'>): void {
    if (this.connectionState !== ConnectionState.Reconnecting) return;
    if (resumed.mediaReset) return void this.onMediaReset(session, resumed);
    // Fresh TURN credentials first: both ICE restarts that follow gather with them.
    if (resumed.iceServers) this.applyIceServers(resumed.iceServers);
    session.signal.resumed(resumed.lastRequestId);
    this.setState(ConnectionState.Connected);
    this.safeEmit(RoomEvent.Reconnected, true);
    this.adaptive?.resendAll(); // what we sent while away was dropped
    // The server restarts ICE on the subscriber side by itself; the publisher side is ours to restart.
    session.publisher.restartIce(!resumed.iceServers).catch((error: unknown) => {
      if (this.connectionState !== ConnectionState.Disconnected) this.safeEmit(RoomEvent.Error, ConfabError.wrap(error));
    });
  }

  /**
   * The session is back on a server whose media is new (the room moved to another node): same
   * participant id and remote participants, but both peer connections are rebuilt and our tracks
   * published again. Remote media arrives anew on the same remote tracks.
   */
  private async onMediaReset(session: Session, resumed: MessageOf<ServerMessage, 'resumed'>): Promise<void> {
    const publisher = this.replacePeers(session, resumed.iceServers ?? this.servers);
    session.signal.resumed(resumed.lastRequestId, true);
    for (const participant of this.remotes.values()) {
      for (const track of participant.tracks.values()) this.unsubscribe(track, participant);
    }
    await this.reconnected(session, publisher, true);
  }

  /** The old session is gone: new peer connections, the room as it is now, and our tracks published again. */
  private async onRejoined(session: Session, joined: MessageOf<ServerMessage, 'joined'>): Promise<void> {
    if (this.connectionState !== ConnectionState.Reconnecting) return;
    const publisher = this.replacePeers(session, joined.iceServers);
    session.resumeToken = joined.session.resumeToken;
    session.signal.rejoined();
    this.reconcileParticipants(joined);
    this.setPermissions(joined.permissions);
    this.setAccess(joined.access);
    // A recording we never saw start (it began while we were away) is asked about as at the join.
    const confirm = this.options.confirmRecording;
    const unseen = joined.recording !== undefined && joined.recording.recordingId !== this.recordingState.current?.recordingId;
    this.recordingState.joined(joined.recording);
    const recording = this.recordingState.current;
    const consent = unseen && confirm && recording ? () => confirm(recording).catch(() => false) : undefined;
    session.moderation.clearWaiting(); // the server sends the lobby again if anyone waits
    const handWasUp = session.local.handRaised;
    session.local.applyInfo(joined.self);
    if (handWasUp) session.local.setHandRaised(true).catch(() => undefined); // a new session: the hand stays up
    await this.reconnected(session, publisher, false, joined.self.id, consent);
  }

  /** Closes both peer connections and opens new ones; returns the new publisher. */
  private replacePeers(session: Session, iceServers: readonly RTCIceServer[]): PublisherConnection {
    session.publisher.close();
    session.subscriber.close();
    const { publisher, subscriber } = this.createPeers(session.signal, iceServers, this.PeerConnection!);
    session.publisher = publisher;
    session.subscriber = subscriber;
    return publisher;
  }

  /**
   * Back on new peer connections: Connected, then every track of ours published again on
   * `publisher`, once `consent` (a recording to agree to) says yes; a no unpublishes them.
   */
  private async reconnected(session: Session, publisher: PublisherConnection, resumed: boolean, participantId?: string, consent?: () => Promise<boolean>): Promise<void> {
    this.setState(ConnectionState.Connected);
    this.safeEmit(RoomEvent.Reconnected, resumed);
    this.adaptive?.resendAll(); // what we sent while away was dropped, or belonged to the old session
    if (consent) {
      const yes = await consent();
      // Left meanwhile, or another rejoin replaced these peers (and publishes on its own).
      if (session.publisher !== publisher || this.connectionState !== ConnectionState.Connected) return;
      if (!yes) return session.local.withdrawAll(publisher, participantId ?? session.local.id);
    }
    const errors = await session.local.republish(publisher, participantId);
    for (const error of errors) this.safeEmit(RoomEvent.Error, error);
  }

  /** After a rejoin: media of everyone arrives anew; people who left meanwhile leave, newcomers join. */
  private reconcileParticipants(joined: MessageOf<ServerMessage, 'joined'>): void {
    const present = new Map(joined.participants.map((info) => [info.id as string, info]));
    for (const participant of [...this.remotes.values()]) {
      for (const track of participant.tracks.values()) this.unsubscribe(track, participant);
      const info = present.get(participant.id);
      if (!info) this.onParticipantLeft(participant.id, 'disconnected');
      else {
        this.onParticipantUpdated(info);
        const fresh = new Set(info.tracks.map((t) => t.id as string));
        for (const track of [...participant.tracks.values()]) if (!fresh.has(track.id)) this.dropTrack(participant, track);
        for (const track of info.tracks) if (!participant.trackById(track.id)) this.onTrackPublished(participant.id, new RemoteTrack(track, participant.id));
      }
    }
    for (const info of joined.participants) if (info.id !== joined.self.id && !this.remotes.has(info.id)) this.onParticipantJoined(info);
  }

  /** Final teardown: close the peer connections, stop captured media, state → Disconnected. */
  private end(reason: string, error: ConfabError | undefined = reason === 'left' ? undefined : ConfabError.closed(reason)): void {
    if (this.connectionState === ConnectionState.Disconnected) return;
    this.reason = reason;
    this.endError = error;
    this.early = undefined;
    const session = this.session;
    if (session) {
      session.publisher.close();
      session.subscriber.close();
      session.local.dispose();
      session.signal.close(reason); // idempotent; also fails requests queued while reconnecting
    }
    this.adaptive?.dispose();
    this.adaptive = undefined;
    for (const participant of this.remotes.values()) {
      for (const track of participant.tracks.values()) {
        track.setViewer(undefined);
        track.setMedia(undefined, undefined);
      }
    }
    this.setState(ConnectionState.Disconnected);
    this.safeEmit(RoomEvent.Disconnected, reason, error);
  }

  /** The one place the state changes; emits only on a change. */
  private setState(state: ConnectionState): boolean {
    if (this.connectionState === state) return false;
    this.connectionState = state;
    this.safeEmit(RoomEvent.ConnectionStateChanged, state);
    return true;
  }
}
