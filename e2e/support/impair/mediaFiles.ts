/**
 * Fake capture files for Chromium (`--use-file-for-fake-audio-capture`, `--use-file-for-fake-video-capture`),
 * made with espeak-ng, sox and ffmpeg and cached under test-results/media/ by their parameters, so
 * reruns skip the work. Chromium loops a file when it ends.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from '../browser';
import { run } from './run';

const CACHE_DIR = join(RESULTS_DIR, 'media');
const RATE = 48_000;

/** Something heard during [atSeconds, atSeconds + seconds) of the file. */
export type AudioSegment =
  | { kind: 'speech'; atSeconds: number; seconds: number; text?: string }
  /** A short loud noise: a cough, a door. */
  | { kind: 'burst'; atSeconds: number; seconds: number };

const SPEECH_TEXT =
  'we are going to talk about the plan for the next release and how the team will split the work ' +
  'between the server and the web application so that everyone knows what comes first and what can wait ' +
  'then we look at the numbers from the last load test and decide which of them we want to improve';

/** A mono 48 kHz WAV of `seconds`, silent except for `segments`. Returns its path (cached). */
export async function audioTimeline(seconds: number, segments: readonly AudioSegment[]): Promise<string> {
  return cached('wav', { seconds, segments }, async (out, work) => {
    const parts: string[] = [];
    let at = 0;
    let i = 0;
    for (const segment of [...segments].sort((a, b) => a.atSeconds - b.atSeconds)) {
      if (segment.atSeconds < at) throw new Error('audio segments overlap');
      if (segment.atSeconds > at) parts.push(await silence(join(work, `s${i++}.wav`), segment.atSeconds - at));
      parts.push(segment.kind === 'speech' ? await speech(join(work, `p${i++}.wav`), segment.seconds, segment.text ?? SPEECH_TEXT) : await burst(join(work, `b${i++}.wav`), segment.seconds));
      at = segment.atSeconds + segment.seconds;
    }
    if (seconds > at) parts.push(await silence(join(work, `s${i++}.wav`), seconds - at));
    await run('sox', [...parts, out]);
  });
}

/** A moving 1280x720 test picture (ffmpeg's testsrc2) as y4m, `seconds` long at `fps`. */
export async function movingVideo(seconds = 3, width = 1280, height = 720, fps = 30): Promise<string> {
  return cached('y4m', { seconds, width, height, fps }, async (out) => {
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', '-y', out]);
  });
}

async function silence(path: string, seconds: number): Promise<string> {
  await run('sox', ['-n', '-r', String(RATE), '-c', '1', '-b', '16', path, 'trim', '0', seconds.toFixed(3)]);
  return path;
}

/** espeak-ng speech, continuous (no sentence pauses), normalised, cut or padded to exactly `seconds`. */
async function speech(path: string, seconds: number, text: string): Promise<string> {
  const raw = `${path}.raw.wav`;
  // espeak-ng speaks about 3 words a second: repeat the text until it is long enough.
  const words = Math.ceil(seconds * 4);
  let long = text;
  while (long.split(' ').length < words) long += ` ${text}`;
  await run('espeak-ng', ['-s', '170', '-w', raw, long]);
  await run('sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', path, 'gain', '-n', '-3', 'pad', '0', String(seconds), 'trim', '0', seconds.toFixed(3)]);
  rmSync(raw, { force: true });
  return path;
}

async function burst(path: string, seconds: number): Promise<string> {
  await run('sox', ['-n', '-r', String(RATE), '-c', '1', '-b', '16', path, 'synth', seconds.toFixed(3), 'pinknoise', 'gain', '-n', '-6']);
  return path;
}

/** Makes `key`'s file once: built in a work directory, then renamed into place (concurrent runs never see half a file). */
async function cached(ext: string, key: unknown, make: (out: string, work: string) => Promise<void>): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
  const path = join(CACHE_DIR, `${hash}.${ext}`);
  if (existsSync(path)) return path;
  const work = join(CACHE_DIR, `tmp-${hash}-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const out = join(work, `out.${ext}`);
    await make(out, work);
    renameSync(out, path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return path;
}

/**
 * A clapper for A/V alignment, as two files of the same length that Chromium loops together: a
 * dark 640x480 video with a white flash, and a silent mono 48 kHz WAV with a 1 kHz beep, each
 * starting `atSeconds` into the loop and lasting `flashSeconds`. Returns both paths (cached).
 */
export async function clapperMedia(loopSeconds = 2, atSeconds = 1, flashSeconds = 0.1, fps = 30): Promise<{ video: string; audio: string }> {
  const end = atSeconds + flashSeconds;
  const video = await cached('y4m', { clapper: 'video', loopSeconds, atSeconds, flashSeconds, fps }, async (out) => {
    const flash = `drawbox=t=fill:c=white:enable='between(t,${atSeconds},${end - 0.001})'`;
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `color=c=0x202020:s=640x480:r=${fps}:d=${loopSeconds}`, '-vf', flash, '-pix_fmt', 'yuv420p', '-y', out]);
  });
  const audio = await cached('wav', { clapper: 'audio', loopSeconds, atSeconds, flashSeconds }, async (out) => {
    const beep = `aevalsrc='if(between(t,${atSeconds},${end}),0.5*sin(2*PI*1000*t),0)':s=${RATE}:d=${loopSeconds}`;
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', beep, '-ac', '1', '-c:a', 'pcm_s16le', '-y', out]);
  });
  return { video, audio };
}
