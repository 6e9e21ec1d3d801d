import { SeqUnwrapper, type ReportBlock } from '@confab/wire';

/** Sequence numbers remembered for duplicate detection: ~10 s of 500 kbps video. */
const WINDOW = 1024;
const MASK = WINDOW - 1;

/**
 * Accounting of one received RTP stream (one SSRC) from its clear header only, nothing decoded:
 * unique packets against the span of sequence numbers (loss), duplicates, packets that arrive
 * after a later one (reordered), and RFC 3550 A.8 interarrival jitter from RTP timestamps and
 * arrival times (kernel receive times, so the generator's own scheduling does not show as jitter).
 * No allocation per packet.
 */
export class StreamAccount {
  /** Unique packets and their bytes (payload and header, as on the wire after SRTP). */
  packets = 0;
  bytes = 0;
  duplicates = 0;
  reordered = 0;
  private readonly unwrapper = new SeqUnwrapper();
  /** The extended sequence number each slot last held; -1 when empty. */
  private readonly seen = new Float64Array(WINDOW).fill(-1);
  private first = -1;
  private highest = -1;
  /** Jitter in timestamp units, kept as a float (RFC 3550 A.8). */
  private jitterUnits = 0;
  private lastTransit = NaN;
  /** For receiver reports: what was expected and received at the last report, and the last Sender Report. */
  private expectedPrior = 0;
  private receivedPrior = 0;
  private lastSr = 0;
  private lastSrArrivalMs = -1;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
  ) {}

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
    this.updateJitter(rtpTimestamp, arrivalMs);
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
    return (this.jitterUnits * 1000) / this.clockRate;
  }

  /** A Sender Report of this stream arrived (`compactNtp`: its NTP time's middle 32 bits). */
  onSenderReport(compactNtp: number, arrivalMs: number): void {
    this.lastSr = compactNtp;
    this.lastSrArrivalMs = arrivalMs;
  }

  /** Fills a receiver report block as of `nowMs` (RFC 3550 6.4.1); call once per report sent. */
  report(nowMs: number, out: ReportBlock): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const lostInterval = expectedInterval - (this.packets - this.receivedPrior);
    this.expectedPrior = expected;
    this.receivedPrior = this.packets;
    out.ssrc = this.ssrc;
    out.fractionLost = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    out.cumulativeLost = Math.min(0x7fffff, this.lost);
    // The unwrapper starts at seq + 2^16: the extended highest sequence number is 2^16 less.
    out.highestSeq = Math.max(0, this.highest - 0x10000) >>> 0;
    out.jitter = Math.floor(this.jitterUnits);
    out.lastSr = this.lastSrArrivalMs < 0 ? 0 : this.lastSr;
    out.delaySinceLastSr = this.lastSrArrivalMs < 0 ? 0 : Math.max(0, Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000));
    return out;
  }

  private updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    // Transit time in timestamp units, mod 2^32 like the timestamps themselves.
    const transit = ((arrivalMs * this.clockRate) / 1000 - (rtpTimestamp >>> 0)) % 0x1_0000_0000;
    if (!Number.isNaN(this.lastTransit)) {
      let d = Math.abs(transit - this.lastTransit);
      if (d > 0x8000_0000) d = 0x1_0000_0000 - d; // across a timestamp wrap
      this.jitterUnits += (d - this.jitterUnits) / 16;
    }
    this.lastTransit = transit;
  }
}
