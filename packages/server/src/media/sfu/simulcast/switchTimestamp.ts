import { mapTimestampBySenderReports, rtpTimestamp, type RtpStreamRewriter } from '@confab/wire';
import type { ProducerLayer } from './ProducerLayer';

/**
 * Where a switch to layer `layer` starting with `packet` continues an outgoing timeline: its
 * timestamp mapped into the timeline of the layer sent so far through both layers' latest Sender
 * Reports, plus the rewriter's offset for that layer; -1 when either report is missing (then the
 * time elapsed decides). The time a packet is forwarded is not its capture time (a key frame asked
 * for a switch leaves the publisher's pacer late), and a timeline that jumps at switches throws
 * off the receiver's lip sync until the next report: tens to hundreds of ms measured at Chromium
 * subscribers. A recording's timeline would carry the same error into its file.
 */
export function switchTimestamp(layers: readonly ProducerLayer[], rewriter: RtpStreamRewriter, layer: number, packet: Uint8Array, clockRate: number): number {
  const next = layers[layer]!;
  const sourceSsrc = rewriter.currentSourceSsrc;
  for (let i = 0; i < layers.length; i++) {
    const sent = layers[i]!;
    if (sent.ssrc !== sourceSsrc || i === layer) continue;
    if (sent.senderReports === 0 || next.senderReports === 0 || sent.senderReport.ssrc !== sent.ssrc || next.senderReport.ssrc !== next.ssrc) return -1;
    return (mapTimestampBySenderReports(rtpTimestamp(packet), next.senderReport, sent.senderReport, clockRate) + rewriter.timestampOffset) >>> 0;
  }
  return -1;
}
