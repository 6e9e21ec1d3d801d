import { compactNtp, type ReportBlock } from './reports';

/** RFC 3550 A.1: a jump this far ahead is taken as a restart only when the next packet follows it. */
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

/**
 * Reception statistics of one incoming stream (RFC 3550 6.4.1, A.1, A.3, A.8), for the report
 * blocks of our receiver reports: extended highest sequence number, cumulative and fractional
 * loss, interarrival jitter, and LSR/DLSR from the publisher's last Sender Report. Times are
 * passed in (ms, any monotonic clock); nothing here reads a clock or allocates.
 */
export class ReceiveStats {
  private started = false;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = -1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** RFC 3550 A.8, kept as a float in timestamp units; reported truncated. */
  private jitterValue = 0;
  private hasArrival = false;
  private lastArrival = 0;
  private lastTimestamp = 0;
  private lastSr = 0;
  private lastSrArrivalMs = -1;

  constructor(
    readonly ssrc: number,
    readonly clockRate: number,
  ) {}

  /**
   * Counts one packet. `retransmitted` packets (RTX, repaired) count as received but not for
   * jitter, whose arrival time they would distort. Returns false for a packet RFC 3550 A.1 sets
   * aside (the first after a large jump, until the next confirms a restart).
   */
  onPacket(seq: number, rtpTimestamp: number, arrivalMs: number, retransmitted = false): boolean {
    seq &= 0xffff;
    if (!this.started) {
      this.started = true;
      this.restart(seq);
    } else {
      const ahead = (seq - this.maxSeq) & 0xffff;
      if (ahead < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      } else if (ahead <= 0x10000 - MAX_MISORDER) {
        if (seq !== this.badSeq) {
          this.badSeq = (seq + 1) & 0xffff;
          return false;
        }
        this.restart(seq); // two sequential packets after a jump: the source restarted
      }
      // else: duplicate or reordered within MAX_MISORDER
    }
    this.received++;
    if (!retransmitted) this.updateJitter(rtpTimestamp, arrivalMs);
    return true;
  }

  /** Remembers a Sender Report of this stream for LSR/DLSR. */
  onSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.lastSr = compactNtp(ntpSeconds, ntpFraction);
    this.lastSrArrivalMs = arrivalMs;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get packetsReceived(): number {
    return this.received;
  }

  get cumulativeLost(): number {
    return this.expected() - this.received;
  }

  /** Interarrival jitter in RTP timestamp units. */
  get jitter(): number {
    return Math.floor(this.jitterValue);
  }

  /** Whether a packet has been seen, i.e. whether a report block would mean anything. */
  get active(): boolean {
    return this.started;
  }

  /**
   * Fills a report block as of `nowMs`. Advances the "since the last report" interval that
   * fraction lost covers, so call it once per report sent.
   */
  report(nowMs: number, out: ReportBlock): ReportBlock {
    const expected = this.expected();
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    out.ssrc = this.ssrc;
    out.fractionLost = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    out.cumulativeLost = Math.max(-0x800000, Math.min(0x7fffff, expected - this.received));
    out.highestSeq = this.extendedHighestSeq >>> 0;
    out.jitter = this.jitter;
    out.lastSr = this.lastSrArrivalMs < 0 ? 0 : this.lastSr;
    out.delaySinceLastSr = this.lastSrArrivalMs < 0 ? 0 : Math.max(0, Math.round(((nowMs - this.lastSrArrivalMs) * 65536) / 1000));
    return out;
  }

  private expected(): number {
    return this.started ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  private restart(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.badSeq = -1;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
  }

  private updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    if (this.hasArrival) {
      // D(i-1, i) = (Rj - Ri) - (Sj - Si), with the timestamp difference taken mod 2^32.
      const d = Math.abs(arrival - this.lastArrival - ((rtpTimestamp - this.lastTimestamp) | 0));
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.hasArrival = true;
    this.lastArrival = arrival;
    this.lastTimestamp = rtpTimestamp;
  }
}
