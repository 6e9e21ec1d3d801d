import type { AudioLevelSample } from '../types';
import type { SfuProducer } from './SfuProducer';

/** How often a router reports its producers' audio levels: the active-speaker detector's step. */
export const AUDIO_LEVEL_INTERVAL_MS = 100;

/**
 * Reports go on this long after the last voice, so the listener sees levels fall to silence (its
 * smoothing needs the quiet intervals); then a quiet room costs nothing.
 */
const QUIET_TAIL_MS = 1500;

/**
 * A router's audio levels, every AUDIO_LEVEL_INTERVAL_MS: each unpaused audio producer that sent
 * packets, with what its meter summed. Only while someone's audio carries voice, and a short tail after.
 */
export class AudioLevelReporter {
  private lastMs = 0;
  private lastVoiceMs = -Infinity;

  constructor(private readonly onLevels: (samples: readonly AudioLevelSample[]) => void) {}

  /** Called on the engine's tick with the router's audio producers. */
  tick(nowMs: number, producers: Iterable<SfuProducer>): void {
    if (nowMs - this.lastMs < AUDIO_LEVEL_INTERVAL_MS) return;
    this.lastMs = nowMs;
    const samples: AudioLevelSample[] = [];
    let voice = false;
    for (const producer of producers) {
      const meter = producer.levels;
      if (meter === null || meter.packets === 0) continue;
      if (!producer.paused) {
        samples.push({ producerId: producer.id, voiced: meter.voiced, level: meter.level });
        if (meter.voicedPackets > 0) voice = true;
      }
      meter.reset();
    }
    if (voice) this.lastVoiceMs = nowMs;
    if (nowMs - this.lastVoiceMs <= QUIET_TAIL_MS) this.onLevels(samples);
  }
}
