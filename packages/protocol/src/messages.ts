import * as z from 'zod';
import { Identity, MAX_ACCESS_TOKEN_LENGTH, MAX_ROOM_PASSWORD_LENGTH, Permissions, RefusalReason } from './access';
import { MAX_BAN_SECONDS } from './limits';
import { ERROR_CODES, type ErrorCode } from './errors';
import { ParticipantId, RecordingId, RoomName, TrackId } from './ids';
import { LazySchemas, type MessageUnion } from './lazySchemas';
import { MAX_CHAT_LENGTH, MAX_SDP_LENGTH } from './limits';
import {
  DisplayName,
  IceCandidate,
  IceServer,
  ParticipantInfo,
  PeerTarget,
  PresenceStatus,
  RoomAccess,
  TrackInfo,
  TrackSource,
} from './model';

/**
 * Every signaling message, once, as a function that builds its schema; each direction's are keyed
 * by their `type` (ClientMessages, ServerMessages) and built the first time one is checked.
 * Requests may carry an `id`; the server answers each request that has one with either its
 * specific reply or `ack`, or with an `error` carrying the same id.
 */
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Sdp = z.string().min(1).max(MAX_SDP_LENGTH);
const Mid = z.string().min(1).max(32);

// ---- client -> server ----

const joinRequest = () =>
  z.object({
    type: z.literal('join'),
    id: RequestId.optional(),
    /** Protocol version the client speaks (PROTOCOL_VERSION). */
    v: z.number().int(),
    room: RoomName,
    name: DisplayName,
    status: PresenceStatus.optional(),
    /** Token mode: the access token (docs/security.md). */
    accessToken: z.string().min(1).max(MAX_ACCESS_TOKEN_LENGTH).optional(),
    /** Open mode only: a stable id for this browser (the SDK keeps one), so a ban holds across reloads. Ignored in token mode. */
    identity: Identity.optional(),
    /** The room's password, if it has one. */
    password: z.string().min(1).max(MAX_ROOM_PASSWORD_LENGTH).optional(),
  });

/**
 * Takes a session back after the connection dropped (docs/protocol.md "Resume"): same participant,
 * same tracks. `lastSeq` is the highest `seq` the client received; the server replays what came after.
 */
const resumeRequest = () =>
  z.object({
    type: z.literal('resume'),
    id: RequestId.optional(),
    v: z.number().int(),
    room: RoomName,
    participantId: ParticipantId,
    token: z.string().min(1).max(128),
    lastSeq: z.number().int().nonnegative(),
    /** Token mode: a valid access token for the same identity (the one joined with may have expired since). */
    accessToken: z.string().min(1).max(MAX_ACCESS_TOKEN_LENGTH).optional(),
  });

/** Asks the server to restart ICE on the subscriber connection (a new offer follows). */
const restartIceRequest = () =>
  z.object({
    type: z.literal('restart_ice'),
    id: RequestId.optional(),
  });

/**
 * Asks for fresh ICE servers (new TURN credentials) before an ICE restart; the reply is
 * `ice_servers`. A page open for days would otherwise restart ICE with expired credentials.
 */
const iceServersRequest = () =>
  z.object({
    type: z.literal('ice_servers'),
    id: RequestId.optional(),
  });

/** Announces that the publisher transceiver `mid` carries `source`; sent before the offer that adds it. */
const publishRequest = () =>
  z.object({
    type: z.literal('publish'),
    id: RequestId.optional(),
    source: TrackSource,
    mid: Mid,
    muted: z.boolean().optional(),
  });

const unpublishRequest = () =>
  z.object({
    type: z.literal('unpublish'),
    id: RequestId.optional(),
    source: TrackSource,
  });

const muteRequest = () =>
  z.object({
    type: z.literal('mute'),
    id: RequestId.optional(),
    source: TrackSource,
    muted: z.boolean(),
  });

/** The client only ever offers on its publisher connection. */
const offerRequest = () =>
  z.object({
    type: z.literal('offer'),
    id: RequestId.optional(),
    target: z.literal('publisher'),
    sdp: Sdp,
  });

/** The client only ever answers on its subscriber connection. */
const answerRequest = () =>
  z.object({
    type: z.literal('answer'),
    id: RequestId.optional(),
    target: z.literal('subscriber'),
    /** The `revision` of the offer this answers; an answer to a superseded offer is ignored. */
    revision: z.number().int().nonnegative(),
    sdp: Sdp,
  });

