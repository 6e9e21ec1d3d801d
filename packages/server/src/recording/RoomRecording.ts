import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ParticipantId, RecordingId, RoomName, TrackId, TrackSource, WebhookRecordingFile } from '@confab/protocol';
import { errorMessage } from '../media/errors';
import type { MediaKind, Producer, TrackRecording } from '../media/types';
import type { RecordedTrack } from './manifest';
import { RecordingManifestLog } from './RecordingManifestLog';

/** A published track the room wants written. */
export interface TrackToRecord {
  trackId: TrackId;
  participantId: ParticipantId;
  participantName: string;
  kind: MediaKind;
  source: TrackSource;
}

/** What a stopped recording leaves, for webhooks and the admin API. */
export interface RecordingOutcome {
  id: RecordingId;
  dir: string;
  startedAt: number;
  stoppedAt: number;
  files: WebhookRecordingFile[];
  /** Why it failed; null if it was stopped. */
  error: string | null;
}

interface TrackEntry {
  readonly track: TrackToRecord;
  /** Set once the worker says which file it writes. */
  recording: TrackRecording | null;
  /** The track ended (unpublished, left) or the recording stops: its file is finalized once it exists. */
  ended: boolean;
  /** Gives up a start still waiting for the publisher's offer. */
  readonly cancel: AbortController;
  /** Its file's first frame, on the common clock (epoch ms); null before. */
  firstFrameMs: number | null;
  /** Resolves when the track's file is finalized and in the manifest (or was never made). */
  done: Promise<void>;
  finish: () => void;
}

/**
 * One recording of one room: a folder with a file per track and the manifest. The room drives it
 * from its queue without ever awaiting it (every call starts work and returns): producers record on
 * their media worker and the files are finalized there; this only keeps the manifest and the
 * per-track bookkeeping. A write error of any track (disk full, folder gone) fails the whole
 * recording through `onFailed`; the room then stops it. The call itself is never touched.
 */
export class RoomRecording {
  private readonly tracks = new Map<TrackId, TrackEntry>();
  private readonly usedNames = new Set<string>();
  private stopping: Promise<RecordingOutcome> | null = null;
  private failure: string | null = null;

  private constructor(
    readonly id: RecordingId,
    readonly dir: string,
    readonly startedAt: number,
    private readonly manifest: RecordingManifestLog,
    private readonly onFailed: (error: string) => void,
    private readonly logger: { warn(obj: object, msg: string): void },
  ) {}

  /**
   * Makes the recording's folder under `root` and writes its first manifest. Throws with a message
   * that names the folder and the reason (EACCES, ENOSPC, EROFS...) when it cannot.
   */
  static async open(options: {
    id: RecordingId;
    room: RoomName;
    root: string;
    logger: { warn(obj: object, msg: string): void };
    onFailed: (error: string) => void;
  }): Promise<RoomRecording> {
    const dir = join(options.root, options.id);
    const startedAt = Date.now();
    let recording: RoomRecording | undefined;
    const manifest = new RecordingManifestLog(dir, options.id, options.room, startedAt, (err) => recording?.fail(`cannot write the manifest in ${dir}: ${errorMessage(err)}`));
    try {
      await mkdir(dir, { recursive: true, mode: 0o750 });
      await manifest.writeFirst();
    } catch (err) {
      throw new Error(`cannot record into ${dir}: ${errorMessage(err)}`, { cause: err });
    }
    recording = new RoomRecording(options.id, dir, startedAt, manifest, options.onFailed, options.logger);
    return recording;
  }

  get stopped(): boolean {
    return this.stopping !== null;
  }

  participantJoined(participantId: ParticipantId, name: string): void {
    if (!this.stopped) this.manifest.participantJoined(participantId, name, Date.now());
  }

  participantLeft(participantId: ParticipantId): void {
    if (!this.stopped) this.manifest.participantLeft(participantId, Date.now());
  }

  /**
   * Starts writing `track` from `producer`, unless it is written already. A track published a moment
   * ago starts with its publisher's offer (Producer.record), so the room asks at once.
   */
  addTrack(producer: Producer, track: TrackToRecord): void {
    if (this.stopped || this.tracks.has(track.trackId)) return;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const entry: TrackEntry = { track, recording: null, ended: false, cancel: new AbortController(), firstFrameMs: null, done, finish };
    this.tracks.set(track.trackId, entry);
    this.attempt(producer, entry);
  }

