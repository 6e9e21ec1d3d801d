import { newReportBlock, readReportBlock, REPORT_BLOCK_SIZE, reportBlocksOffset } from '@confab/wire';
import type { TransportStats } from '../types';
import { layerBitrate, wantedLayer, type AllocationTrack } from './allocation/allocate';
import type { SfuConsumer } from './SfuConsumer';

/** Stats go to the owner this often. */
export const LINK_STATS_INTERVAL_MS = 1000;

/**
 * What a subscriber's receiver reports say about the streams we send it, summed per interval for
 * connection quality: the worst fraction lost of any stream, the worst jitter of any audio stream, and the round-trip time
 * (from LSR/DLSR against the Sender Reports we sent; smoothed). One object per transport; reading
 * a report allocates nothing.
 */
export class SubscriberLinkStats {
  private readonly block = newReportBlock();
  private blocks = 0;
  private worstLoss = 0;
  private worstJitterMs = -1;
  private rttMs = -1;
  private lastMs = 0;

  /** An SR or RR from the subscriber at `at`..`end`; `consumerOf` finds our stream by SSRC. */
  onReport(packet: Uint8Array, at: number, end: number, nowMs: number, consumerOf: (ssrc: number) => SfuConsumer | undefined): void {
    const first = reportBlocksOffset(packet, at, end);
    if (first < 0) return;
    const count = packet[at]! & 0x1f;
    const block = this.block;
    for (let i = 0; i < count; i++) {
      readReportBlock(packet, first + i * REPORT_BLOCK_SIZE, block);
      const consumer = consumerOf(block.ssrc | 0);
      if (consumer === undefined) continue;
      this.blocks++;
      this.worstLoss = Math.max(this.worstLoss, block.fractionLost / 256);
      // Jitter of audio only: video packets of one frame share a timestamp but leave paced, so
      // video "jitter" is high on any healthy link.
      const clockRate = consumer.clockRate;
      if (consumer.kind === 'audio' && clockRate > 0) this.worstJitterMs = Math.max(this.worstJitterMs, (block.jitter * 1000) / clockRate);
      const rtt = consumer.roundTripMs(block.lastSr, block.delaySinceLastSr, nowMs);
      if (rtt >= 0) this.rttMs = this.rttMs < 0 ? rtt : (7 * this.rttMs + rtt) / 8;
    }
  }

  /**
   * Whether an interval has ended: on whole intervals of the clock, not of each transport's start,
   * so a worker's transports all report in the same tick and StatsBatch sends them to the main
   * thread in one message.
   */
  due(nowMs: number): boolean {
    return Math.floor(nowMs / LINK_STATS_INTERVAL_MS) !== Math.floor(this.lastMs / LINK_STATS_INTERVAL_MS);
  }

  /** Once per interval: the stats to report (and a new interval begins), or null if it is not time yet (`due`). */
  take(nowMs: number, wantedBitrate: number, availableBitrate: number): TransportStats | null {
    if (!this.due(nowMs)) return null;
    this.lastMs = nowMs;
    const stats: TransportStats = {
      lossFraction: this.blocks > 0 ? this.worstLoss : -1,
      jitterMs: this.blocks > 0 ? this.worstJitterMs : -1,
      rttMs: this.rttMs,
      packets: this.blocks,
      wantedBitrate: Math.round(wantedBitrate),
      availableBitrate: Number.isFinite(availableBitrate) ? Math.round(availableBitrate) : -1,
    };
    this.blocks = 0;
    this.worstLoss = 0;
    this.worstJitterMs = -1;
    return stats;
  }
}

/**
 * What a subscriber should receive with bandwidth to spare: every audio track, and for each video
 * the layer its tile asks for (allocate.ts wantedLayer: nothing when hidden).
 */
export function wantedBitrate(tracks: readonly AllocationTrack[]): number {
  let total = 0;
  for (const track of tracks) {
    if (track.layers.length === 0) continue;
    const index = track.kind === 'audio' ? 0 : wantedLayer(track);
    if (index >= 0) total += layerBitrate(track, index);
  }
  return total;
}