const candidateRequest = () =>
  z.object({
    type: z.literal('candidate'),
    target: PeerTarget,
    /** null: end of candidates. */
    candidate: IceCandidate.nullable(),
  });

const statusRequest = () =>
  z.object({
    type: z.literal('status'),
    id: RequestId.optional(),
    status: PresenceStatus,
  });

const chatRequest = () =>
  z.object({
    type: z.literal('chat'),
    id: RequestId.optional(),
    text: z
      .string()
      .max(MAX_CHAT_LENGTH, `chat messages are at most ${MAX_CHAT_LENGTH} characters`)
      .refine((s) => s.trim().length > 0, 'chat message must not be empty'),
  });

const leaveRequest = () =>
  z.object({
    type: z.literal('leave'),
    id: RequestId.optional(),
  });

/**
 * Heartbeat; `lastSeq` acknowledges sequenced server messages so the server can drop them from its
 * replay buffer. The server answers with `pong` unless `reply` is false: a client that has heard
 * from the server within the last interval needs no answer (docs/protocol.md "Resume"); clients
 * that never send `reply` get one pong per ping.
 */
const pingRequest = () =>
  z.object({
    type: z.literal('ping'),
    id: RequestId.optional(),
    lastSeq: z.number().int().nonnegative().optional(),
    reply: z.boolean().optional(),
  });

/**
 * Adaptive stream: how a subscriber renders a remote video. `width`/`height` are device pixels of
 * the largest element showing it; `visible` is false when it is off-screen, hidden or the page is.
 * Until the first one arrives the server assumes visible at the top layer.
 */
const trackSettingsRequest = () =>
  z.object({
    type: z.literal('track_settings'),
    id: RequestId.optional(),
    trackId: TrackId,
    visible: z.boolean(),
    width: z.number().int().nonnegative(),
    height: z.number().int().nonnegative(),
  });

// ---- moderation (a moderator's requests; anyone else gets permission_denied) ----

/** Mutes someone's microphone, camera or screen share: they are told, and only they can unmute it. */
const muteParticipantRequest = () =>
  z.object({
    type: z.literal('mute_participant'),
    id: RequestId.optional(),
    participantId: ParticipantId,
    source: TrackSource,
  });

/** Removes someone; with `banSeconds`, their identity may not come back for that long, even with a valid token. */
const removeParticipantRequest = () =>
  z.object({
    type: z.literal('remove_participant'),
    id: RequestId.optional(),
    participantId: ParticipantId,
    banSeconds: z.number().int().positive().max(MAX_BAN_SECONDS).optional(),
  });

const setModeratorRequest = () =>
  z.object({
    type: z.literal('set_moderator'),
    id: RequestId.optional(),
    participantId: ParticipantId,
    moderator: z.boolean(),
  });

/** Changes the room's access: lock it, turn the lobby on or off, set (a string) or clear (null) its password. */
const updateRoomRequest = () =>
  z.object({
    type: z.literal('update_room'),
    id: RequestId.optional(),
    locked: z.boolean().optional(),
    lobby: z.boolean().optional(),
    password: z.string().min(1).max(MAX_ROOM_PASSWORD_LENGTH).nullable().optional(),
  });

/** Lets someone waiting in the lobby in, or sends them away. */
const lobbyDecisionRequest = () =>
  z.object({
    type: z.literal('lobby_decision'),
    id: RequestId.optional(),
    participantId: ParticipantId,
    admit: z.boolean(),
  });

/** Ends the meeting for everyone. */
const endMeetingRequest = () =>
  z.object({
    type: z.literal('end_meeting'),
    id: RequestId.optional(),
  });

/**
 * Moderators: start (true) or stop (false) recording the room. Everyone is told
 * (`recording_started` / `recording_stopped`); others get permission_denied.
 */
const setRecordingRequest = () =>
  z.object({
    type: z.literal('set_recording'),
    id: RequestId.optional(),
    recording: z.boolean(),
  });

/** Anyone: raise or lower their own hand. */
const raiseHandRequest = () =>
  z.object({
    type: z.literal('raise_hand'),
    id: RequestId.optional(),
    raised: z.boolean(),
  });

