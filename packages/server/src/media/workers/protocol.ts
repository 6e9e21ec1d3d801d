import * as z from 'zod';

/**
 * What crosses between the main thread and a media worker: signaling only, never media. Every
 * object the main thread creates on a worker gets a handle (a number the main thread allocates),
 * so a command needs no round trip; only the three asynchronous transport calls and `close`
 * carry a request number and get a `reply`. Both sides validate what they receive.
 */

const Handle = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Text = z.string().max(1_000_000);
const Kind = z.enum(['audio', 'video']);
const Role = z.enum(['publish', 'subscribe']);
const Source = z.enum(['microphone', 'camera', 'screen']);
const Rid = z.string().min(1).max(16);
const Pixels = z.number().int().nonnegative().max(100_000);

export const IceCandidateWire = z.object({
  candidate: Text,
  sdpMid: z.string().nullish(),
  sdpMLineIndex: z.number().int().nonnegative().nullish(),
  usernameFragment: z.string().nullish(),
});

export const MediaErrorWire = z.object({
  code: z.enum(['invalid_argument', 'not_found', 'conflict', 'unavailable', 'internal']),
  message: Text,
});
export type MediaErrorWire = z.infer<typeof MediaErrorWire>;

// ---- main thread -> worker ----

export const WorkerCommand = z.discriminatedUnion('op', [
  z.object({ op: z.literal('createRouter'), router: Handle, id: Text }),
  z.object({ op: z.literal('closeRouter'), router: Handle }),
  /** The room's dominant speaker, by transport label (participant id). */
  z.object({ op: z.literal('activeSpeaker'), router: Handle, label: Text.nullable() }),
  z.object({ op: z.literal('createTransport'), router: Handle, transport: Handle, label: Text, role: Role }),
  z.object({ op: z.literal('closeTransport'), transport: Handle }),
  z.object({ op: z.literal('applyOffer'), transport: Handle, request: Handle, sdp: Text }),
  z.object({ op: z.literal('applyAnswer'), transport: Handle, request: Handle, sdp: Text }),
  z.object({ op: z.literal('addRemoteCandidate'), transport: Handle, candidate: IceCandidateWire.nullable() }),
  z.object({ op: z.literal('restartIce'), transport: Handle }),
  z.object({ op: z.literal('produce'), transport: Handle, producer: Handle, id: Text, kind: Kind, mid: Text, paused: z.boolean(), source: Source.optional() }),
  z.object({ op: z.literal('producer'), producer: Handle, call: z.enum(['pause', 'resume', 'requestKeyFrame', 'close']) }),
  /** `producer` is a handle on the same worker: a room's producers and consumers share its worker. */
  z.object({ op: z.literal('consume'), transport: Handle, consumer: Handle, producer: Handle, paused: z.boolean() }),
  z.object({ op: z.literal('consumer'), consumer: Handle, call: z.enum(['pause', 'resume', 'close']) }),
  z.object({ op: z.literal('trackSettings'), consumer: Handle, visible: z.boolean(), width: Pixels, height: Pixels }),
  /** Start writing a producer's track to `<path>.webm|.mkv` (Producer.record); the reply says which file. */
  z.object({ op: z.literal('record'), producer: Handle, recording: Handle, request: Handle, path: z.string().min(1).max(4096) }),
  /** Give up a record request still waiting for its publisher's offer (it is answered with conflict). */
  z.object({ op: z.literal('cancelRecord'), recording: Handle }),
  /** Finalize and close a recording's file; the reply carries its result. */
  z.object({ op: z.literal('stopRecording'), recording: Handle, request: Handle }),
  /** Close the inner engine (sockets released) before the thread is terminated. */
  z.object({ op: z.literal('shutdown'), request: Handle }),
  /** Answered at once: a worker that stops answering is stuck, and is ended like a dead one. */
  z.object({ op: z.literal('ping'), request: Handle }),
]);
export type WorkerCommand = z.infer<typeof WorkerCommand>;

