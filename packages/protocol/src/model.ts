import * as z from 'zod';
import { MAX_CANDIDATE_LENGTH, MAX_DISPLAY_NAME_LENGTH } from './limits';
import { ParticipantId, TrackId } from './ids';

/** Where a track comes from; each participant publishes at most one track per source. */
export const TrackSource = z.enum(['microphone', 'camera', 'screen']);
export type TrackSource = z.infer<typeof TrackSource>;

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

export function kindOfSource(source: TrackSource): MediaKind {
  return source === 'microphone' ? 'audio' : 'video';
}

export const PresenceStatus = z.enum(['online', 'away', 'busy']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

/** Display names: trimmed, 1-64 characters, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(MAX_DISPLAY_NAME_LENGTH, `name must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'name must not contain control characters');

export const TrackInfo = z.object({
  id: TrackId,
  source: TrackSource,
  kind: MediaKind,
  muted: z.boolean(),
});
export type TrackInfo = z.infer<typeof TrackInfo>;

/** Whether a participant's client is reachable, or lost and inside its resume window. */
export const ConnectionStatus = z.enum(['connected', 'reconnecting']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

export const ParticipantInfo = z.object({
  id: ParticipantId,
  /** Who they are to the app: the access token's `sub` (open mode: a per-browser id). One seat per identity. */
  identity: z.string(),
  name: z.string(),
  /** The access token's metadata, as the app backend set it. */
  metadata: z.string().optional(),
  /** May moderate the room (the host in open mode, roomAdmin holders, those made moderators). */
  moderator: z.boolean(),
  handRaised: z.boolean(),
  status: PresenceStatus,
  connection: ConnectionStatus,
  /** Milliseconds since the epoch, server clock. */
  joinedAt: z.number(),
  tracks: z.array(TrackInfo),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

/** Which of a participant's two peer connections a negotiation message belongs to. */
export const PeerTarget = z.enum(['publisher', 'subscriber']);
export type PeerTarget = z.infer<typeof PeerTarget>;

/** RTCIceCandidateInit as browsers serialise it. */
export const IceCandidate = z.object({
  candidate: z.string().max(MAX_CANDIDATE_LENGTH),
  sdpMid: z.string().max(32).nullish(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullish(),
  usernameFragment: z.string().max(256).nullish(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** The room's access settings, as participants see them (the password itself never leaves the server). */
export const RoomAccess = z.object({
  locked: z.boolean(),
  lobby: z.boolean(),
  passwordProtected: z.boolean(),
});
export type RoomAccess = z.infer<typeof RoomAccess>;