const clientMessages = {
  join: joinRequest,
  resume: resumeRequest,
  restart_ice: restartIceRequest,
  ice_servers: iceServersRequest,
  publish: publishRequest,
  unpublish: unpublishRequest,
  mute: muteRequest,
  offer: offerRequest,
  answer: answerRequest,
  candidate: candidateRequest,
  status: statusRequest,
  chat: chatRequest,
  leave: leaveRequest,
  ping: pingRequest,
  track_settings: trackSettingsRequest,
  mute_participant: muteParticipantRequest,
  remove_participant: removeParticipantRequest,
  set_moderator: setModeratorRequest,
  update_room: updateRoomRequest,
  lobby_decision: lobbyDecisionRequest,
  end_meeting: endMeetingRequest,
  set_recording: setRecordingRequest,
  raise_hand: raiseHandRequest,
};
/** The client's messages, each schema built on first use (decodeClientMessage). */
export const ClientMessages = new LazySchemas(clientMessages);
export type ClientMessage = MessageUnion<typeof clientMessages>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES = ClientMessages.types;

// ---- server -> client ----

/** A recording that runs: in `joined` (the state as you enter) and in `recording_started`. */
export const RunningRecording = z.object({
  recordingId: RecordingId,
  /** Epoch ms. */
  startedAt: z.number(),
  /** The moderator who started it; null: the operator (admin API). */
  startedBy: z.object({ participantId: ParticipantId, name: z.string() }).nullable(),
});
export type RunningRecording = z.infer<typeof RunningRecording>;

const joinedMessage = () =>
  z.object({
    type: z.literal('joined'),
    id: RequestId.optional(),
    v: z.number().int(),
    room: RoomName,
    self: ParticipantInfo,
    /** Everyone else present, with their tracks. */
    participants: z.array(ParticipantInfo),
    iceServers: z.array(IceServer),
    /** What this participant may do; `permissions` messages bring changes. */
    permissions: Permissions,
    /** The room's access settings; `room_access` messages bring changes. */
    access: RoomAccess,
    /**
     * True: the room has tracks for this participant, and the server's first subscriber `offer`
     * follows at once. A client can answer it before anything else (the SDK's connect() does).
     */
    subscriberOfferFollows: z.boolean().optional(),
    /**
     * The recording that runs as you join; absent when none. (`recording_started` follows too.) State
     * like `access`, so a client knows it before anything else, however its messages are ordered.
     */
    recording: RunningRecording.optional(),
    session: z.object({
      /** Secret that lets this client `resume` the session after a drop. */
      resumeToken: z.string(),
      /** How long the server keeps a lost session for `resume`. */
      resumeWindowMs: z.number().int().nonnegative(),
      /**
       * The client pings this often; the server answers pings that do not say `reply: false` with
       * `pong` and sends no pings of its own. It counts the client lost after `heartbeatTimeoutMs`
       * of silence; the SDK counts the server lost when a ping that asked hears nothing within
       * heartbeatReplyWaitMs (heartbeat.ts).
       */
      heartbeatIntervalMs: z.number().int().positive(),
      heartbeatTimeoutMs: z.number().int().positive(),
      /**
       * True when the server keeps the heartbeat itself (CONFAB_HEARTBEAT=server): it sends a frame
       * (a `pong` if nothing else) at least every `heartbeatIntervalMs` and learns of a lost client
       * from TCP, so the client sends no pings and counts the server lost after `heartbeatTimeoutMs`
       * without a frame. Absent: the client pings, as above.
       */
      serverPings: z.boolean().optional(),
    }),
  });

/** The reply to `resume`: the session is back; missed messages follow, in order. */
const resumedMessage = () =>
  z.object({
    type: z.literal('resumed'),
    id: RequestId.optional(),
    /** The highest request id the server has processed; the client resends only later ones. */
    lastRequestId: z.number().int().nonnegative(),
    /**
     * Fresh ICE servers (new TURN credentials) for the ICE restart that follows. This server always
     * sends them; optional so that a client can talk to a server that does not.
     */
    iceServers: z.array(IceServer).optional(),
    /**
     * True when the server's side of both peer connections is new (the room moved to another
     * server): close both, open new ones and publish every track again. The participant id, the
     * other participants and every track id stay; nobody sees a leave or a join.
     */
    mediaReset: z.boolean().optional(),
  });

/** The reply to `ice_servers`: the servers to use from now on (the SDK applies them with `setConfiguration`). */
const iceServersMessage = () =>
  z.object({
    type: z.literal('ice_servers'),
    id: RequestId.optional(),
    iceServers: z.array(IceServer),
  });

const participantJoinedMessage = () =>
  z.object({
    type: z.literal('participant_joined'),
    participant: ParticipantInfo,
  });

