/**
 * A live level for a local microphone track, for "is my mic working?" meters: a WebAudio
 * AnalyserNode on the track, read on demand.
 */

/** Quieter than this reads as 0 (room noise on a muted-ish mic); full scale reads as 1. */
const FLOOR_DB = -60;

/** Root mean square of a waveform in [-1, 1]. */
export function rmsOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}

/**
 * RMS (linear, 0..1) to a meter position 0..1 on a dB scale, as people hear loudness:
 * -60 dBFS and below is 0, 0 dBFS is 1, -30 dBFS is half way.
 */
export function meterLevel(rms: number): number {
  if (!(rms > 0)) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}

export interface AudioLevelMeter {
  /** The level now, 0..1 (dB scale; see `meterLevel`). 0 once stopped. */
  level(): number;
  /** Disconnects the analyser and closes its AudioContext; the track itself keeps running. */
  stop(): void;
}

export interface AudioLevelMeterOptions {
  /** An AudioContext to use (it is not closed by `stop()`); default a new one. */
  context?: AudioContext;
  /** Samples per reading; default 1024 (about 21 ms at 48 kHz). */
  fftSize?: number;
}

/**
 * Meters `track` (an audio MediaStreamTrack). Browsers start an AudioContext suspended until the
 * page has had a click or key press; the meter resumes it on the first one by itself.
 */
export function createAudioLevelMeter(track: MediaStreamTrack, options: AudioLevelMeterOptions = {}): AudioLevelMeter {
  if (track.kind !== 'audio') throw new TypeError(`a level meter needs an audio track, not ${track.kind}`);
  const ownContext = options.context === undefined;
  const context = options.context ?? new AudioContext();
  const source = context.createMediaStreamSource(new MediaStream([track]));
  const analyser = context.createAnalyser();
  analyser.fftSize = options.fftSize ?? 1024;
  analyser.smoothingTimeConstant = 0;
  source.connect(analyser);
  const buffer = new Float32Array(analyser.fftSize);
  const resume = (): void => {
    if (context.state === 'suspended') void context.resume().catch(() => undefined);
  };
  resume();
  const gestures = ['pointerdown', 'keydown'] as const;
  const doc = globalThis.document as Document | undefined;
  for (const g of gestures) doc?.addEventListener(g, resume, true);
  let stopped = false;
  return {
    level() {
      if (stopped || track.readyState === 'ended' || !track.enabled) return 0;
      analyser.getFloatTimeDomainData(buffer);
      return meterLevel(rmsOf(buffer));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const g of gestures) doc?.removeEventListener(g, resume, true);
      source.disconnect();
      analyser.disconnect();
      if (ownContext) void context.close().catch(() => undefined);
    },
  };
}
