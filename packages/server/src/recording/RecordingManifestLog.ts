import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParticipantId, RecordingId, RoomName, TrackId } from '@confab/protocol';
import { writeManifest, type RecordedTrack, type RecordingManifest, type RecordingState } from './manifest';

/** A track as its recorder reports it at the end: times on the common clock (epoch ms), NaN if nothing was written. */
export interface TrackOutcome {
  startMs: number;
  endMs: number;
  frames: number;
  error: string | null;
}

export type TrackStart = Omit<RecordedTrack, 'startMs' | 'endMs' | 'frames' | 'error'>;

/**
 * Space set aside beside the manifest while the recording runs, given back when a write finds the
 * disk full: the manifest (written whole to a temporary file, then renamed) can still say that the
 * recording failed and how far each file got, where otherwise it would be left saying "recording".
 */
const RESERVE_FILE = '.manifest-reserve';
const RESERVE_BYTES = 256 * 1024;

/**
 * Keeps one recording's manifest and writes it to the recording's folder after each change:
 * participants joining and leaving, tracks starting and ending, the end of the recording. Takes
 * times as epoch ms (the common clock) and stores them as offsets from the recording's start.
 * Writes are coalesced: one at a time, the newest state last.
 */
export class RecordingManifestLog {
  readonly manifest: RecordingManifest;
  private writing: Promise<void> | null = null;
  private dirty = false;
  /** The reserve file is there (see RESERVE_FILE). */
  private reserved = false;

  constructor(
    private readonly dir: string,
    recordingId: RecordingId,
    room: RoomName,
    startedAtMs: number,
    /** A write failed (the disk is full...); the next change tries again. */
    private readonly onError: (err: unknown) => void,
  ) {
    const startedAt = Math.round(startedAtMs);
    this.manifest = {
      version: 1,
      recordingId,
      room,
      startedAtMs: startedAt,
      startedAt: new Date(startedAt).toISOString(),
      stoppedAt: null,
      state: 'recording',
      error: null,
      participants: [],
      tracks: [],
    };
  }

  /** Writes the first manifest and the reserve now; throws when the folder cannot be written (the recording does not start). */
  async writeFirst(): Promise<void> {
    await writeManifest(this.dir, structuredClone(this.manifest));
    await writeFile(join(this.dir, RESERVE_FILE), Buffer.alloc(RESERVE_BYTES), { mode: 0o640 });
    this.reserved = true;
  }

  participantJoined(participantId: ParticipantId, name: string, atMs: number): void {
    this.manifest.participants.push({ participantId, name, joinedMs: Math.max(0, this.offset(atMs)), leftMs: null });
    this.changed();
  }

  participantLeft(participantId: ParticipantId, atMs: number): void {
    const p = [...this.manifest.participants].reverse().find((x) => x.participantId === participantId && x.leftMs === null);
    if (p === undefined) return;
    p.leftMs = this.offset(atMs);
    this.changed();
  }

  trackStarted(track: TrackStart): void {
    this.manifest.tracks.push({ ...track, startMs: null, endMs: null, frames: 0, error: null });
    this.changed();
  }

  /** The track's first frame is written: its start on the common clock (epoch ms). */
  trackFirstFrame(trackId: TrackId, startMs: number): void {
    const t = this.track(trackId);
    if (t === undefined || t.startMs !== null) return;
    t.startMs = this.offset(startMs);
    this.changed();
  }

  trackStopped(trackId: TrackId, outcome: TrackOutcome): void {
    const t = this.track(trackId);
    if (t === undefined) return;
    t.startMs = Number.isNaN(outcome.startMs) ? null : this.offset(outcome.startMs);
    t.endMs = Number.isNaN(outcome.endMs) ? null : this.offset(outcome.endMs);
    t.frames = outcome.frames;
    t.error = outcome.error;
    this.changed();
  }

  /** The recording ended (`error`: why it failed); resolves once the final manifest is on disk. */
  async finish(state: Exclude<RecordingState, 'recording'>, atMs: number, error: string | null = null): Promise<void> {
    const m = this.manifest;
    m.state = state;
    m.stoppedAt = new Date(Math.round(atMs)).toISOString();
    m.error = error;
    for (const p of m.participants) if (p.leftMs === null) p.leftMs = this.offset(atMs);
    this.changed();
    await this.flushed();
    await this.releaseReserve();
  }

  /** Resolves when every change so far is on disk. */
  async flushed(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private track(trackId: TrackId): RecordedTrack | undefined {
    return this.manifest.tracks.find((t) => t.trackId === trackId);
  }

  /** ms from the recording's start, to 0.1 ms. */
  private offset(epochMs: number): number {
    return Math.round((epochMs - this.manifest.startedAtMs) * 10) / 10;
  }

  private changed(): void {
    this.dirty = true;
    if (this.writing === null) this.writing = this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await this.write();
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.writing = null;
    }
  }

  /** One write; a full disk gives back the reserve and tries once more. */
  private async write(): Promise<void> {
    try {
      await writeManifest(this.dir, structuredClone(this.manifest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC' || !(await this.releaseReserve())) throw err;
      await writeManifest(this.dir, structuredClone(this.manifest));
    }
  }

  /** Removes the reserve file; true if it was there. */
  private async releaseReserve(): Promise<boolean> {
    if (!this.reserved) return false;
    this.reserved = false;
    await rm(join(this.dir, RESERVE_FILE), { force: true });
    return true;
  }
}