const participantLeftMessage = () =>
  z.object({
    type: z.literal('participant_left'),
    participantId: ParticipantId,
    /** kicked / banned: a moderator removed them; replaced: the same identity joined again elsewhere. */
    reason: z.enum(['left', 'disconnected', 'kicked', 'banned', 'replaced', 'error']),
  });

const participantUpdatedMessage = () =>
  z.object({
    type: z.literal('participant_updated'),
    participant: ParticipantInfo,
  });

const trackPublishedMessage = () =>
  z.object({
    type: z.literal('track_published'),
    participantId: ParticipantId,
    track: TrackInfo,
  });

const trackUnpublishedMessage = () =>
  z.object({
    type: z.literal('track_unpublished'),
    participantId: ParticipantId,
    trackId: TrackId,
  });

const trackMutedMessage = () =>
  z.object({
    type: z.literal('track_muted'),
    participantId: ParticipantId,
    trackId: TrackId,
    muted: z.boolean(),
    /** Muted by a moderator (or the admin API), not by its owner: only the owner can unmute it. */
    forced: z.boolean().optional(),
  });

/** The server's offer on the subscriber connection, with which track each m-line carries. */
const offerMessage = () =>
  z.object({
    type: z.literal('offer'),
    target: z.literal('subscriber'),
    /** Counts the offers on this connection; the answer echoes it. */
    revision: z.number().int().nonnegative(),
    sdp: Sdp,
    tracks: z.array(z.object({ mid: z.string(), trackId: TrackId, participantId: ParticipantId })),
  });

const answerMessage = () =>
  z.object({
    type: z.literal('answer'),
    id: RequestId.optional(),
    target: z.literal('publisher'),
    sdp: Sdp,
  });

const candidateMessage = () =>
  z.object({
    type: z.literal('candidate'),
    target: PeerTarget,
    candidate: IceCandidate.nullable(),
  });

const chatMessage = () =>
  z.object({
    type: z.literal('chat'),
    messageId: z.string(),
    participantId: ParticipantId,
    name: z.string(),
    /** Milliseconds since the epoch, server clock. */
    time: z.number(),
    text: z.string(),
  });

const ackMessage = () =>
  z.object({
    type: z.literal('ack'),
    id: RequestId,
  });

const pongMessage = () =>
  z.object({
    type: z.literal('pong'),
    id: RequestId.optional(),
    time: z.number(),
  });

const errorMessage = () =>
  z.object({
    type: z.literal('error'),
    /** The id of the request this answers, if any. */
    id: RequestId.optional(),
    code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    /** For a refused join or resume: why, for programs (RefusalReason). */
    reason: RefusalReason.optional(),
  });

/** The server is going away in `seconds`; clients should reconnect (elsewhere) before then. */
const shutdownMessage = () =>
  z.object({
    type: z.literal('shutdown'),
    seconds: z.number().nonnegative(),
  });

/** One simulcast encoding of a published track, by rid, and whether anyone receives it. */
export const SubscribedLayer = z.object({
  rid: z.string().min(1).max(16),
  active: z.boolean(),
});

/**
 * Dynacast, to a publisher: which encodings of its `source` track someone receives. The SDK turns
 * the others off (`encodings[i].active = false`). Switching off lags ~3 s against flapping.
 */
const subscribedLayersMessage = () =>
  z.object({
    type: z.literal('subscribed_layers'),
    source: z.enum(['camera', 'screen']),
    layers: z.array(SubscribedLayer),
  });

/** To a subscriber: a video it should see is paused by the server, or active again. */
const streamStateMessage = () =>
  z.object({
    type: z.literal('stream_state'),
    trackId: TrackId,
    state: z.enum(['active', 'paused']),
    reason: z.enum(['bandwidth', 'hidden']).optional(),
  });

/**
 * Who is talking, measured by the server from the RFC 6464 audio levels publishers send: speakers
 * loudest first with a level 0..1, and the dominant speaker (stable: it changes only after the
 * challenger has spoken for most of a second). Sent a few times per second while it changes.
 */
const activeSpeakersMessage = () =>
  z.object({
    type: z.literal('active_speakers'),
    speakers: z.array(z.object({ participantId: ParticipantId, level: z.number().min(0).max(1) })),
    dominant: ParticipantId.nullable(),
  });

export const ConnectionQuality = z.enum(['excellent', 'good', 'poor', 'lost']);
export type ConnectionQuality = z.infer<typeof ConnectionQuality>;

