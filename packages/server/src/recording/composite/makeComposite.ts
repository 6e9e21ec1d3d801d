import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../media/errors';
import { readManifest, type RecordingManifest } from '../manifest';
import { frameTimes, gapsBetween } from './cameraGaps';
import { buildCompositeCommand, DEFAULT_ENCODING, type CompositeEncoding } from './compositeCommand';
import { planComposite, type CompositePlan, type Interval } from './compositeLayout';
import { COMPOSITE_FILE } from './compositeStatus';
import { FfmpegProgress } from './ffmpegProgress';

export interface CompositeTools {
  ffmpeg: string;
  ffprobe: string;
}

export interface CompositeOptions {
  tools: CompositeTools;
  encoding?: CompositeEncoding;
  width?: number;
  height?: number;
  /** Called at each progress block, 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Aborting kills ffmpeg (the server is stopping). */
  signal?: AbortSignal;
}

export interface CompositeOutcome {
  file: string;
  durationMs: number;
  bytes: number;
}

/** The composite's picture unless told otherwise: 720p. */
export const COMPOSITE_SIZE = { width: 1280, height: 720 } as const;
/** A composite job is background work: it yields the CPU to the media and signaling of live calls. */
const NICENESS = 10;
const PARTIAL_FILE = '.composite-partial.mp4';
/** How much of ffmpeg's error output is kept for the reason of a failure. */
const STDERR_KEPT = 4000;

/**
 * Makes `composite.mp4` in a stopped recording's folder from its manifest and track files: finds
 * where cameras paused, plans the layout, runs ffmpeg at a lower priority. Rejects with the reason
 * (ffmpeg missing, an unreadable input, ffmpeg's exit code and last words); the folder then holds
 * no composite and no leftovers.
 */
export async function makeComposite(dir: string, options: CompositeOptions): Promise<CompositeOutcome> {
  const { tools } = options;
  const manifest = await readManifest(dir).catch((err: unknown) => {
    throw new Error(`cannot read the manifest: ${errorMessage(err)}`, { cause: err });
  });
  const plan = await planFromFiles(dir, manifest, tools.ffprobe, { width: options.width ?? COMPOSITE_SIZE.width, height: options.height ?? COMPOSITE_SIZE.height });
  if (plan.durationMs <= 0) throw new Error('the recording is empty');
  const command = buildCompositeCommand(plan, PARTIAL_FILE, options.encoding ?? DEFAULT_ENCODING);
  const leftovers = [PARTIAL_FILE, ...command.textFiles.keys()];
  try {
    for (const [file, text] of command.textFiles) await writeFile(join(dir, file), text);
    await runFfmpeg(tools.ffmpeg, command.args, dir, plan.durationMs, options);
    await rename(join(dir, PARTIAL_FILE), join(dir, COMPOSITE_FILE));
    const { size } = await stat(join(dir, COMPOSITE_FILE));
    return { file: join(dir, COMPOSITE_FILE), durationMs: plan.durationMs, bytes: size };
  } finally {
    await Promise.all(leftovers.map((f) => rm(join(dir, f), { force: true })));
  }
}

/** The composite's plan for a recording's folder: where each camera paused, read from its file, then the layout. */
export async function planFromFiles(dir: string, manifest: RecordingManifest, ffprobe: string, size: { width: number; height: number }): Promise<CompositePlan> {
  const cameraGaps = new Map<string, Interval[]>();
  for (const t of manifest.tracks) {
    if (t.source !== 'camera' || t.startMs === null || t.frames === 0) continue;
    const times = await frameTimes(ffprobe, join(dir, t.file)).catch((err: unknown) => {
      throw new Error(`cannot read ${t.file}: ${toolFailure(ffprobe, err)}`, { cause: err });
    });
    cameraGaps.set(t.file, gapsBetween(times, (t.endMs ?? t.startMs) - t.startMs));
  }
  return planComposite(manifest, { ...size, cameraGaps });
}

function runFfmpeg(ffmpeg: string, args: string[], cwd: string, durationMs: number, options: CompositeOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, killSignal: 'SIGKILL' });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, NICENESS);
      } catch {
        // Not allowed here (a container's seccomp): it runs at the server's priority.
      }
    }
    const progress = new FfmpegProgress();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (progress.push(chunk)) options.onProgress?.(progress.fraction(durationMs));
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    child.on('error', (err) => reject(new Error(toolFailure(ffmpeg, err), { cause: err })));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const said = stderr.trim().split('\n').slice(-3).join(' / ');
      reject(new Error(`ffmpeg ${signal ? `was killed (${signal})` : `exited with code ${code}`}${said ? `: ${said}` : ''}`));
    });
  });
}

function toolFailure(tool: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException & { stderr?: string };
  if (e.code === 'ENOENT') return `${tool} not found (install the Debian package ffmpeg, or set CONFAB_FFMPEG / CONFAB_FFPROBE)`;
  if (e.name === 'AbortError') return 'stopped with the server';
  const said = typeof e.stderr === 'string' ? e.stderr.trim().split('\n').slice(-2).join(' / ') : '';
  return said || errorMessage(err);
}

/** CPU seconds used by this process's finished children (ffmpeg and ffprobe, once reaped), from /proc; null elsewhere. */
export function childrenCpuSeconds(): number | null {
  try {
    // Fields after the command name: cutime and cstime are the 14th and 15th, in clock ticks (100 a second on Linux).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
