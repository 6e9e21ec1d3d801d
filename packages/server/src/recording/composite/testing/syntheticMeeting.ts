/**
 * A recorded meeting made with ffmpeg, for composite tests and the benchmark: one file per track
 * (VP8 WebM cameras of one solid colour each, a screen share, Opus microphones) and the manifest
 * that places them, as the recorder would leave them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ParticipantId, RecordingId, RoomName, TrackId } from '@confab/protocol';
import { writeManifest, type RecordedTrack, type RecordingManifest } from '../../manifest';

const run = promisify(execFile);

export interface SyntheticTrack {
  participant: string;
  source: RecordedTrack['source'];
  /** Where the file starts on the recording's clock, and how long it plays (file time). */
  startMs: number;
  durationMs: number;
  /** A lavfi source for the whole file, e.g. `color=c=red:s=640x360:r=30`; audio: an aevalsrc expression. */
  lavfi: string;
  /** Filters applied on the way (a gap: `select='not(between(t,3,5))'`), kept out of the file's timing. */
  filter?: string;
  videoBitrate?: string;
}

export interface SyntheticPerson {
  name: string;
  joinedMs: number;
  leftMs: number | null;
}

export interface SyntheticMeeting {
  durationMs: number;
  people: SyntheticPerson[];
  tracks: SyntheticTrack[];
}

export const STARTED_AT_MS = 1_796_000_000_000;

/** Writes every track's file and the manifest into `dir`; resolves with the manifest. */
export async function writeSyntheticMeeting(dir: string, meeting: SyntheticMeeting): Promise<RecordingManifest> {
  const ids = new Map(meeting.people.map((p, n) => [p.name, `PA_p${n}` as ParticipantId]));
  const tracks: RecordedTrack[] = [];
  const used = new Set<string>();
  for (const [n, t] of meeting.tracks.entries()) {
    const participantId = ids.get(t.participant)!;
    let file = `${participantId}-${t.source}.webm`;
    for (let k = 2; used.has(file); k++) file = `${participantId}-${t.source}-${k}.webm`;
    used.add(file);
    await encode(join(dir, file), t);
    tracks.push({
      trackId: `TR_t${n}` as TrackId,
      participantId,
      participantName: t.participant,
      kind: t.source === 'microphone' ? 'audio' : 'video',
      source: t.source,
      codec: t.source === 'microphone' ? 'opus' : 'vp8',
      file,
      startMs: t.startMs,
      endMs: t.startMs + t.durationMs,
      frames: 1,
      error: null,
    });
  }
  const manifest: RecordingManifest = {
    version: 1,
    recordingId: 'RC_synthetic' as RecordingId,
    room: 'synthetic' as RoomName,
    startedAtMs: STARTED_AT_MS,
    startedAt: new Date(STARTED_AT_MS).toISOString(),
    stoppedAt: new Date(STARTED_AT_MS + meeting.durationMs).toISOString(),
    state: 'stopped',
    error: null,
    participants: meeting.people.map((p) => ({ participantId: ids.get(p.name)!, name: p.name, joinedMs: p.joinedMs, leftMs: p.leftMs ?? meeting.durationMs })),
    tracks,
  };
  await writeManifest(dir, manifest);
  return manifest;
}

async function encode(path: string, t: SyntheticTrack): Promise<void> {
  const seconds = String(t.durationMs / 1000);
  const filter = t.filter ? ['-filter:0', t.filter] : [];
  const codec =
    t.source === 'microphone'
      ? ['-c:a', 'libopus', '-b:a', '32k']
      : ['-fps_mode', 'passthrough', '-c:v', 'libvpx', '-b:v', t.videoBitrate ?? '300k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '60', '-auto-alt-ref', '0'];
  const source = t.source === 'microphone' ? `aevalsrc='${t.lavfi}':s=48000` : t.lavfi;
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-t', seconds, '-i', source, ...filter, ...codec, '-y', path]);
}
