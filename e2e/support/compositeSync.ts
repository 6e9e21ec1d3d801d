/**
 * A composite's A/V alignment, person by person. The composite holds one picture of everyone's
 * tiles and one mix of everyone's sound, so:
 * - a person's flashes are read in their own tile, over the stretches where their camera plays in it
 *   (the plan says where, and when);
 * - their beeps are the mix's beeps that start where their own microphone file, placed by the
 *   manifest, beeps, and that no other person's beep could have started: every page loops the same
 *   clapper, at its own phase or at a shared one.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CompositePlan, Rect } from '../../packages/server/src/recording/composite/compositeLayout';
import { onsets } from './avSync';

const run = promisify(execFile);

/** The composite is decoded at 1/SCALE of its size: a tile's mean luma needs no more. */
const SCALE = 8;
/** Frames this close to a change of layout are left out: a tile may move between them. */
const EDGE_FRAMES = 2;
/** A flash needs this much dark before it (the clapper's loop is 2 s, its flash 0.1 s). */
const FLASH_GAP_SECONDS = 0.3;
/** The mix's beeps are told apart down to this much quiet between them. */
export const MIX_BEEP_GAP_SECONDS = 0.04;
/**
 * A beep of the mix starts a person's own beep when theirs is placed this close to it (the mix
 * and the files agree to 1-2 ms); others' beeps this close start with it, so any of them could
 * have started it, off by at most this much.
 */
const SAME_ONSET_MS = 10;
/**
 * An earlier beep of someone else hides a person's onset unless it ended MIX_BEEP_GAP_SECONDS
 * before: a beep lasts 100 ms, and 10 ms more is the margin.
 */
const HIDDEN_BY_EARLIER_MS = 100 + MIX_BEEP_GAP_SECONDS * 1000 + 10;

/** Each person's flash onsets in the composite, in ms on its timeline, by participant id. */
export async function tileFlashesMs(file: string, plan: CompositePlan, fps: number): Promise<Map<string, number[]>> {
  const width = plan.width / SCALE;
  const height = plan.height / SCALE;
  const { stdout } = await run(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-vf', `scale=${width}:${height}:flags=area,format=gray`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const frameBytes = width * height;
  const series = new Map<string, { times: number[]; lumas: number[] }>();
  for (let n = 0; (n + 1) * frameBytes <= stdout.length; n++) {
    const ms = (n * 1000) / fps;
    const segment = plan.segments.find((s) => s.startMs + (EDGE_FRAMES * 1000) / fps <= ms && ms < s.endMs - (EDGE_FRAMES * 1000) / fps);
    if (!segment) continue;
    const frame = stdout.subarray(n * frameBytes, (n + 1) * frameBytes);
    for (const tile of segment.tiles) {
      if (tile.camera === null) continue;
      let s = series.get(tile.participantId);
      if (!s) series.set(tile.participantId, (s = { times: [], lumas: [] }));
      s.times.push(ms / 1000);
      s.lumas.push(meanLuma(frame, width, tile.rect));
    }
  }
  return new Map([...series].map(([id, s]) => [id, onsets(s.times, s.lumas, undefined, FLASH_GAP_SECONDS).map((t) => t * 1000)]));
}

/**
 * The mix's beeps that are this person's onsets: their own beep starts there, and no one else's
 * started a little before it (which would hide theirs). A later beep of someone else does not
 * move the onset, so the first of people beeping close together is always told apart. All on one clock.
 */
export function beepsStartedBy(mixBeeps: readonly number[], ownBeeps: readonly number[], othersBeeps: readonly number[]): number[] {
  return mixBeeps.filter(
    (beep) =>
      ownBeeps.some((own) => Math.abs(own - beep) <= SAME_ONSET_MS) &&
      othersBeeps.every((other) => !(other >= beep - HIDDEN_BY_EARLIER_MS && other < beep - SAME_ONSET_MS)),
  );
}

/** Mean luma of the middle of `rect` (full-size pixels) in a frame decoded at 1/SCALE: its border and name label left out. */
function meanLuma(frame: Buffer, width: number, rect: Rect): number {
  const x0 = Math.floor((rect.x + rect.w * 0.2) / SCALE);
  const x1 = Math.ceil((rect.x + rect.w * 0.8) / SCALE);
  const y0 = Math.floor((rect.y + rect.h * 0.2) / SCALE);
  const y1 = Math.ceil((rect.y + rect.h * 0.7) / SCALE);
  let sum = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      sum += frame[y * width + x]!;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}
