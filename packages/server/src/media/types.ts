/**
 * The media plane's interface (DESIGN.md "The media plane"), in mediasoup's vocabulary.
 * Rooms talk only to this; nothing outside `media/` imports the WebRTC library.
 *
 * Our own packet path (`sfu/`) implements it; on worker threads, `workers/` stands in for it.
 */

import type { MediaError } from './errors';

export type MediaKind = 'audio' | 'video';
export type TransportRole = 'publish' | 'subscribe';
export type TransportState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

/** A trickle ICE candidate as browsers serialise it (RTCIceCandidateInit); null means end of candidates. */
export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** What a transport needs to send to its client; the room forwards it over signaling. */
export type TransportSignal =
  | { type: 'answer'; sdp: string } // publish transports answer the client's offers
  | { type: 'offer'; sdp: string; tracks: OfferedTrack[] } // subscribe transports offer consumers
  | { type: 'candidate'; candidate: IceCandidateInit | null };

/** One m-line of a subscriber offer: which producer the client will receive on that mid. */
export interface OfferedTrack {
  mid: string;
  producerId: string;
}

export interface TransportOptions {
  /** Opaque label for logs and stats (the participant id). */
  label: string;
  role: TransportRole;
  /** Called for every SDP/candidate the client must receive, in order. */
  onSignal(signal: TransportSignal): void;
  /** Called on every state change; 'closed' is the last call. */
  onStateChange?(state: TransportState): void;
  /** About once a second while connected: how the link to the client is doing (connection quality). */
  onStats?(stats: TransportStats): void;
}

/**
 * One transport's link over the last report interval (about 1 s). publish: what we receive from
 * the client (our reception statistics, our RTT to it); subscribe: what the client's receiver
 * reports say about what we send it. -1 where nothing tells.
 */
export interface TransportStats {
  /** Packets lost, 0..1. */
  lossFraction: number;
  /** Interarrival jitter in ms. */
  jitterMs: number;
  /** Round-trip time in ms. */
  rttMs: number;
  /** publish: media packets received in the interval; subscribe: report blocks the client sent about our streams. */
  packets: number;
  /**
   * subscribe: bits/s the client should receive (the full rate of everything it consumes) and
   * bits/s the send-side estimate allows towards it (-1 while there is no estimate).
   */
  wantedBitrate: number;
  availableBitrate: number;
}

/** One audio producer's RFC 6464 levels over one interval (about 100 ms). */
export interface AudioLevelSample {
  producerId: string;
  /** Share of the interval's packets that carried voice: V bit set and louder than the activity floor. 0..1 */
  voiced: number;
  /** Mean level of those packets, 0 at the floor (-40 dBov) to 1 at full scale (0 dBov). */
  level: number;
}

/** Where a track comes from: the allocator serves screen shares before cameras. */
export type TrackSource = 'microphone' | 'camera' | 'screen';

/** Dynacast: whether anyone receives one simulcast encoding (by rid) of a producer. */
export interface SubscribedLayer {
  rid: string;
  active: boolean;
}

export interface ProducerOptions {
  /** Chosen by the room (the track id); unique within the router. */
  id: string;
  kind: MediaKind;
  /** The client's transceiver mid on its publish transport that carries this track. */
  mid: string;
  paused?: boolean;
  source?: TrackSource;
  /**
   * Simulcast: the encodings the publisher should send changed (dynacast). Layers switch on at
   * once when a subscriber needs them and off ~3 s after the last one stopped. The room tells the
   * publisher (`subscribed_layers`).
   */
  onSubscribedLayers?(layers: SubscribedLayer[]): void;
}

/** How a subscriber shows a video: its largest rendered size in device pixels, and whether it can be seen. */
export interface TrackSettings {
  visible: boolean;
  width: number;
  height: number;
}

/** Why a video the subscriber should see is not being sent. */
export type StreamState = { state: 'active' } | { state: 'paused'; reason: 'bandwidth' };

export interface ConsumeOptions {
  paused?: boolean;
  /**
   * The allocator paused this video (the subscriber's bandwidth cannot carry even its lowest
   * layer) or resumed it. Called on changes only; the room tells the subscriber (`stream_state`).
   */
  onStreamState?(state: StreamState): void;
}

export interface MediaEngine {
  /** Throws MediaError: conflict for a duplicate id or a closed engine, unavailable with no media worker to host it. */
  createRouter(id: string, options?: RouterOptions): Router;
  /** Cumulative counters across every router, for metrics and benchmarks. */
  stats(): MediaEngineStats;
  close(): Promise<void>;
}

export interface RouterOptions {
  /**
   * The router's media is gone although nobody closed it: the media worker hosting it died. Every
   * transport has gone 'failed' and every call on the router or its objects fails with a MediaError
   * 'unavailable'. Called at most once, never after close(); the owner should tell its
   * participants (they can join again: a new router goes to a live worker) and close the router.
   */
  onFailed?(error: MediaError): void;
  /**
   * Every ~100 ms while any audio producer of the router carries voice (and for 1.5 s after the
   * last one fell quiet): each audio producer's levels over the interval. Producers that sent
   * nothing are left out. Engines without level reading never call it.
   */
  onAudioLevels?(samples: readonly AudioLevelSample[]): void;
}

export interface MediaEngineStats {
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
  rtpPacketsReceived: number;
  rtpPacketsForwarded: number;
  rtpBytesForwarded: number;
  /** Video packets the pacers held back to spread them, and of those dropped (a stalled media thread). */
  pacerQueuedPackets: number;
  pacerDroppedPackets: number;
  /** Per media worker, when media runs on worker threads (CONFAB_MEDIA_WORKERS > 0). */
  workers?: MediaWorkerStats[];
}

