/**
 * Audio/video alignment measured on media files, with a clapper (support/impair/mediaFiles.ts
 * `clapperMedia`): the instants a video flashes (mean luma jumps) and an audio track beeps (sample
 * energy jumps), and how far apart the two are once both files are placed on one clock. Works on
 * any file ffmpeg reads: a per-track recording, or a composite holding both streams.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The decoded audio's rate: 1 sample = 1/16 ms, fine enough for a 40 ms bound. */
const AUDIO_RATE = 16_000;
/** Energy is judged over windows this long. */
const WINDOW_SAMPLES = AUDIO_RATE / 400; // 2.5 ms
/** A flash or beep counts only after this much quiet: one per clap, not one per frame of it. */
const MIN_GAP_SECONDS = 0.3;

export interface StreamChoice {
  /** Which stream of that kind (`-map 0:v:N`), for files holding several; default 0. */
  index?: number;
}

/**
 * Times (s, on the file's own timeline) of each frame whose mean luma rises past halfway between
 * the darkest and brightest frames, after at least MIN_GAP_SECONDS of dark.
 */
export async function flashOnsets(file: string, choice: StreamChoice = {}): Promise<number[]> {
  // signalstats' YAVG per frame, with that frame's presentation time.
  const { stdout } = await run(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', file, '-map', `0:v:${choice.index ?? 0}`, '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-', '-f', 'null', '-'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const frames: { t: number; luma: number }[] = [];
  let t = Number.NaN;
  for (const line of stdout.split('\n')) {
    const time = /pts_time:([\d.]+)/.exec(line);
    if (time) t = Number(time[1]);
    const luma = /lavfi\.signalstats\.YAVG=([\d.]+)/.exec(line);
    if (luma && Number.isFinite(t)) frames.push({ t, luma: Number(luma[1]) });
  }
  return onsets(frames.map((f) => f.t), frames.map((f) => f.luma));
}

/**
 * Times (s, on the file's own timeline) where the audio's energy rises past a tenth of its loudest
 * window (-20 dB), after at least `minGapSeconds` below it. Gaps in the file (lost packets, a mute)
 * are filled with silence first, so sample positions are times.
 */
export async function beepOnsets(file: string, choice: StreamChoice = {}, minGapSeconds = MIN_GAP_SECONDS): Promise<number[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', file, '-map', `0:a:${choice.index ?? 0}`, '-af', `aresample=${AUDIO_RATE}:async=1:first_pts=0`, '-ac', '1', '-f', 's16le', '-'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const samples = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.byteLength / 2));
  const times: number[] = [];
  const energy: number[] = [];
  for (let start = 0; start + WINDOW_SAMPLES <= samples.length; start += WINDOW_SAMPLES) {
    let sum = 0;
    for (let i = start; i < start + WINDOW_SAMPLES; i++) sum += samples[i]! * samples[i]!;
    times.push(start / AUDIO_RATE);
    energy.push(sum / WINDOW_SAMPLES);
  }
  const loudest = Math.max(0, ...energy);
  return onsets(times, energy, loudest / 10, minGapSeconds);
}

/** Where `values` cross `threshold` (default: halfway between their extremes) upwards, after a quiet gap. */
export function onsets(times: readonly number[], values: readonly number[], threshold?: number, minGapSeconds = MIN_GAP_SECONDS): number[] {
  if (values.length === 0) return [];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const line = threshold ?? (low + high) / 2;
  if (high - low < 1e-9) return [];
  const out: number[] = [];
  let lastAbove = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! <= line) continue;
    const t = times[i]!;
    if (t - lastAbove >= minGapSeconds) out.push(t);
    lastAbove = t;
  }
  return out;
}

export interface Alignment {
  /** Each flash paired with the nearest beep: beep - flash, ms (positive: the sound comes late). */
  offsetsMs: number[];
  /** Flashes with no beep within `maxPairMs`. */
  unpaired: number;
}

/**
 * Pairs each flash with the nearest beep, both given on one clock (ms), e.g. a per-track file's
 * times plus its manifest `startMs`. Flashes farther than `maxPairMs` from any beep are counted, not
 * paired (half a loop: a clap must not be matched with its neighbour).
 */
export function pairClaps(flashesMs: readonly number[], beepsMs: readonly number[], maxPairMs = 500): Alignment {
  const offsetsMs: number[] = [];
  let unpaired = 0;
  for (const flash of flashesMs) {
    let best: number | undefined;
    for (const beep of beepsMs) if (best === undefined || Math.abs(beep - flash) < Math.abs(best - flash)) best = beep;
    if (best === undefined || Math.abs(best - flash) > maxPairMs) unpaired++;
    else offsetsMs.push(best - flash);
  }
  return { offsetsMs, unpaired };
}

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
