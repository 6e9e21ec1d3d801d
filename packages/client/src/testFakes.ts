/**
 * Test doubles for the unit tests (not exported from the package): a scriptable WebSocket and a
 * tiny RTCPeerConnection stand-in. Fake SDP is `fake mids=0,1`: the m-lines that carry media.
 */

type Handler = (event: unknown) => void;

export class FakeWebSocket {
  readyState = 0;
  readonly sent: string[] = [];
  /** Called with every parsed frame the client sends. */
  onSend: ((message: Record<string, unknown>, socket: FakeWebSocket) => void) | undefined = undefined;
  closeCode: number | undefined = undefined;
  private readonly handlers = new Map<string, Set<Handler>>();

  constructor(readonly url: string) {}

  addEventListener(type: string, handler: Handler): void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler);
    this.handlers.set(type, set);
  }

  removeEventListener(type: string, handler: Handler): void {
    this.handlers.get(type)?.delete(handler);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
    this.onSend?.(JSON.parse(data) as Record<string, unknown>, this);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.closeCode = code;
    this.dispatch('close', { code, reason });
  }

  // ---- the "server" side ----
  open(): void {
    this.readyState = 1;
    this.dispatch('open', {});
  }

  receive(message: unknown): void {
    this.dispatch('message', { data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  fail(): void {
    this.dispatch('error', {});
    this.readyState = 3;
    this.dispatch('close', { code: 1006, reason: '' });
  }

  serverClose(code: number, reason: string): void {
    this.readyState = 3;
    this.dispatch('close', { code, reason });
  }

  messages(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  private dispatch(type: string, event: unknown): void {
    for (const handler of [...(this.handlers.get(type) ?? [])]) handler(event);
  }
}

/** A WebSocket class whose instances land in `sockets`, plus a hook run on each new one. */
export function fakeWebSocketClass(onCreate?: (socket: FakeWebSocket) => void): {
  WebSocket: typeof WebSocket;
  sockets: FakeWebSocket[];
} {
  const sockets: FakeWebSocket[] = [];
  class Impl extends FakeWebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
      onCreate?.(this);
    }
  }
  return { WebSocket: Impl as unknown as typeof WebSocket, sockets };
}

export class FakeMediaStreamTrack {
  enabled = true;
  contentHint = '';
  stopped = false;
  private readonly handlers = new Map<string, Set<() => void>>();
  constructor(
    readonly kind: 'audio' | 'video',
    readonly id: string,
  ) {}
  stop(): void {
    this.stopped = true;
  }
  getConstraints(): MediaTrackConstraints {
    return {};
  }
  addEventListener(type: string, handler: () => void): void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler);
    this.handlers.set(type, set);
  }
  removeEventListener(type: string, handler: () => void): void {
    this.handlers.get(type)?.delete(handler);
  }
  /** Simulates the browser ending the track (e.g. "Stop sharing"). */
  end(): void {
    for (const handler of [...(this.handlers.get('ended') ?? [])]) handler();
  }
}

export function fakeTrack(kind: 'audio' | 'video', id = `${kind}-${Math.random().toString(36).slice(2, 8)}`): MediaStreamTrack {
  return new FakeMediaStreamTrack(kind, id) as unknown as MediaStreamTrack;
}

export interface FakeSender {
  track: MediaStreamTrack | null;
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
  getParameters?(): RTCRtpSendParameters;
  setParameters?(parameters: RTCRtpSendParameters): Promise<void>;
}

/**
 * A sender's parameters with the browser's rules that matter here: setParameters must carry the
 * transactionId of the latest getParameters (so unserialised read-modify-writes fail, as in
 * Chromium), it takes a moment, and encodings cannot be added, removed or renamed.
 */
export class FakeSenderParameters {
  encodings: RTCRtpEncodingParameters[];
  degradationPreference: RTCDegradationPreference | undefined = undefined;
  /** Every successful setParameters, as written. */
  readonly writes: RTCRtpSendParameters[] = [];
  private transaction = 0;

  constructor(encodings: RTCRtpEncodingParameters[] | undefined) {
    this.encodings = (encodings && encodings.length > 0 ? encodings : [{}]).map((e) => ({ active: true, ...e }));
  }

  getParameters(): RTCRtpSendParameters {
    const parameters = {
      transactionId: String(++this.transaction),
      encodings: this.encodings.map((e) => ({ ...e })),
      headerExtensions: [],
      rtcp: {},
      codecs: [],
    } as RTCRtpSendParameters;
    if (this.degradationPreference !== undefined) parameters.degradationPreference = this.degradationPreference;
    return parameters;
  }

  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    if (parameters.transactionId !== String(this.transaction)) throw new Error('InvalidModificationError: stale transactionId');
    if (parameters.encodings.map((e) => e.rid).join() !== this.encodings.map((e) => e.rid).join()) throw new Error('InvalidModificationError: encodings changed');
    const transaction = this.transaction;
    await tick(1);
    if (transaction !== this.transaction) throw new Error('InvalidStateError: getParameters called during setParameters');
    this.transaction++; // the transaction is used up
    this.encodings = parameters.encodings.map((e) => ({ ...e }));
    this.degradationPreference = parameters.degradationPreference;
    this.writes.push(parameters);
  }
}