/** One media worker thread: its share of the counters above, and its own CPU time. */
export interface MediaWorkerStats {
  /** The worker's slot (0 .. workers-1); a replacement keeps the slot of the worker it replaces. */
  index: number;
  routers: number;
  transports: number;
  rtpPacketsReceived: number;
  rtpPacketsForwarded: number;
  /** CPU time of the worker thread alone, in seconds (Linux; 0 where the OS does not say). */
  cpuSeconds: number;
  /** Of that, time in the kernel (system calls: sending and receiving packets), in seconds. */
  cpuSystemSeconds: number;
  /** Workers that died in this slot so far. */
  restarts: number;
}

/** One per room. */
export interface Router {
  readonly id: string;
  createTransport(options: TransportOptions): Transport;
  /**
   * The room's dominant speaker, by the label of their transports (the participant id), or null:
   * their video goes before other cameras when a subscriber's bandwidth is shared.
   */
  setActiveSpeaker(label: string | null): void;
  close(): void;
}

/** One participant's connection for one direction. */
export interface Transport {
  readonly id: string;
  readonly role: TransportRole;
  readonly state: TransportState;
  /**
   * publish role: apply the client's offer; the answer goes out through onSignal before this
   * resolves. Rejects with a MediaError: invalid_argument for unusable SDP, conflict for the wrong
   * role or a closed transport.
   */
  applyOffer(sdp: string): Promise<void>;
  /** subscribe role: apply the client's answer to our last offer (conflict if none is outstanding). */
  applyAnswer(sdp: string): Promise<void>;
  /**
   * subscribe role: send a new offer with fresh ICE credentials (after a resume or a client's
   * request), carrying every current consumer; an unanswered offer is superseded. publish role:
   * nothing to do, the client restarts with its own offer.
   */
  restartIce(): void;
  /** Queued until the first remote description is applied; a bad candidate is logged, never rejected. */
  addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void>;
  /** publish role: declare a track the client sends (or will send) on `mid`. Throws MediaError. */
  produce(options: ProducerOptions): Producer;
  /**
   * subscribe role: forward `producer` to this transport's client. Renegotiation is batched:
   * several consume/close calls in one tick produce one offer. Throws MediaError.
   */
  consume(producer: Producer, options?: ConsumeOptions): Consumer;
  close(): void;
}

/** A track coming in from a publisher. */
export interface Producer {
  readonly id: string;
  readonly kind: MediaKind;
  readonly paused: boolean;
  readonly closed: boolean;
  /** Stop forwarding to every consumer (mute): muted tracks cost no bandwidth downstream. */
  pause(): void;
  /** Resume forwarding and ask the publisher for a keyframe. */
  resume(): void;
  /** Ask the publisher for a keyframe (PLI), throttled. */
  requestKeyFrame(): void;
  /** Closes every consumer of this producer too (each subscriber renegotiates). */
  close(): void;
  /**
   * Starts writing this track to a file as it arrives, without transcoding (the top simulcast
   * layer of a video). A track whose publisher's offer has not come yet (its codec is not known)
   * starts when the offer is applied, before the answer goes out, so its first key frame is in
   * the file. Rejects with `unavailable` if its media worker is gone, `conflict` if the track
   * is closed (or `options.signal` aborts) first.
   */
  record(options: RecordOptions): Promise<TrackRecording>;
}

export interface RecordOptions {
  /** The file's path without its extension: the codec adds .webm (VP8, Opus) or .mkv (H264). */
  pathWithoutExtension: string;
  /** Writing failed (disk full, directory gone): this track's recording stopped; stop() still closes the file. Once. */
  onError?(message: string): void;
  /**
   * The file has its first frame: where it starts on the common clock (epoch ms, by arrival; the
   * result of stop() may place it better, from Sender Reports). Lets the manifest say it before the
   * end, which a crash may never reach.
   */
  onFirstFrame?(startMs: number): void;
  /** Gives up a recording still waiting for its publisher's offer (see Producer.record). */
  signal?: AbortSignal;
}

export type RecordedCodec = 'vp8' | 'h264' | 'opus';

/** What a stopped track recording leaves, for the recording's manifest. */
export interface TrackRecordingResult {
  file: string;
  codec: RecordedCodec;
  /** Common clock (epoch ms) of the first frame and of the end of the last; NaN if nothing was written. */
  startMs: number;
  endMs: number;
  frames: number;
  bytes: number;
  /** Frames not written: incomplete, or waiting for a key frame after a loss. */
  framesDropped: number;
  packetsLost: number;
  keyFrameRequests: number;
  /** Why writing stopped early, null if it did not. */
  error: string | null;
}

/** One track being written (Producer.record). Closing the producer stops it too. */
export interface TrackRecording {
  readonly file: string;
  /** Writes what is still buffered, finalizes the file (duration, cues) and closes it. */
  stop(): Promise<TrackRecordingResult>;
}

/** A producer forwarded to one subscriber. */
export interface Consumer {
  readonly id: string;
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly paused: boolean;
  readonly closed: boolean;
  pause(): void;
  resume(): void;
  /** Video: the subscriber's rendered size and visibility (adaptive stream); until called, visible at the top layer. */
  setTrackSettings(settings: TrackSettings): void;
  close(): void;
}
