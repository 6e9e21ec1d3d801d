import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Interval } from './compositeLayout';

const run = promisify(execFile);

/**
 * A camera that was muted (or lost its sender) is a stretch of its file without frames: the
 * recorder writes nothing meanwhile and the manifest does not list mutes. The composite shows the
 * person's name tile there rather than a frozen last frame, so it needs to know where they are.
 */

/** A camera stalls for longer than this only when it stopped sending (a browser sends at least a few frames a second). */
export const CAMERA_GAP_MS = 1000;

/** Stretches longer than `minGapMs` between frames, or after the last frame up to `endMs`, in file ms. */
export function gapsBetween(frameTimesMs: readonly number[], endMs: number, minGapMs = CAMERA_GAP_MS): Interval[] {
  const times = [...frameTimesMs].sort((a, b) => a - b);
  const gaps: Interval[] = [];
  for (let i = 1; i < times.length; i++) {
    if (times[i]! - times[i - 1]! > minGapMs) gaps.push({ startMs: times[i - 1]!, endMs: times[i]! });
  }
  const last = times.at(-1);
  if (last !== undefined && endMs - last > minGapMs) gaps.push({ startMs: last, endMs });
  return gaps;
}

/** The frame times of a video file's first stream, in ms, read by ffprobe (packets only: no decoding). */
export async function frameTimes(ffprobe: string, path: string): Promise<number[]> {
  const { stdout } = await run(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', path], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    .map((line) => Number.parseFloat(line))
    .filter((s) => Number.isFinite(s))
    .map((s) => s * 1000);
}
