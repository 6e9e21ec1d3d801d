import * as z from 'zod';
import { ROOM_NAME_PATTERN } from './limits';

/** Branded ids: a ParticipantId can't be passed where a TrackId is meant. */
export const ParticipantId = z.string().min(1).max(64).brand<'ParticipantId'>();
export type ParticipantId = z.infer<typeof ParticipantId>;

export const TrackId = z.string().min(1).max(64).brand<'TrackId'>();
export type TrackId = z.infer<typeof TrackId>;

/** A recording's id: `RC_` and random URL-safe characters, also its folder's name on disk. */
export const RecordingId = z
  .string()
  .regex(/^RC_[A-Za-z0-9_-]{1,61}$/, 'recording id must be RC_ and letters, digits, "-" or "_"')
  .brand<'RecordingId'>();
export type RecordingId = z.infer<typeof RecordingId>;

export const RoomName = z
  .string()
  .regex(ROOM_NAME_PATTERN, 'room name must be 1-64 letters, digits, "-", "_" or "."')
  .brand<'RoomName'>();
export type RoomName = z.infer<typeof RoomName>;

/** True if `name` is a valid room name; for forms that check before connecting. */
export function isValidRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name);
}