export interface FakeTransceiver {
  mid: string | null;
  /** What addTransceiver was given. */
  init: RTCRtpTransceiverInit | undefined;
  /** The last setCodecPreferences, if any. */
  codecPreferences: RTCRtpCodec[] | undefined;
  setCodecPreferences(codecs: RTCRtpCodec[]): void;
  direction: string;
  active: boolean;
  stopped: boolean;
  sender: FakeSender;
  receiver: { track: MediaStreamTrack; getStats(): Promise<Map<string, unknown>> };
  stop(): void;
}

export class FakePeerConnection {
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  onicecandidate: ((event: { candidate: unknown }) => void) | null = null;
  ontrack: ((event: unknown) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  iceConnectionState: RTCIceConnectionState = 'new';
  /** Options of every createOffer call, e.g. to see an ICE restart. */
  readonly offerOptions: (RTCOfferOptions | undefined)[] = [];
  closed = false;
  readonly transceivers: FakeTransceiver[] = [];
  readonly candidates: (RTCIceCandidateInit | undefined)[] = [];
  /** When set, setRemoteDescription of an answer fails with this. */
  failRemoteAnswer: Error | undefined = undefined;
  private nextMid = 0;

  /** Every setConfiguration call, e.g. to see renewed TURN credentials applied. */
  readonly configurations: RTCConfiguration[] = [];

  constructor(public config: RTCConfiguration) {}

  /** As the browser: the new state, then `connectionstatechange`. */
  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  getConfiguration(): RTCConfiguration {
    return { ...this.config };
  }

  setConfiguration(config: RTCConfiguration): void {
    this.config = config;
    this.configurations.push(config);
  }

  /** Test hook: the ICE agent reports a new state. */
  setIceState(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
  }

  addTransceiver(track: MediaStreamTrack, init: RTCRtpTransceiverInit): FakeTransceiver {
    const parameters = new FakeSenderParameters(init.sendEncodings);
    const sender: FakeSender & { parameters: FakeSenderParameters } = {
      track,
      replaceTrack: async (next) => {
        sender.track = next;
      },
      parameters,
      getParameters: () => parameters.getParameters(),
      setParameters: (p) => parameters.setParameters(p),
    };
    const transceiver = this.makeTransceiver(null, init.direction ?? 'sendrecv', sender, track.kind as 'audio' | 'video');
    transceiver.init = init;
    return transceiver;
  }

  async createOffer(options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit> {
    this.offerOptions.push(options);
    return { type: 'offer', sdp: `fake offer ${this.transceivers.filter((t) => !t.stopped).length}` };
  }

  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: 'fake answer' };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (description.type === 'rollback') {
      for (const t of this.transceivers) if (!t.active) t.mid = null;
      this.signalingState = 'stable';
      return;
    }
    this.localDescription = description;
    if (description.type === 'offer') {
      for (const t of this.transceivers) if (t.mid === null && !t.stopped) t.mid = String(this.nextMid++);
      this.signalingState = 'have-local-offer';
    } else {
      this.signalingState = 'stable';
    }
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (description.type === 'answer') {
      if (this.failRemoteAnswer) throw this.failRemoteAnswer;
      this.remoteDescription = description;
      for (const t of this.transceivers) if (t.mid !== null) t.active = true;
      this.signalingState = 'stable';
      return;
    }
    this.remoteDescription = description;
    this.signalingState = 'have-remote-offer';
    const mids = /mids=([\w,]*)/.exec(description.sdp ?? '')?.[1]?.split(',').filter(Boolean) ?? [];
    for (const t of this.transceivers) if (t.mid !== null && !mids.includes(t.mid)) t.active = false;
    for (const mid of mids) {
      let t = this.transceivers.find((x) => x.mid === mid);
      if (!t) t = this.makeTransceiver(mid, 'recvonly', { track: null, replaceTrack: async () => undefined }, 'video');
      if (!t.active) {
        t.active = true;
        this.ontrack?.({ track: t.receiver.track, receiver: t.receiver, transceiver: t, streams: [] });
      }
    }
  }

  async addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void> {
    this.candidates.push(candidate);
  }

