import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ProtocolError, RecordingId, type RecordingSummary } from '@confab/protocol';
import { COMPOSITE_FILE, readCompositeStatus, type CompositeStatus } from './composite/compositeStatus';
import type { CompositeQueue } from './composite/CompositeQueue';
import type { CompositeOutcome } from './composite/makeComposite';
import { readManifest } from './manifest';

/**
 * The recordings of this node: the folder they go to (CONFAB_RECORDINGS_DIR, one sub-folder per
 * recording), how many may run at once (CONFAB_MAX_RECORDINGS), what the folder holds, and the
 * composites made of them (one at a time).
 */
export class NodeRecordings {
  private running = 0;

  constructor(
    readonly root: string,
    readonly maxRunning: number,
    private readonly nodeId: string,
    /** null: no composites (CONFAB_COMPOSITE=off). */
    private readonly composites: CompositeQueue | null = null,
  ) {}

  /** Queues the composite of the stopped recording in `dir`; null when composites are off. Settles when it is made or has failed. */
  composite(dir: string): Promise<CompositeOutcome> | null {
    return this.composites?.add(dir) ?? null;
  }

  /** The server stops: a running composite is killed (it fails, saying so). */
  close(): void {
    this.composites?.close();
  }

  get runningCount(): number {
    return this.running;
  }

  /** Takes one of the node's recording slots; the returned function gives it back (once). */
  reserve(): () => void {
    if (this.running >= this.maxRunning) {
      throw ProtocolError.exhausted(`this server already records ${this.maxRunning} meetings (CONFAB_MAX_RECORDINGS); stop one first`);
    }
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
    };
  }

  /** Every recording in the folder whose manifest reads, newest first; a folder without one is skipped. */
  async list(): Promise<RecordingSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found = await Promise.all(names.filter((n) => RecordingId.safeParse(n).success).map((n) => this.summary(n as RecordingId).catch(() => null)));
    return found.filter((r): r is RecordingSummary => r !== null).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** The path of one file of a recording, if the recording's manifest names it; not_found otherwise. */
  async filePath(recordingId: string, file: string): Promise<string> {
    const id = RecordingId.safeParse(recordingId);
    const manifest = id.success ? await readManifest(join(this.root, id.data)).catch(() => null) : null;
    if (!manifest) throw ProtocolError.notFound(`no recording "${recordingId}" on this server`);
    // Only names the manifest lists (bare names, checked when it is read), or a finished composite: never a path of the caller's choosing.
    const composite = file === COMPOSITE_FILE && (await this.compositeStatus(join(this.root, manifest.recordingId)))?.state === 'done';
    if (!composite && !manifest.tracks.some((t) => t.file === file)) throw ProtocolError.notFound(`recording "${recordingId}" has no file "${file}"`);
    return join(this.root, manifest.recordingId, file);
  }

  private async summary(id: RecordingId): Promise<RecordingSummary> {
    const dir = join(this.root, id);
    const m = await readManifest(dir);
    const files = await Promise.all(
      m.tracks.map(async (t) => ({
        name: t.file,
        bytes: await stat(join(dir, t.file)).then((s) => s.size, () => 0),
        trackId: t.trackId,
        participantId: t.participantId,
        participantName: t.participantName,
        source: t.source,
        codec: t.codec,
        startMs: t.startMs,
        endMs: t.endMs,
        error: t.error,
      })),
    );
    const c = await this.compositeStatus(dir);
    const composite = c && { state: c.state, progress: c.progress, file: c.file, bytes: c.bytes, durationMs: c.durationMs, error: c.error };
    return { id, room: m.room, node: this.nodeId, state: m.state, startedAt: m.startedAt, stoppedAt: m.stoppedAt, error: m.error, files, composite };
  }

  /** What this process knows of a job that runs or waits, else composite.json; a job of this node that the file says runs but the queue does not know was cut short. */
  private async compositeStatus(dir: string): Promise<CompositeStatus | null> {
    const live = this.composites?.status(dir);
    if (live) return live;
    const saved = await readCompositeStatus(dir).catch(() => null);
    if (saved && (saved.state === 'queued' || saved.state === 'running') && saved.node === this.nodeId) return { ...saved, state: 'failed', error: 'the server stopped before it was made' };
    return saved;
  }
}
