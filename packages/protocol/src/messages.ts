import * as z from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors';
import { ParticipantId, RoomName, TrackId } from './ids';
import { MAX_CHAT_LENGTH, MAX_SDP_LENGTH } from './limits';
import {
  DisplayName,
  IceCandidate,
  IceServer,
  ParticipantInfo,
  PeerTarget,
  PresenceStatus,
  TrackInfo,
  TrackSource,
} from './model';

/**
 * Every signaling message, once. Each is a member of a discriminated union on `type`.
 * Requests may carry an `id`; the server answers each request that has one with either its
 * specific reply or `ack`, or with an `error` carrying the same id.
 */
const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Sdp = z.string().min(1).max(MAX_SDP_LENGTH);
const Mid = z.string().min(1).max(32);

// ---- client -> server ----

export const JoinRequest = z.object({
  type: z.literal('join'),
  id: RequestId.optional(),
  /** Protocol version the client speaks (PROTOCOL_VERSION). */
  v: z.number().int(),
  room: RoomName,
  name: DisplayName,
  status: PresenceStatus.optional(),
});

/** Announces that the publisher transceiver `mid` carries `source`; sent before the offer that adds it. */
export const PublishRequest = z.object({
  type: z.literal('publish'),
  id: RequestId.optional(),
  source: TrackSource,
  mid: Mid,
  muted: z.boolean().optional(),
});

export const UnpublishRequest = z.object({
  type: z.literal('unpublish'),
  id: RequestId.optional(),
  source: TrackSource,
});

export const MuteRequest = z.object({
  type: z.literal('mute'),
  id: RequestId.optional(),
  source: TrackSource,
  muted: z.boolean(),
});

/** The client only ever offers on its publisher connection. */
export const OfferRequest = z.object({
  type: z.literal('offer'),
  id: RequestId.optional(),
  target: z.literal('publisher'),
  sdp: Sdp,
});

/** The client only ever answers on its subscriber connection. */
export const AnswerRequest = z.object({
  type: z.literal('answer'),
  id: RequestId.optional(),
  target: z.literal('subscriber'),
  sdp: Sdp,
});

export const CandidateRequest = z.object({
  type: z.literal('candidate'),
  target: PeerTarget,
  /** null: end of candidates. */
  candidate: IceCandidate.nullable(),
});

export const StatusRequest = z.object({
  type: z.literal('status'),
  id: RequestId.optional(),
  status: PresenceStatus,
});

export const ChatRequest = z.object({
  type: z.literal('chat'),
  id: RequestId.optional(),
  text: z
    .string()
    .max(MAX_CHAT_LENGTH, `chat messages are at most ${MAX_CHAT_LENGTH} characters`)
    .refine((s) => s.trim().length > 0, 'chat message must not be empty'),
});

export const LeaveRequest = z.object({
  type: z.literal('leave'),
  id: RequestId.optional(),
});

export const PingRequest = z.object({
  type: z.literal('ping'),
  id: RequestId.optional(),
});

export const ClientMessage = z.discriminatedUnion('type', [
  JoinRequest,
  PublishRequest,
  UnpublishRequest,
  MuteRequest,
  OfferRequest,
  AnswerRequest,
  CandidateRequest,
  StatusRequest,
  ChatRequest,
  LeaveRequest,
  PingRequest,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES = ClientMessage.options.map((o) => o.shape.type.value);

// ---- server -> client ----

export const JoinedMessage = z.object({
  type: z.literal('joined'),
  id: RequestId.optional(),
  v: z.number().int(),
  room: RoomName,
  self: ParticipantInfo,
  /** Everyone else present, with their tracks. */
  participants: z.array(ParticipantInfo),
  iceServers: z.array(IceServer),
});

export const ParticipantJoinedMessage = z.object({
  type: z.literal('participant_joined'),
  participant: ParticipantInfo,
});

export const ParticipantLeftMessage = z.object({
  type: z.literal('participant_left'),
  participantId: ParticipantId,
  reason: z.enum(['left', 'disconnected', 'kicked', 'error']),
});

export const ParticipantUpdatedMessage = z.object({
  type: z.literal('participant_updated'),
  participant: ParticipantInfo,
});

export const TrackPublishedMessage = z.object({
  type: z.literal('track_published'),
  participantId: ParticipantId,
  track: TrackInfo,
});

export const TrackUnpublishedMessage = z.object({
  type: z.literal('track_unpublished'),
  participantId: ParticipantId,
  trackId: TrackId,
});

export const TrackMutedMessage = z.object({
  type: z.literal('track_muted'),
  participantId: ParticipantId,
  trackId: TrackId,
  muted: z.boolean(),
});

/** The server's offer on the subscriber connection, with which track each m-line carries. */
export const OfferMessage = z.object({
  type: z.literal('offer'),
  target: z.literal('subscriber'),
  sdp: Sdp,
  tracks: z.array(z.object({ mid: z.string(), trackId: TrackId, participantId: ParticipantId })),
});

export const AnswerMessage = z.object({
  type: z.literal('answer'),
  id: RequestId.optional(),
  target: z.literal('publisher'),
  sdp: Sdp,
});

export const CandidateMessage = z.object({
  type: z.literal('candidate'),
  target: PeerTarget,
  candidate: IceCandidate.nullable(),
});

export const ChatMessage = z.object({
  type: z.literal('chat'),
  messageId: z.string(),
  participantId: ParticipantId,
  name: z.string(),
  /** Milliseconds since the epoch, server clock. */
  time: z.number(),
  text: z.string(),
});

export const AckMessage = z.object({
  type: z.literal('ack'),
  id: RequestId,
});

export const PongMessage = z.object({
  type: z.literal('pong'),
  id: RequestId.optional(),
  time: z.number(),
});

export const ErrorMessage = z.object({
  type: z.literal('error'),
  /** The id of the request this answers, if any. */
  id: RequestId.optional(),
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
});

/** The server is going away in `seconds`; clients should reconnect (elsewhere) before then. */
export const ShutdownMessage = z.object({
  type: z.literal('shutdown'),
  seconds: z.number().nonnegative(),
});

export const ServerMessage = z.discriminatedUnion('type', [
  JoinedMessage,
  ParticipantJoinedMessage,
  ParticipantLeftMessage,
  ParticipantUpdatedMessage,
  TrackPublishedMessage,
  TrackUnpublishedMessage,
  TrackMutedMessage,
  OfferMessage,
  AnswerMessage,
  CandidateMessage,
  ChatMessage,
  AckMessage,
  PongMessage,
  ErrorMessage,
  ShutdownMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];

/** The member of a union with a given `type`, e.g. `MessageOf<ServerMessage, 'joined'>`. */
export type MessageOf<U extends { type: string }, T extends U['type']> = Extract<U, { type: T }>;
