import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/**
 * A recording's composite job, as `composite.json` beside its manifest: the admin API lists it,
 * and it outlives the process that ran the job. The manifest stays the recorder's; this file is
 * the composite's, so neither writer waits for the other.
 */

export const COMPOSITE_STATUS_FILE = 'composite.json';
/** The composite's file name in the recording's folder (downloadable once `done`). */
export const COMPOSITE_FILE = 'composite.mp4';

export const CompositeState = z.enum(['queued', 'running', 'done', 'failed']);
export type CompositeState = z.infer<typeof CompositeState>;

export const CompositeStatus = z.object({
  state: CompositeState,
  /** 0 to 1, by output time reached. */
  progress: z.number().min(0).max(1),
  /** COMPOSITE_FILE once done, null before. */
  file: z.string().nullable(),
  /** Of the composite, once done. */
  durationMs: z.number().nonnegative().nullable(),
  bytes: z.number().int().nonnegative().nullable(),
  /** Why it failed (ffmpeg missing, its exit and last words, an unreadable input), null otherwise. */
  error: z.string().max(2000).nullable(),
  queuedAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  /** The node whose queue holds it (several nodes may share the recordings folder). */
  node: z.string(),
  /** CPU seconds ffmpeg and ffprobe used, once finished. */
  cpuSeconds: z.number().nonnegative().nullable(),
});
export type CompositeStatus = z.infer<typeof CompositeStatus>;

export async function readCompositeStatus(dir: string): Promise<CompositeStatus | null> {
  const text = await readFile(join(dir, COMPOSITE_STATUS_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  return text === null ? null : CompositeStatus.parse(JSON.parse(text));
}

/** Whole or not at all, like the manifest. */
export async function writeCompositeStatus(dir: string, status: CompositeStatus): Promise<void> {
  const path = join(dir, COMPOSITE_STATUS_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o640 });
  await rename(`${path}.tmp`, path);
}
