/**
 * The clapper as the sender's browser captured it: its own camera and microphone tracks read in
 * the page (MediaStreamTrackProcessor), each flash and beep found with its capture timestamp.
 * Chromium's file-fed fake camera falls behind real time when the machine is busy (it drops the
 * debt of a late frame instead of catching up) while the fake microphone keeps the audio clock, so
 * the flash and the beep of one clap can be captured hundreds of ms apart. A recording can only keep
 * what was captured: its A/V offset is judged against this one, clap by clap.
 */
import type { Page } from 'playwright-core';

/**
 * Run in the page once its room has published camera and microphone. Reads copies (clones) of
 * both tracks: per video frame the mean luma of a sparse grid of the Y plane, per 2.5 ms of audio
 * the mean square; keeps onsets (after 300 ms below the line) as epoch ms. Capture timestamps are
 * put on the epoch clock by the smallest (arrival - timestamp) seen, per track.
 */
export const CAPTURE_CLAPPER = `(async () => {
  const room = window.confabRoom;
  const out = { flashes: [], beeps: [], videoFrames: 0, audioChunks: 0, errors: [] };
  window.__capturedClaps = out;
  const epoch = () => performance.timeOrigin + performance.now();
  const watch = async (kind, onChunk) => {
    // On a busy page the camera may be published a while after the microphone.
    const source = kind === 'video' ? 'camera' : 'microphone';
    for (let waited = 0; !room.localParticipant.tracks.get(source) && waited < 20000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const track = room.localParticipant.tracks.get(source).mediaStreamTrack.clone();
    const reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    let shift = Infinity;
    let lastAbove = -Infinity;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      shift = Math.min(shift, epoch() - value.timestamp / 1000);
      try {
        for (const [atUs, above] of await onChunk(value)) {
          const at = atUs / 1000;
          if (!above) continue;
          if (at - lastAbove >= 300) (kind === 'video' ? out.flashes : out.beeps).push({ at, shift });
          lastAbove = at;
        }
      } finally {
        value.close();
      }
    }
  };
  const failed = (err) => { if (out.errors.length < 5) out.errors.push(String(err)); };
  watch('video', async (frame) => {
    out.videoFrames++;
    const buf = new Uint8Array(frame.allocationSize());
    const [y] = await frame.copyTo(buf);
    let sum = 0, n = 0;
    for (let row = 0; row < frame.codedHeight; row += 16) for (let col = 0; col < frame.codedWidth; col += 16) { sum += buf[y.offset + row * y.stride + col]; n++; }
    return [[frame.timestamp, sum / n > 128]];
  }).catch(failed);
  watch('audio', async (data) => {
    out.audioChunks++;
    const samples = new Float32Array(data.numberOfFrames);
    data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
    const step = Math.round(data.sampleRate / 400);
    const result = [];
    for (let i = 0; i + step <= samples.length; i += step) {
      let e = 0;
      for (let j = i; j < i + step; j++) e += samples[j] * samples[j];
      result.push([data.timestamp + (i / data.sampleRate) * 1e6, e / step > 0.005]);
    }
    return result;
  }).catch(failed);
})()`;

export interface CapturedClaps {
  /** Epoch ms of each flash and beep as captured, in order. */
  flashesMs: number[];
  beepsMs: number[];
  videoFrames: number;
  audioChunks: number;
  /** Why a track's reading stopped, if it did. */
  errors: string[];
}

export async function startCapturingClaps(page: Page): Promise<void> {
  await page.evaluate(CAPTURE_CLAPPER);
}

export async function capturedClaps(page: Page): Promise<CapturedClaps> {
  const raw = await page.evaluate(
    () => JSON.parse(JSON.stringify((window as unknown as { __capturedClaps: unknown }).__capturedClaps)) as {
      flashes: { at: number; shift: number }[];
      beeps: { at: number; shift: number }[];
      videoFrames: number;
      audioChunks: number;
      errors: string[];
    },
  );
  // The final shift (smallest delay seen over the whole capture) places every onset.
  const place = (list: { at: number; shift: number }[]): number[] => list.map((e) => e.at + (list.at(-1)?.shift ?? 0));
  return { flashesMs: place(raw.flashes), beepsMs: place(raw.beeps), videoFrames: raw.videoFrames, audioChunks: raw.audioChunks, errors: raw.errors };
}

/** One clap found in the recording and in the capture. */
export interface ClapMatch {
  /** Beep - flash in the recording (files placed by the manifest) and as captured, ms. */
  recordedMs: number;
  capturedMs: number;
  /** recordedMs - capturedMs: what the recording added to the A/V offset. */
  errorMs: number;
  /** Recorded flash (beep) time - captured flash (beep) time, on the epoch clock: where the manifest puts the file. */
  flashPlacementMs: number;
  beepPlacementMs: number;
}

/**
 * Each recorded clap against the same clap as captured: the captured flash nearest to the recorded
 * one (within `maxMs`) and that clap's captured A/V offset; the recorded beep is the one nearest to
 * where that offset puts it. The captured offsets drift (see above), by up to a loop over a test:
 * a beep nearest to its flash may belong to the next clap, so they are unwrapped by `loopMs`,
 * clap to clap, as the drift is slow. Unmatched recorded claps are left out.
 */
export function againstCapture(recordedFlashesMs: readonly number[], recordedBeepsMs: readonly number[], captured: CapturedClaps, loopMs = 2000, maxMs = 400): ClapMatch[] {
  const nearest = (list: readonly number[], t: number): number | undefined =>
    list.reduce<number | undefined>((best, x) => (best === undefined || Math.abs(x - t) < Math.abs(best - t) ? x : best), undefined);
  // The captured offset of every captured clap, unwrapped.
  const capturedOffset = new Map<number, number>();
  let previous: number | undefined;
  for (const flash of captured.flashesMs) {
    const beep = nearest(captured.beepsMs, flash + (previous ?? 0));
    if (beep === undefined) continue;
    let offset = beep - flash;
    if (previous !== undefined) offset -= Math.round((offset - previous) / loopMs) * loopMs;
    capturedOffset.set(flash, offset);
    previous = offset;
  }
  const out: ClapMatch[] = [];
  for (const flash of recordedFlashesMs) {
    const sourceFlash = nearest(captured.flashesMs, flash);
    if (sourceFlash === undefined || Math.abs(sourceFlash - flash) > maxMs) continue;
    const capturedMs = capturedOffset.get(sourceFlash);
    const beep = capturedMs === undefined ? undefined : nearest(recordedBeepsMs, flash + capturedMs);
    if (capturedMs === undefined || beep === undefined || Math.abs(beep - flash - capturedMs) > loopMs / 2) continue;
    const recordedMs = beep - flash;
    out.push({ recordedMs, capturedMs, errorMs: recordedMs - capturedMs, flashPlacementMs: flash - sourceFlash, beepPlacementMs: beep - (sourceFlash + capturedMs) });
  }
  return out;
}
