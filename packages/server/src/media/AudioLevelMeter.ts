/**
 * One audio producer's RFC 6464 levels, summed per interval for active-speaker detection: the
 * packet path adds one byte per packet (no allocation), the router's timer reads and resets.
 */

/** Quieter than this (in -dBov) is not speech, whatever the V bit says (LiveKit takes 35, Jitsi's floor is lower). */
export const VOICE_FLOOR_DBOV = 40;

/** Level 0..1 for each -dBov value 0..127: linear in dB from the floor (0) to full scale (1). */
const LEVEL_OF_DBOV = Float64Array.from({ length: 128 }, (_, dbov) => Math.max(0, (VOICE_FLOOR_DBOV - dbov) / VOICE_FLOOR_DBOV));

export class AudioLevelMeter {
  packets = 0;
  voicedPackets = 0;
  private levelSum = 0;

  /** `value` is the extension's byte, `V | level` (level in -dBov, 127 silence). */
  add(value: number): void {
    this.packets++;
    const dbov = value & 0x7f;
    if ((value & 0x80) === 0 || dbov > VOICE_FLOOR_DBOV) return;
    this.voicedPackets++;
    this.levelSum += LEVEL_OF_DBOV[dbov]!;
  }

  /** Share of packets with voice since the last reset, 0..1. */
  get voiced(): number {
    return this.packets === 0 ? 0 : this.voicedPackets / this.packets;
  }

  /** Mean level of the voiced packets, 0..1. */
  get level(): number {
    return this.voicedPackets === 0 ? 0 : this.levelSum / this.voicedPackets;
  }

  reset(): void {
    this.packets = 0;
    this.voicedPackets = 0;
    this.levelSum = 0;
  }
}
