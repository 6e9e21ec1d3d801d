import { ReceiveStats, SeqUnwrapper, type ReportBlock } from '@confab/wire';

/** Sequence numbers remembered for duplicate detection: ~10 s of 500 kbps video. */
const WINDOW = 1024;
const MASK = WINDOW - 1;

/**
 * Accounting of one received RTP stream (one SSRC) from its clear header only, nothing decoded:
 * unique packets against the span of sequence numbers (loss), duplicates, packets that arrive
 * after a later one (reordered), and, through ReceiveStats, RFC 3550 interarrival jitter from RTP
 * timestamps and arrival times (kernel receive times, so the generator's own scheduling does not
 * show as jitter) and the receiver report block. No allocation per packet.
 */
export class StreamAccount {
  /** Unique packets and their bytes (header and payload, as on the wire after SRTP). */
  packets = 0;
  bytes = 0;
  duplicates = 0;
  reordered = 0;
  private readonly stats: ReceiveStats;
  private readonly unwrapper = new SeqUnwrapper();
  /** The extended sequence number each slot last held; -1 when empty. */
  private readonly seen = new Float64Array(WINDOW).fill(-1);
  private first = -1;
  private highest = -1;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
  ) {
    this.stats = new ReceiveStats(ssrc, clockRate);
  }

  /** Counts one packet; `arrivalMs` on any monotonic clock. Returns false for a duplicate. */
  record(seq: number, rtpTimestamp: number, arrivalMs: number, bytes: number): boolean {
    const ext = this.unwrapper.unwrap(seq);
    const slot = ext & MASK;
    if (this.first < 0) {
      this.first = this.highest = ext;
    } else if (ext > this.highest) {
      this.highest = ext;
    } else {
      // Older than the window: cannot tell a duplicate from a very late packet; count it as late.
      if (this.seen[slot] === ext) {
        this.duplicates++;
        return false;
      }
      if (ext < this.first) this.first = ext;
      this.reordered++;
    }
    this.seen[slot] = ext;
    this.packets++;
    this.bytes += bytes;
    this.stats.onPacket(seq, rtpTimestamp, arrivalMs);
    return true;
  }

  /** Packets the sequence numbers say were sent: first to highest seen. */
  get expected(): number {
    return this.first < 0 ? 0 : this.highest - this.first + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.packets);
  }

  /** Interarrival jitter in ms. */
  get jitterMs(): number {
    return (this.stats.jitter * 1000) / this.clockRate;
  }

  /** A Sender Report of this stream arrived, for LSR and DLSR. */
  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.stats.onSenderReport(ntpSeconds, ntpFraction, arrivalMs);
  }

  /** Fills a receiver report block as of `nowMs` (RFC 3550 6.4.1); call once per report sent. */
  report(nowMs: number, out: ReportBlock): ReportBlock {
    return this.stats.report(nowMs, out);
  }
}
