/**
 * Who is talking, measured in the page: a WebAudio AnalyserNode per microphone track, polled
 * every 100 ms; loud enough means speaking, and it stays on for a short hold so the ring
 * doesn't flicker between words.
 */

export const SPEAKING_THRESHOLD = 0.012; // RMS of the waveform, about -38 dBFS
export const SPEAKING_HOLD_MS = 300;
const POLL_MS = 100;

/** Root mean square of a waveform in [-1, 1]. */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as number;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}

/** The hold logic, pure: speaking while loud, and for `holdMs` after the last loud sample. */
export function speakingAt(level: number, now: number, lastLoudAt: number, threshold = SPEAKING_THRESHOLD, holdMs = SPEAKING_HOLD_MS): { speaking: boolean; lastLoudAt: number } {
  const loudAt = level >= threshold ? now : lastLoudAt;
  return { speaking: now - loudAt < holdMs, lastLoudAt: loudAt };
}

interface Entry {
  track: MediaStreamTrack;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  buffer: Float32Array<ArrayBuffer>;
  enabled: boolean;
  lastLoudAt: number;
  speaking: boolean;
}

export class SpeakingDetector {
  private context: AudioContext | null = null;
  private readonly entries = new Map<string, Entry>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly resumeOnGesture = (): void => this.resume();

  constructor(private readonly onChange: (key: string, speaking: boolean) => void) {
    document.addEventListener('pointerdown', this.resumeOnGesture, true);
    document.addEventListener('keydown', this.resumeOnGesture, true);
  }

  /**
   * Watches `track` under `key` (a participant id); null stops watching. `enabled` false (a muted
   * mic) reports not speaking without tearing the analyser down.
   */
  set(key: string, track: MediaStreamTrack | null, enabled = true): void {
    const existing = this.entries.get(key);
    if (existing && existing.track === track) {
      existing.enabled = enabled;
      return;
    }
    if (existing) this.drop(key, existing);
    if (!track) return;
    const context = this.audioContext();
    if (!context) return;
    try {
      const source = context.createMediaStreamSource(new MediaStream([track]));
      const analyser = context.createAnalyser();
      analyser.fftSize = 512;
      analyser.smoothingTimeConstant = 0.2;
      source.connect(analyser);
      this.entries.set(key, { track, source, analyser, buffer: new Float32Array(analyser.fftSize), enabled, lastLoudAt: -Infinity, speaking: false });
      this.start();
    } catch (err) {
      console.warn('confab: cannot analyse audio level', err);
    }
  }

  /** Browsers start an AudioContext suspended until the user interacts with the page. */
  resume(): void {
    if (this.context?.state === 'suspended') void this.context.resume().catch(() => undefined);
  }

  destroy(): void {
    document.removeEventListener('pointerdown', this.resumeOnGesture, true);
    document.removeEventListener('keydown', this.resumeOnGesture, true);
    for (const [key, entry] of this.entries) this.drop(key, entry);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }

  private audioContext(): AudioContext | null {
    if (this.context) return this.context;
    if (typeof AudioContext === 'undefined') return null;
    this.context = new AudioContext();
    this.resume();
    return this.context;
  }

  private start(): void {
    if (this.timer === undefined) this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    const now = performance.now();
    for (const [key, entry] of this.entries) {
      let level = 0;
      if (entry.enabled && entry.track.readyState === 'live') {
        entry.analyser.getFloatTimeDomainData(entry.buffer);
        level = rms(entry.buffer);
      }
      const next = speakingAt(level, now, entry.enabled ? entry.lastLoudAt : -Infinity);
      entry.lastLoudAt = next.lastLoudAt;
      if (next.speaking !== entry.speaking) {
        entry.speaking = next.speaking;
        this.onChange(key, next.speaking);
      }
    }
  }

  private drop(key: string, entry: Entry): void {
    entry.source.disconnect();
    this.entries.delete(key);
    if (entry.speaking) this.onChange(key, false);
    if (this.entries.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