  /** The track was unpublished (or its publisher left): its file is finalized. */
  endTrack(trackId: TrackId): void {
    const entry = this.tracks.get(trackId);
    if (!entry || entry.ended) return;
    entry.ended = true;
    if (entry.recording) this.finalize(entry, entry.recording);
    else entry.cancel.abort();
  }

  /**
   * Stops every track, finalizes the files and the manifest. `error` marks the recording failed.
   * Resolves when everything is on disk; calling it again returns the same outcome.
   */
  stop(error: string | null = null): Promise<RecordingOutcome> {
    this.stopping ??= this.doStop(error ?? this.failure);
    return this.stopping;
  }

  private async doStop(error: string | null): Promise<RecordingOutcome> {
    for (const trackId of this.tracks.keys()) this.endTrack(trackId);
    await Promise.all([...this.tracks.values()].map((t) => t.done));
    const stoppedAt = Date.now();
    await this.manifest.finish(error === null ? 'stopped' : 'failed', stoppedAt, error);
    const files = this.manifest.manifest.tracks.map((t) => fileOf(this.dir, t));
    return { id: this.id, dir: this.dir, startedAt: this.startedAt, stoppedAt, files, error };
  }

  private attempt(producer: Producer, entry: TrackEntry): void {
    const { track } = entry;
    const base = this.fileBase(track);
    producer
      .record({
        pathWithoutExtension: join(this.dir, base),
        signal: entry.cancel.signal,
        onError: (message) => this.fail(`${track.source} of ${track.participantName}: ${message}`),
        // In the manifest at once, so a crash leaves it too (the end fills in the refined one).
        onFirstFrame: (startMs) => {
          entry.firstFrameMs = startMs;
          if (entry.recording !== null) this.manifest.trackFirstFrame(track.trackId, startMs);
        },
      })
      .then(
        (recording) => {
          entry.recording = recording;
          const file = basename(recording.file);
          this.manifest.trackStarted({ ...track, file, codec: codecOf(track.kind, file) });
          if (entry.firstFrameMs !== null) this.manifest.trackFirstFrame(track.trackId, entry.firstFrameMs);
          if (entry.ended) this.finalize(entry, recording);
        },
        (err: unknown) => {
          this.tracks.delete(track.trackId);
          entry.finish();
          // A track that ended first (closed, or the recording stopped before its offer) is simply not in it.
          if (!entry.cancel.signal.aborted && !producer.closed) {
            this.logger.warn({ recording: this.id, track: track.trackId, err }, 'a track could not be recorded');
            this.fail(`${track.source} of ${track.participantName}: ${errorMessage(err)}`);
          }
        },
      );
  }

  private finalize(entry: TrackEntry, recording: TrackRecording): void {
    recording
      .stop()
      .then(
        (result) => this.manifest.trackStopped(entry.track.trackId, result),
        (err: unknown) => this.logger.warn({ recording: this.id, track: entry.track.trackId, err }, 'finalizing a track file failed'),
      )
      .finally(entry.finish);
  }

  /** A file name per track, unique within the recording (a camera published twice gets `-2`). */
  private fileBase(track: TrackToRecord): string {
    const base = `${track.participantId}-${track.source}`;
    let name = base;
    for (let n = 2; this.usedNames.has(name); n++) name = `${base}-${n}`;
    this.usedNames.add(name);
    return name;
  }

  /** The first failure fails the recording; the room stops it. */
  private fail(error: string): void {
    if (this.failure !== null || this.stopped) return;
    this.failure = error;
    this.onFailed(error);
  }
}

/** The writer picks the container by codec (docs/recording.md "Files"): .mkv is H264; .webm is Opus or VP8. */
function codecOf(kind: MediaKind, file: string): RecordedTrack['codec'] {
  if (kind === 'audio') return 'opus';
  return file.endsWith('.mkv') ? 'h264' : 'vp8';
}

function fileOf(dir: string, t: RecordedTrack): WebhookRecordingFile {
  const duration = t.startMs !== null && t.endMs !== null ? Math.round(t.endMs - t.startMs) : null;
  return { trackId: t.trackId, participantId: t.participantId, source: t.source, path: join(dir, t.file), startMs: t.startMs, durationMs: duration, error: t.error };
}
