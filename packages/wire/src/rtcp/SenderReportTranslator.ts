import type { RtpStreamRewriter } from '../rtp/RtpStreamRewriter';
import { compactNtp, newSenderInfo, writeSenderReport, type SenderInfo } from './reports';

/** Sender Reports remembered for round-trip times: receivers echo the last one or two. */
const SENT_HISTORY = 8;

/**
 * Sender Reports for one consumer, translated from the publisher's (RFC 3550 6.4.1): the same NTP
 * time (the publisher's clock, shared by all of its tracks, which is what lets a receiver line
 * audio up with video) with the RTP timestamp moved into the consumer's timeline by the stream
 * rewriter's offset, and the consumer's own SSRC and counts. It also remembers what it sent, so
 * the round-trip time can be read from the receiver's report blocks (LSR/DLSR) although the NTP
 * time is not our clock.
 */
export class SenderReportTranslator {
  private readonly out: SenderInfo = newSenderInfo();
  private readonly sentLsr = new Float64Array(SENT_HISTORY).fill(-1);
  private readonly sentAtMs = new Float64Array(SENT_HISTORY);
  private sentIndex = 0;

  constructor(private readonly rewriter: RtpStreamRewriter) {}

  /**
   * Writes the consumer's SR for the publisher's `report` at `at` and returns the offset after
   * it, or `at` when the report is not about the stream the consumer currently forwards (another
   * simulcast layer, the source before a switch): its timestamps would not map.
   */
  translate(report: SenderInfo, buf: Uint8Array, at: number, nowMs: number): number {
    const rewriter = this.rewriter;
    if (report.ssrc !== rewriter.currentSourceSsrc) return at;
    const out = this.out;
    out.ssrc = rewriter.ssrc;
    out.ntpSeconds = report.ntpSeconds;
    out.ntpFraction = report.ntpFraction;
    out.rtpTimestamp = (report.rtpTimestamp + rewriter.timestampOffset) >>> 0;
    out.packetCount = rewriter.packetCount >>> 0;
    out.octetCount = rewriter.octetCount >>> 0;
    const end = writeSenderReport(buf, at, out);
    this.sentLsr[this.sentIndex] = compactNtp(out.ntpSeconds, out.ntpFraction);
    this.sentAtMs[this.sentIndex] = nowMs;
    this.sentIndex = (this.sentIndex + 1) % SENT_HISTORY;
    return end;
  }

  /**
   * Round-trip time in ms from a receiver's report block about this consumer's stream (its LSR and
   * DLSR), or -1 if it echoes no SR we remember.
   */
  roundTripMs(lastSr: number, delaySinceLastSr: number, nowMs: number): number {
    if (lastSr === 0) return -1;
    for (let i = 0; i < SENT_HISTORY; i++) {
      if (this.sentLsr[i] === lastSr) return Math.max(0, nowMs - this.sentAtMs[i]! - (delaySinceLastSr * 1000) / 65536);
    }
    return -1;
  }
}
