import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParticipantId, RecordingId, RoomName, TrackId } from '@confab/protocol';
import * as z from 'zod';

/**
 * The manifest of one recording: `manifest.json` in the recording's folder, beside its track
 * files. Written when the recording starts, again as tracks and participants come and go, and at
 * the end; so a recording cut short by a crash still says which files it has and when each began.
 *
 * Times are milliseconds on the recording's common clock, counted from `startedAtMs` (epoch ms):
 * a track's `startMs` is when its first frame was captured (or arrived), and its file's timeline
 * starts there, so a player or the composite lines the files up by adding `startMs` to each.
 */

export const RECORDING_MANIFEST_FILE = 'manifest.json';
export const RECORDING_MANIFEST_VERSION = 1;

/** Offsets in ms on the common clock; null: not known (not started yet, or cut short). */
const Offset = z.number().finite().min(-86_400_000).max(366 * 86_400_000);
/** A file in the recording's folder: a bare name, never a path. */
const FileName = z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/).refine((name) => name !== '.' && name !== '..');

export const RecordedTrack = z.object({
  trackId: TrackId,
  participantId: ParticipantId,
  participantName: z.string().max(256),
  kind: z.enum(['audio', 'video']),
  source: z.enum(['microphone', 'camera', 'screen']),
  codec: z.enum(['opus', 'vp8', 'h264']),
  file: FileName,
  startMs: Offset.nullable(),
  endMs: Offset.nullable(),
  frames: z.number().int().nonnegative(),
  /** Why writing this track stopped early (disk full...), null if it did not. */
  error: z.string().max(1000).nullable(),
});
export type RecordedTrack = z.infer<typeof RecordedTrack>;

export const RecordedParticipant = z.object({
  participantId: ParticipantId,
  name: z.string().max(256),
  /** When they joined (0 if they were there when recording began) and left (null: stayed to the end). */
  joinedMs: Offset,
  leftMs: Offset.nullable(),
});
export type RecordedParticipant = z.infer<typeof RecordedParticipant>;

export const RecordingState = z.enum(['recording', 'stopped', 'failed']);
export type RecordingState = z.infer<typeof RecordingState>;

export const RecordingManifest = z.object({
  version: z.literal(RECORDING_MANIFEST_VERSION),
  recordingId: RecordingId,
  room: RoomName,
  /** The common clock's zero, as epoch ms and as ISO 8601. */
  startedAtMs: z.number().int().nonnegative(),
  startedAt: z.iso.datetime(),
  /** null while recording (or if the server died first). */
  stoppedAt: z.iso.datetime().nullable(),
  state: RecordingState,
  /** Why the recording failed, null otherwise. */
  error: z.string().max(1000).nullable(),
  participants: z.array(RecordedParticipant),
  tracks: z.array(RecordedTrack),
});
export type RecordingManifest = z.infer<typeof RecordingManifest>;

/** Reads and validates `dir`/manifest.json; throws on a missing, unreadable or malformed manifest. */
export async function readManifest(dir: string): Promise<RecordingManifest> {
  const text = await readFile(join(dir, RECORDING_MANIFEST_FILE), 'utf8');
  return RecordingManifest.parse(JSON.parse(text));
}

/** Writes `dir`/manifest.json whole or not at all (a reader, or a crash, never sees half of it). */
export async function writeManifest(dir: string, manifest: RecordingManifest): Promise<void> {
  const path = join(dir, RECORDING_MANIFEST_FILE);
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o640 });
  await rename(temporary, path);
}
