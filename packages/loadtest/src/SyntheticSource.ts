import type { MediaStreamTrack } from 'werift';

export interface SentStats {
  packets: number;
  bytes: number;
  frames: number;
  keyFrames: number;
}

/** A synthetic media source writing RTP into a werift MediaStreamTrack (one per published source). */
export interface SyntheticSource {
  readonly kind: 'audio' | 'video';
  readonly track: MediaStreamTrack;
  /** The negotiated payload type, set once the publisher's answer is applied. */
  payloadType: number | undefined;
  readonly sent: SentStats;
  start(): void;
  stop(): void;
  /** Video: make the next frame a key frame (PLI). Audio: nothing. */
  requestKeyFrame(): void;
}

/** Random bytes shared by every source: payload bodies are slices of it (never written to). */
export const NOISE = (() => {
  const buffer = Buffer.alloc(64 * 1024);
  for (let i = 0; i < buffer.length; i++) buffer[i] = (Math.random() * 256) | 0;
  return buffer;
})();

export function random16(): number {
  return (Math.random() * 0x10000) >>> 0;
}

export function random32(): number {
  return (Math.random() * 0x100000000) >>> 0;
}
