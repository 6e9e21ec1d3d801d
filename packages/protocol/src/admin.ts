import * as z from 'zod';
import { Identity, MAX_ROOM_PASSWORD_LENGTH, Permissions } from './access';
import { MAX_CHAT_LENGTH } from './limits';
import { RecordingId, RoomName } from './ids';
import { TrackInfo, TrackSource } from './model';
import { ERROR_CODES, type ErrorCode } from './errors';

/**
 * The admin HTTP API under /api/v1 (docs/api.md): its request and response bodies, shared by the
 * server that serves it and @confab/server-sdk's AdminClient. Every call carries
 * `Authorization: Bearer <access token>` with roomList, roomCreate or roomAdmin grants.
 */
export const ADMIN_API_PREFIX = '/api/v1';

/** How a room is set up; every field optional on create (defaults: the server's). */
export const RoomSettings = z.object({
  maxParticipants: z.number().int().positive().max(10_000),
  /** An API-created room waits this long for its first join, and any room this long after its last leave, before it closes. */
  emptyTimeoutSeconds: z.number().int().nonnegative().max(7 * 24 * 3600),
  /** No new joins (moderators still may). */
  locked: z.boolean(),
  /** Joiners knock and wait until a moderator admits them. */
  lobby: z.boolean(),
  /** Whether joining needs a password (the password itself is never shown). */
  passwordProtected: z.boolean(),
});
export type RoomSettings = z.infer<typeof RoomSettings>;

export const RoomSummary = RoomSettings.extend({
  name: RoomName,
  /** This life of the room (webhooks' room.sid). */
  sid: z.string(),
  /** Listed participants (hidden ones are not counted). */
  participants: z.number().int().nonnegative(),
  createdAt: z.number(),
  /** The node hosting it. */
  node: z.string(),
});
export type RoomSummary = z.infer<typeof RoomSummary>;

export const ParticipantDetails = z.object({
  id: z.string(),
  identity: z.string(),
  name: z.string(),
  metadata: z.string().optional(),
  joinedAt: z.number(),
  hidden: z.boolean(),
  handRaised: z.boolean(),
  permissions: Permissions,
  tracks: z.array(TrackInfo),
});
export type ParticipantDetails = z.infer<typeof ParticipantDetails>;

/** POST /api/v1/rooms */
export const CreateRoomBody = RoomSettings.omit({ passwordProtected: true })
  .partial()
  .extend({ name: RoomName, password: z.string().min(1).max(MAX_ROOM_PASSWORD_LENGTH).optional() })
  .strict();
export type CreateRoomBody = z.infer<typeof CreateRoomBody>;

/** DELETE /api/v1/rooms/{room}/participants/{identity}?banSeconds=N (at most MAX_BAN_SECONDS): removes, and bans the identity for N seconds. */

/** POST /api/v1/rooms/{room}/participants/{identity}/mute */
export const MuteTrackBody = z.object({ source: TrackSource, muted: z.literal(true).default(true) }).strict();
export type MuteTrackBody = z.infer<typeof MuteTrackBody>;

/** PATCH /api/v1/rooms/{room}/participants/{identity}: revoking canPublish unpublishes their tracks at once. */
export const UpdateParticipantBody = z.object({ permissions: Permissions.partial().strict() }).strict();
export type UpdateParticipantBody = z.infer<typeof UpdateParticipantBody>;

/** POST /api/v1/rooms/{room}/messages: shown to everyone as a system message. */
export const SystemMessageBody = z.object({ text: z.string().min(1).max(MAX_CHAT_LENGTH) }).strict();
export type SystemMessageBody = z.infer<typeof SystemMessageBody>;

/** A recording as GET /api/v1/recordings lists it (from its manifest; docs/recording.md). */
export const RecordingSummary = z.object({
  id: RecordingId,
  room: RoomName,
  /** The node whose disk holds it. */
  node: z.string(),
  /** recording: running (or its server died first), stopped, failed. */
  state: z.enum(['recording', 'stopped', 'failed']),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  error: z.string().nullable(),
  files: z.array(
    z.object({
      /** Download: GET /api/v1/recordings/{id}/files/{name} (range requests welcome). */
      name: z.string(),
      bytes: z.number().int().nonnegative(),
      trackId: z.string(),
      participantId: z.string(),
      participantName: z.string(),
      source: TrackSource,
      codec: z.enum(['opus', 'vp8', 'h264']),
      /** ms from the recording's start; null if not known (nothing written, or cut short). */
      startMs: z.number().nullable(),
      endMs: z.number().nullable(),
      error: z.string().nullable(),
    }),
  ),
  /** The one watchable MP4 made after the stop (docs/recording.md "The composite"); null: none is made (off, or the recording failed). */
  composite: z
    .object({
      state: z.enum(['queued', 'running', 'done', 'failed']),
      /** 0 to 1. */
      progress: z.number(),
      /** Once done: download it as GET /api/v1/recordings/{id}/files/{file}, like the tracks. */
      file: z.string().nullable(),
      bytes: z.number().int().nonnegative().nullable(),
      durationMs: z.number().nullable(),
      /** Why it failed. */
      error: z.string().nullable(),
    })
    .nullable(),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

/** The room's recording now: POST and DELETE /api/v1/rooms/{room}/recording answer with it. */
export const RoomRecordingStatus = z.object({
  id: RecordingId,
  room: RoomName,
  /** Absolute folder on the room's node. */
  dir: z.string(),
  startedAt: z.number(),
  /** Set once stopped (DELETE answers when every file is finalized). */
  stoppedAt: z.number().optional(),
  error: z.string().nullable(),
});
export type RoomRecordingStatus = z.infer<typeof RoomRecordingStatus>;

export { Identity as AdminIdentity };

/** Every error answer: HTTP 400 invalid_argument, 401 unauthenticated, 403 permission_denied, 404 not_found, 409 conflict, 429 rate_limited / resource_exhausted, 503 unavailable. */
export const AdminErrorBody = z.object({
  error: z.object({ code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]), message: z.string() }),
});
export type AdminErrorBody = z.infer<typeof AdminErrorBody>;

/**
 * Responses: GET /rooms → {rooms: RoomSummary[]}; POST /rooms → 201 {room}; GET /rooms/{room} →
 * {room}; DELETE /rooms/{room} → 204; GET /rooms/{room}/participants → {participants:
 * ParticipantDetails[]}; DELETE …/participants/{identity} → 204; POST …/mute and PATCH … →
 * {participant}; POST /rooms/{room}/messages → 202.
 */
export const RoomListResponse = z.object({ rooms: z.array(RoomSummary) });
export const RoomResponse = z.object({ room: RoomSummary });
export const ParticipantListResponse = z.object({ participants: z.array(ParticipantDetails) });
export const ParticipantResponse = z.object({ participant: ParticipantDetails });
export const RecordingListResponse = z.object({ recordings: z.array(RecordingSummary) });
export const RoomRecordingResponse = z.object({ recording: RoomRecordingStatus });
