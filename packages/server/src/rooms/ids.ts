import { randomBytes } from 'node:crypto';
import type { ParticipantId, RecordingId, TrackId } from '@confab/protocol';

/** Random, URL-safe, unguessable ids with a prefix that says what they name. */
function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

export const newParticipantId = (): ParticipantId => randomId('PA') as ParticipantId;
export const newTrackId = (): TrackId => randomId('TR') as TrackId;
export const newMessageId = (): string => randomId('MS');
export const newRecordingId = (): RecordingId => randomId('RC') as RecordingId;
