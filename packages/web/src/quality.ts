/**
 * Connection quality from `room.getStats()` every 2 s: packet loss over the last interval per
 * participant becomes good / fair / poor bars. The SDK reports inbound stats only, so your own
 * tile shows the loss over everything you receive (your downlink).
 */

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

export const POLL_MS = 2000;
/** Key under which the aggregate over all inbound tracks (your own connection) is reported. */
export const SELF = '\u0000self';
/** Fewer packets than this in an interval (muted, silence) say nothing; the last verdict stays. */
const MIN_PACKETS = 10;

/** Loss fraction (0..1) to a quality level. Pure. */
export function qualityFromLoss(loss: number): Quality {
  if (!Number.isFinite(loss) || loss < 0) return 'unknown';
  if (loss >= 0.08) return 'poor';
  if (loss >= 0.02) return 'fair';
  return 'good';
}

/** The fields of a TrackStats entry this module reads. */
export interface StatsSample {
  trackId: string;
  participantId: string;
  packetsReceived: number;
  packetsLost: number;
}

interface Counters {
  lost: number;
  received: number;
}

/** Turns successive cumulative counters into a quality per participant id (and SELF). */
export class QualityTracker {
  private previous = new Map<string, Counters>();
  private readonly last = new Map<string, Quality>();

  update(samples: readonly StatsSample[]): Map<string, Quality> {
    // Per track, so a track that appeared or went away doesn't count as loss or gain.
    const now = new Map<string, Counters>();
    const deltas = new Map<string, Counters>();
    const add = (key: string, lost: number, received: number): void => {
      const d = deltas.get(key) ?? { lost: 0, received: 0 };
      d.lost += lost;
      d.received += received;
      deltas.set(key, d);
    };
    for (const s of samples) {
      const counters = { lost: Math.max(0, s.packetsLost), received: Math.max(0, s.packetsReceived) };
      now.set(s.trackId, counters);
      const before = this.previous.get(s.trackId);
      if (!before) {
        add(s.participantId, 0, 0);
        continue;
      }
      const lost = Math.max(0, counters.lost - before.lost);
      const received = Math.max(0, counters.received - before.received);
      add(s.participantId, lost, received);
      add(SELF, lost, received);
    }
    this.previous = now;
    const result = new Map<string, Quality>();
    for (const [key, d] of deltas) {
      const total = d.lost + d.received;
      const quality = total >= MIN_PACKETS ? qualityFromLoss(d.lost / total) : (this.last.get(key) ?? 'unknown');
      this.last.set(key, quality);
      result.set(key, quality);
    }
    return result;
  }
}

/** Polls `getStats` every 2 s and reports qualities; failures are ignored (stats are a nicety). */
export class QualityMonitor {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly tracker = new QualityTracker();
  private busy = false;

  constructor(
    private readonly getStats: () => Promise<readonly StatsSample[]>,
    private readonly onUpdate: (qualities: Map<string, Quality>) => void,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    void this.poll();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const stats = await this.getStats();
      if (this.timer !== undefined) this.onUpdate(this.tracker.update(stats));
    } catch {
      // not connected, or the room just ended
    } finally {
      this.busy = false;
    }
  }
}