/** Participants whose connection quality changed (to everyone); the full list right after `joined` and `resumed`. */
const connectionQualityMessage = () =>
  z.object({
    type: z.literal('connection_quality'),
    updates: z.array(z.object({ participantId: ParticipantId, quality: ConnectionQuality })),
  });

/**
 * To one participant, just before the server closes its connection with 4003: why it may not
 * stay. The client does not reconnect.
 */
const removedMessage = () =>
  z.object({
    type: z.literal('removed'),
    reason: z.enum(['kicked', 'banned', 'replaced', 'ended', 'deleted', 'denied']),
    message: z.string(),
  });

/** To the participant: its permissions changed (a moderator, or the admin API). */
const permissionsMessage = () =>
  z.object({
    type: z.literal('permissions'),
    permissions: Permissions,
  });

/** To everyone: the room's access settings changed. */
const roomAccessMessage = () =>
  z.object({
    type: z.literal('room_access'),
    access: RoomAccess,
  });

/** To a joiner of a room with a lobby: it waits until a moderator decides (then `joined`, or an error `lobby_denied`). */
const waitingMessage = () =>
  z.object({
    type: z.literal('waiting'),
    room: RoomName,
  });

/** To moderators: everyone waiting in the lobby now, oldest first. */
const lobbyMessage = () =>
  z.object({
    type: z.literal('lobby'),
    waiting: z.array(z.object({ participantId: ParticipantId, identity: z.string(), name: z.string(), since: z.number() })),
  });

/** A message from the operator (admin API) to everyone in the room. */
const systemMessage = () =>
  z.object({
    type: z.literal('system_message'),
    messageId: z.string(),
    time: z.number(),
    text: z.string(),
  });

/**
 * To everyone: the room is being recorded from now on. A joiner gets it right after `joined` (before
 * any media offer) while a recording runs, so the app can say so as they enter.
 */
const recordingStartedMessage = () => RunningRecording.extend({ type: z.literal('recording_started') });

/** To everyone: recording stopped: a moderator or the admin API stopped it, or it failed (`error` says why: disk full...). */
const recordingStoppedMessage = () =>
  z.object({
    type: z.literal('recording_stopped'),
    recordingId: RecordingId,
    reason: z.enum(['stopped', 'failed']),
    error: z.string().nullable(),
  });

const serverMessages = {
  joined: joinedMessage,
  resumed: resumedMessage,
  ice_servers: iceServersMessage,
  participant_joined: participantJoinedMessage,
  participant_left: participantLeftMessage,
  participant_updated: participantUpdatedMessage,
  track_published: trackPublishedMessage,
  track_unpublished: trackUnpublishedMessage,
  track_muted: trackMutedMessage,
  offer: offerMessage,
  answer: answerMessage,
  candidate: candidateMessage,
  chat: chatMessage,
  ack: ackMessage,
  pong: pongMessage,
  error: errorMessage,
  shutdown: shutdownMessage,
  subscribed_layers: subscribedLayersMessage,
  stream_state: streamStateMessage,
  active_speakers: activeSpeakersMessage,
  connection_quality: connectionQualityMessage,
  removed: removedMessage,
  permissions: permissionsMessage,
  room_access: roomAccessMessage,
  waiting: waitingMessage,
  lobby: lobbyMessage,
  system_message: systemMessage,
  recording_started: recordingStartedMessage,
  recording_stopped: recordingStoppedMessage,
};
/** The server's messages, each schema built on first use (decodeServerMessage). */
export const ServerMessages = new LazySchemas(serverMessages);
export type ServerMessage = MessageUnion<typeof serverMessages>;
export type ServerMessageType = ServerMessage['type'];

/**
 * Server messages that carry a `seq` and are replayed after a resume. Negotiation (offer, answer to
 * nothing, candidates) is not: a resume restarts ICE and renegotiates instead. Replies to
 * requests are, so a request whose reply was lost in the drop still gets it.
 */
const UNSEQUENCED: ReadonlySet<ServerMessageType> = new Set([
  'joined',
  'resumed',
  'offer',
  'candidate',
  'pong',
  'shutdown',
  // Snapshots of a moment, several a second: replaying them would only fill the buffer. After a
  // resume the next one (and the full quality list the server sends then) brings the client up to date.
  'active_speakers',
  'connection_quality',
  // Before the participant is in: nothing to resume yet.
  'waiting',
]);

export function isSequenced(message: ServerMessage): boolean {
  return !UNSEQUENCED.has(message.type);
}

/** The member of a union with a given `type`, e.g. `MessageOf<ServerMessage, 'joined'>`. */
export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;