// ---- worker -> main thread ----

/** Times are epoch ms; null where the recorder has NaN (nothing written). */
const EpochMs = z.number().nullable();
const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** What a request's reply carries besides success (only the recording requests have a result). */
export const ReplyResultWire = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('recordingStarted'), file: Text }),
  z.object({
    kind: z.literal('recordingStopped'),
    file: Text,
    codec: z.enum(['vp8', 'h264', 'opus']),
    startMs: EpochMs,
    endMs: EpochMs,
    frames: Count,
    bytes: Count,
    framesDropped: Count,
    packetsLost: Count,
    keyFrameRequests: Count,
    error: Text.nullable(),
  }),
]);
export type ReplyResultWire = z.infer<typeof ReplyResultWire>;

const TransportSignalWire = z.discriminatedUnion('type', [
  z.object({ type: z.literal('answer'), sdp: Text }),
  z.object({ type: z.literal('offer'), sdp: Text, tracks: z.array(z.object({ mid: Text, producerId: Text })) }),
  z.object({ type: z.literal('candidate'), candidate: IceCandidateWire.nullable() }),
]);

/** -1 where nothing tells (TransportStats). */
const Measure = z.number().min(-1).max(Number.MAX_SAFE_INTEGER);
const TransportStatsWire = z.object({
  lossFraction: z.number().min(-1).max(1),
  jitterMs: Measure,
  rttMs: Measure,
  packets: Measure,
  wantedBitrate: Measure,
  availableBitrate: Measure,
});
const AudioLevelSampleWire = z.object({ producerId: Text, voiced: z.number().min(0).max(1), level: z.number().min(0).max(1) });

export const WorkerEvent = z.discriminatedUnion('ev', [
  /** The inner engine exists; commands sent before this were queued, not lost. */
  z.object({ ev: z.literal('ready'), threadId: z.number().int().nullable() }),
  z.object({ ev: z.literal('signal'), transport: Handle, signal: TransportSignalWire }),
  z.object({ ev: z.literal('state'), transport: Handle, state: z.enum(['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed']) }),
  /** Transports' link statistics, each about once a second while connected, batched per loop turn (StatsBatch). */
  z.object({ ev: z.literal('stats'), entries: z.array(z.object({ transport: Handle, stats: TransportStatsWire })).max(100_000) }),
  /** A router's audio levels, every ~100 ms while someone's audio carries voice. */
  z.object({ ev: z.literal('audioLevels'), router: Handle, samples: z.array(AudioLevelSampleWire).max(10_000) }),
  z.object({ ev: z.literal('reply'), request: Handle, error: MediaErrorWire.optional(), result: ReplyResultWire.optional() }),
  /** Writing a recording's file failed (disk full...): it has stopped taking media; stopRecording still closes it. */
  z.object({ ev: z.literal('recordingError'), recording: Handle, message: Text }),
  /** A recording's file has its first frame, starting at `startMs` on the common clock. */
  z.object({ ev: z.literal('recordingFirstFrame'), recording: Handle, startMs: z.number().finite() }),
  /** Dynacast: the simulcast layers the publisher of `producer` should send changed. */
  z.object({ ev: z.literal('subscribedLayers'), producer: Handle, layers: z.array(z.object({ rid: Rid, active: z.boolean() })).max(8) }),
  /** The allocator paused (for bandwidth) or resumed the video of `consumer`. */
  z.object({ ev: z.literal('streamState'), consumer: Handle, state: z.enum(['active', 'paused']) }),
  /** A command without a reply threw in the worker. */
  z.object({ ev: z.literal('failed'), target: z.enum(['router', 'transport', 'producer', 'consumer']), handle: Handle, error: MediaErrorWire }),
  z.object({ ev: z.literal('log'), level: z.enum(['debug', 'info', 'warn', 'error']), fields: z.record(z.string(), z.unknown()), message: Text }),
]);
export type WorkerEvent = z.infer<typeof WorkerEvent>;
