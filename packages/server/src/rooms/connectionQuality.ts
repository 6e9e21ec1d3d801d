/**
 * A participant's connection quality, as LiveKit and Jitsi show it: `excellent` / `good` / `poor`
 * from the worst of what the server sees on their two links (loss, jitter, round-trip time, and
 * whether their bandwidth estimate covers what they should receive), `lost` when their signaling
 * is reconnecting or their media has gone silent. Pure: stats and time are passed in.
 */
import type { ConnectionQuality } from '@confab/protocol';
import type { TransportStats } from '../media/types';

/** No stats from a link that had been reporting for this long: its media is silent. */
export const SILENT_MS = 3000;
/** A better verdict must hold this long before it is announced (worse ones go at once). */
export const IMPROVE_AFTER_MS = 2000;

/** Above these (any one of them) a link is no longer excellent / is poor. Loss is 0..1. */
const GOOD = { loss: 0.02, jitterMs: 30, rttMs: 250, coverage: 0.9 };
const POOR = { loss: 0.1, jitterMs: 100, rttMs: 600, coverage: 0.5 };

const RANK: Record<ConnectionQuality, number> = { excellent: 3, good: 2, poor: 1, lost: 0 };

/** One link's verdict from one interval's stats. */
export function scoreLink(stats: TransportStats): Exclude<ConnectionQuality, 'lost'> {
  const loss = stats.lossFraction;
  const jitter = stats.jitterMs;
  const rtt = stats.rttMs;
  // The estimate covers what the participant should receive (unknown counts as covered).
  const coverage = stats.availableBitrate >= 0 && stats.wantedBitrate > 0 ? stats.availableBitrate / stats.wantedBitrate : Infinity;
  if (loss >= POOR.loss || jitter >= POOR.jitterMs || rtt >= POOR.rttMs || coverage < POOR.coverage) return 'poor';
  if (loss >= GOOD.loss || jitter >= GOOD.jitterMs || rtt >= GOOD.rttMs || coverage < GOOD.coverage) return 'good';
  return 'excellent';
}

export function worse(a: ConnectionQuality, b: ConnectionQuality): ConnectionQuality {
  return RANK[a] <= RANK[b] ? a : b;
}

interface LinkState {
  verdict: Exclude<ConnectionQuality, 'lost'>;
  atMs: number;
}

/**
 * One participant's quality over time: the latest verdict of each link, silence, signaling; worse
 * is announced at once, better only once it has held IMPROVE_AFTER_MS (no flapping).
 */
export class ConnectionQualityTracker {
  private readonly links = new Map<string, LinkState>();
  private announced: ConnectionQuality = 'excellent';
  private candidate: ConnectionQuality = 'excellent';
  private candidateSince = 0;

  get quality(): ConnectionQuality {
    return this.announced;
  }

  /** One link's (`publish` / `subscribe`) stats for the last interval. */
  onStats(link: string, stats: TransportStats, nowMs: number): void {
    this.links.set(link, { verdict: scoreLink(stats), atMs: nowMs });
  }

  /** The link is gone for good (closed): it no longer counts, and its silence is not loss. */
  forget(link: string): void {
    this.links.delete(link);
  }

  /**
   * The verdict now, given whether signaling is reconnecting. Returns the quality to announce if
   * it changed, else undefined.
   */
  evaluate(nowMs: number, reconnecting: boolean): ConnectionQuality | undefined {
    let now: ConnectionQuality = reconnecting ? 'lost' : 'excellent';
    for (const link of this.links.values()) {
      now = worse(now, nowMs - link.atMs > SILENT_MS ? 'lost' : link.verdict);
    }
    if (now !== this.candidate) {
      this.candidate = now;
      this.candidateSince = nowMs;
    }
    if (now === this.announced) return undefined;
    const better = RANK[now] > RANK[this.announced];
    if (better && nowMs - this.candidateSince < IMPROVE_AFTER_MS) return undefined;
    this.announced = now;
    return now;
  }
}
