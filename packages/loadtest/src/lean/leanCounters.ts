/**
 * What a lean subscriber shows the thread that runs the bench, in a SharedArrayBuffer the worker
 * writes and the main thread reads synchronously (the bench's snapshots read every subscriber at
 * one instant). One Float64 record per subscriber; doubles are written whole, so a reader sees
 * each value old or new, never torn.
 */

/** Tracks (m-sections) counted per subscriber; a publisher's camera and microphone need 2. */
export const MAX_TRACKS = 4;

export const SubscriberField = {
  /** LeanState below. */
  state: 0,
  /** Tracks the latest offer lists. */
  tracks: 1,
  /** SRTP samples that authenticated and decrypted, and ones that did not. */
  samplesVerified: 2,
  samplesFailed: 3,
  /** Packets on RTX SSRCs (retransmissions, padding probes), and on SSRCs no offer named. */
  rtxPackets: 4,
  otherPackets: 5,
} as const;

/** Per track, at TRACK_BASE + track * TRACK_FIELDS. */
export const TrackField = { packets: 0, bytes: 1, expected: 2, duplicates: 3, reordered: 4, jitterMs: 5 } as const;
const TRACK_BASE = 6;
const TRACK_FIELDS = 6;
export const RECORD_FIELDS = TRACK_BASE + MAX_TRACKS * TRACK_FIELDS;

export const LeanState = { joining: 0, connected: 1, failed: 2, closed: 3 } as const;

/** The index of `field` of `track` in subscriber `index`'s record. */
export function trackIndex(index: number, track: number, field: number): number {
  return index * RECORD_FIELDS + TRACK_BASE + track * TRACK_FIELDS + field;
}

export function fieldIndex(index: number, field: number): number {
  return index * RECORD_FIELDS + field;
}

export function counterMemory(subscribers: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(subscribers * RECORD_FIELDS * Float64Array.BYTES_PER_ELEMENT));
}
