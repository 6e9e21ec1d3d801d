/** A manifest for planner and command tests: people and tracks in a few words, times in ms. */
import type { ParticipantId, RecordingId, RoomName, TrackId } from '@confab/protocol';
import type { RecordedTrack, RecordingManifest } from '../../manifest';

const T0 = 1_796_000_000_000;

export function manifestOf(
  durationMs: number | null,
  people: Array<[name: string, joinedMs: number, leftMs: number | null]>,
  tracks: Array<[name: string, source: RecordedTrack['source'], startMs: number | null, endMs: number | null, frames?: number]>,
): RecordingManifest {
  return {
    version: 1,
    recordingId: 'RC_test' as RecordingId,
    room: 'room' as RoomName,
    startedAtMs: T0,
    startedAt: new Date(T0).toISOString(),
    stoppedAt: durationMs === null ? null : new Date(T0 + durationMs).toISOString(),
    state: durationMs === null ? 'recording' : 'stopped',
    error: null,
    participants: people.map(([name, joinedMs, leftMs]) => ({ participantId: `PA_${name}` as ParticipantId, name, joinedMs, leftMs })),
    tracks: tracks.map(([name, source, startMs, endMs, frames = 100], n) => ({
      trackId: `TR_${n}` as TrackId,
      participantId: `PA_${name}` as ParticipantId,
      participantName: name,
      kind: source === 'microphone' ? 'audio' : 'video',
      source,
      codec: source === 'microphone' ? 'opus' : 'vp8',
      file: `${name}-${source}-${n}.webm`,
      startMs,
      endMs,
      frames,
      error: null,
    })),
  };
}