  removeTrack(sender: FakeSender): void {
    sender.track = null;
  }

  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }

  close(): void {
    this.closed = true;
  }

  private makeTransceiver(mid: string | null, direction: string, sender: FakeSender, kind: 'audio' | 'video'): FakeTransceiver {
    const receiverTrack = fakeTrack(kind, `recv-${mid ?? this.transceivers.length}`);
    const transceiver: FakeTransceiver = {
      mid,
      init: undefined,
      codecPreferences: undefined,
      setCodecPreferences: (codecs) => {
        transceiver.codecPreferences = codecs;
      },
      direction,
      active: false,
      stopped: false,
      sender,
      receiver: {
        track: receiverTrack,
        getStats: async () => new Map([['in', { type: 'inbound-rtp', bytesReceived: 1000, packetsReceived: 10, packetsLost: 1, jitter: 0.01 }]]),
      },
      stop: () => {
        transceiver.stopped = true;
      },
    };
    this.transceivers.push(transceiver);
    return transceiver;
  }
}

/** An RTCPeerConnection class whose instances land in `peers`. */
export function fakePeerConnectionClass(): { RTCPeerConnection: typeof RTCPeerConnection; peers: FakePeerConnection[] } {
  const peers: FakePeerConnection[] = [];
  class Impl extends FakePeerConnection {
    constructor(config: RTCConfiguration) {
      super(config);
      peers.push(this);
    }
  }
  return { RTCPeerConnection: Impl as unknown as typeof RTCPeerConnection, peers };
}

/** Lets queued promise callbacks and zero-delay timers run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A participant as the server describes one (ParticipantInfo): online, no tracks, not a moderator, unless `fields` say otherwise. */
export function participantInfo(fields: { id: string; name: string } & Record<string, unknown>): Record<string, unknown> {
  return { identity: `identity-${fields.id}`, moderator: false, handRaised: false, status: 'online', connection: 'connected', joinedAt: 1_700_000_000_000, tracks: [], ...fields };
}

/** The server's `joined` reply to request `id`: an open room where everyone may do everything but moderate, unless `fields` say otherwise. */
export function joinedMessage(id: number, fields: { self: unknown } & Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'joined',
    id,
    v: 1,
    room: 'standup',
    participants: [],
    iceServers: [],
    permissions: { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: false },
    access: { locked: false, lobby: false, passwordProtected: false },
    session: { resumeToken: 'token', resumeWindowMs: 15_000, heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 4_000 },
    ...fields,
  };
}

/** How a scripted server answers a request: the reply to send, or undefined for none (the test replies itself). */
export type ScriptedReply = (message: Record<string, unknown>, socket: FakeWebSocket) => unknown;

/**
 * Makes `socket`'s server side answer like docs/protocol.md says: it opens, then each request gets
 * its reply a moment later (`resumed`, an answer to an offer, fresh ICE servers, `ack` to the
 * rest); `replies` answers by request type instead (a join has no standard answer).
 */
export function scriptSocket(socket: FakeWebSocket, replies: Partial<Record<string, ScriptedReply>>): void {
  queueMicrotask(() => socket.open());
  socket.onSend = (message, ws) => {
    const id = message['id'] as number | undefined;
    if (id === undefined) return;
    setTimeout(() => {
      if (ws.readyState !== 1) return;
      const custom = replies[message['type'] as string];
      const reply = custom ? custom(message, ws) : standardReply(message['type'] as string, id);
      if (reply !== undefined) ws.receive(reply);
    }, 1);
  };
}

/** A WebSocket class whose every socket is scripted, joining as `self` (with `joinFields` on top of `joined`). */
export function scriptedServer(
  self: Record<string, unknown>,
  replies: Partial<Record<string, ScriptedReply>> = {},
  joinFields: Record<string, unknown> = {},
): { WebSocket: typeof WebSocket; sockets: FakeWebSocket[] } {
  const join: ScriptedReply = (message) => joinedMessage(message['id'] as number, { self, ...joinFields });
  return fakeWebSocketClass((socket) => scriptSocket(socket, { join, ...replies }));
}

function standardReply(type: string, id: number): unknown {
  switch (type) {
    case 'resume':
      return { type: 'resumed', id, lastRequestId: 0 };
    case 'offer':
      return { type: 'answer', id, target: 'publisher', sdp: 'fake server answer' };
    case 'ice_servers':
      return { type: 'ice_servers', id, iceServers: [{ urls: 'turn:turn.example:3478', username: `renewed-${id}`, credential: 'c' }] };
    default:
      return { type: 'ack', id };
  }
}

/** Replaces navigator.mediaDevices.getUserMedia for one test (Node has no capture devices). */
export async function withGetUserMedia(
  impl: (c: MediaStreamConstraints) => Promise<unknown>,
  run: () => Promise<void>,
  secure = true,
): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  const savedSecure = g['isSecureContext'];
  Object.defineProperty(globalThis, 'navigator', { value: secure ? { mediaDevices: { getUserMedia: impl } } : {}, configurable: true });
  g['isSecureContext'] = secure;
  try {
    await run();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete g['navigator'];
    g['isSecureContext'] = savedSecure;
  }
}

/** A MediaStream as getUserMedia resolves it, holding `tracks`. */
export function mediaStream(tracks: MediaStreamTrack[]): unknown {
  return { getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'), getVideoTracks: () => tracks.filter((t) => t.kind === 'video') };
}
