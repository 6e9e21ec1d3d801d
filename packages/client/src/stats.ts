import type { MediaKind, TrackSource } from '@confab/protocol';

/** Inbound statistics of one subscribed remote track (`room.getStats()`). */
export interface TrackStats {
  trackId: string;
  participantId: string;
  participantName: string;
  source: TrackSource;
  kind: MediaKind;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDecoded?: number;
  frameWidth?: number;
  frameHeight?: number;
  totalSamplesReceived?: number;
  audioLevel?: number;
  jitter?: number;
}

export type InboundRtpStats = Pick<
  TrackStats,
  | 'bytesReceived'
  | 'packetsReceived'
  | 'packetsLost'
  | 'framesDecoded'
  | 'frameWidth'
  | 'frameHeight'
  | 'totalSamplesReceived'
  | 'audioLevel'
  | 'jitter'
>;

/** Anything with RTCStatsReport's forEach (a Map in tests). */
export interface StatsSource {
  forEach(callback: (value: unknown) => void): void;
}

const OPTIONAL_FIELDS = ['framesDecoded', 'frameWidth', 'frameHeight', 'totalSamplesReceived', 'audioLevel', 'jitter'] as const;

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Reads the `inbound-rtp` entry of a receiver's stats report; undefined if there is none yet. */
export function readInboundRtp(report: StatsSource): InboundRtpStats | undefined {
  let inbound: Record<string, unknown> | undefined;
  report.forEach((value) => {
    const entry = value as Record<string, unknown> | null;
    if (!inbound && entry && entry['type'] === 'inbound-rtp') inbound = entry;
  });
  if (!inbound) return undefined;
  const stats: InboundRtpStats = {
    bytesReceived: num(inbound['bytesReceived']) ?? 0,
    packetsReceived: num(inbound['packetsReceived']) ?? 0,
    packetsLost: num(inbound['packetsLost']) ?? 0,
  };
  for (const field of OPTIONAL_FIELDS) {
    const value = num(inbound[field]);
    if (value !== undefined) stats[field] = value;
  }
  return stats;
}
