import { SeqUnwrapper } from '../rtp/seq';
import { TwccFeedback, TwccSymbol } from './TwccFeedback';

export interface TwccRecorderOptions {
  /** Packets remembered (a power of two); older ones are neither reported nor accepted late. */
  historySize?: number;
  /** Upper bound on one feedback packet's size in bytes; longer reports are split. */
  maxFeedbackBytes?: number;
}

/**
 * A packet that arrives this long after the newest one before it starts the next report afresh:
 * the packets in between are not reported at all, lost or not. libwebrtc's receiver does the same
 * (its 500 ms back window), and Chrome's estimator is tuned to it: after a network outage, a
 * report of seconds of "lost" packets collapses the sender's loss-based estimate, and the key
 * frame it must send then trickles out at the minimum rate. Unreported packets leave the
 * sender's in-flight count with the next report.
 */
const BACK_WINDOW_US = 500_000;
/** Ticks of 250 µs in the 64 ms unit of the reference time. */
const TICKS_PER_REFERENCE = 256;
const FIXED_SIZE = 20;

/**
 * The receive side of transport-wide congestion control for one publish transport (the
 * transport sequence number is shared by all its streams): records when each packet arrived and
 * builds the feedback Chrome's send-side estimator consumes. Each build reports from the first
 * packet not yet reported to the newest received, splitting when a delta does not fit 16 bits or
 * the size bound is reached. Sequence numbers are unwrapped, so wrap-around and reordering are
 * reported correctly; a packet arriving after its number was reported lost makes the next build
 * start again from it (as libwebrtc does), so the sender learns it arrived after all.
 */
export class TwccRecorder {
  /** Arrival time per sequence number slot; NaN when not received (any time value is valid). */
  private readonly arrivals: Float64Array;
  private readonly mask: number;
  private readonly maxFeedbackBytes: number;
  private readonly unwrapper = new SeqUnwrapper();
  private readonly feedback: TwccFeedback;
  /** Unwrapped sequence numbers: newest received, and the first not yet reported (-1 before any). */
  private highest = -1;
  private nextToReport = -1;
  /** Arrival time of the newest received packet. */
  private highestArrivalUs = 0;
  /** After an outage: the unreported gap [gapStart, gapEnd) that reports skip (gapEnd -1: none). */
  private gapStart = -1;
  private gapEnd = -1;
  /** Packets below this one (the first after the last outage) arriving late are not reported. */
  private floor = -1;
  private feedbackCount = 0;
  private mediaSsrc = 0;

  constructor(options: TwccRecorderOptions = {}) {
    const historySize = options.historySize ?? 8192;
    if (!Number.isInteger(historySize) || historySize < 16 || historySize > 0x8000 || (historySize & (historySize - 1)) !== 0) {
      throw new RangeError(`TwccRecorder historySize must be a power of two from 16 to 32768, got ${historySize}`);
    }
    this.maxFeedbackBytes = options.maxFeedbackBytes ?? 1200;
    if (!(this.maxFeedbackBytes >= 64)) throw new RangeError('TwccRecorder maxFeedbackBytes must be at least 64');
    this.arrivals = new Float64Array(historySize).fill(NaN);
    this.mask = historySize - 1;
    this.feedback = new TwccFeedback(historySize);
  }

  /**
   * Records the arrival of transport sequence number `seq` at `arrivalUs` (a monotonic clock, µs)
   * on a packet of stream `ssrc`. The feedback names the last such SSRC as its media source:
   * libwebrtc drops transport feedback whose media SSRC is not one of the sender's own.
   */
  record(seq: number, arrivalUs: number, ssrc: number): void {
    if (!Number.isFinite(arrivalUs)) return; // NaN marks "not received"; keep the newest always received
    this.mediaSsrc = ssrc;
    const ext = this.unwrapper.unwrap(seq);
    const size = this.mask + 1;
    const slot = ext & this.mask;
    if (this.highest < 0) {
      this.highest = this.nextToReport = ext;
      this.highestArrivalUs = arrivalUs;
    } else if (ext > this.highest) {
      if (ext - this.highest >= size) {
        this.arrivals.fill(NaN); // a jump past the whole history: start over from here
        this.nextToReport = ext;
        this.gapEnd = -1;
      } else {
        for (let s = this.highest + 1; s < ext; s++) this.arrivals[s & this.mask] = NaN;
        if (arrivalUs - this.highestArrivalUs > BACK_WINDOW_US) this.skipGap(ext);
      }
      this.highest = ext;
      this.highestArrivalUs = arrivalUs;
      if (this.highest - this.nextToReport >= size) this.nextToReport = this.highest - size + 1;
    } else {
      // Late (reordered) or duplicate: only a first arrival within the history counts.
      if (ext <= this.highest - size || ext < this.floor || !Number.isNaN(this.arrivals[slot]!)) return;
      if (ext < this.nextToReport) this.nextToReport = ext;
    }
    this.arrivals[slot] = arrivalUs;
  }

  /** `ext` arrived after an outage: reports go on from it, after what came before the outage. */
  private skipGap(ext: number): void {
    this.floor = ext;
    if (this.nextToReport > this.highest) {
      this.nextToReport = ext;
    } else {
      this.gapStart = this.highest + 1;
      this.gapEnd = ext;
    }
  }

  /** True when a build would write something. */
  get pending(): boolean {
    return this.highest >= 0 && this.nextToReport <= this.highest;
  }

  /**
   * Writes one feedback packet at `at` and returns the offset after it, or `at` when nothing is
   * left to report. Call until it returns `at` (each packet goes out on its own or in a compound).
   */
  buildFeedback(buf: Uint8Array, at: number, senderSsrc: number): number {
    if (!this.pending) return at;
    const arrivals = this.arrivals;
    const mask = this.mask;
    const fb = this.feedback;
    let first = this.nextToReport;
    while (Number.isNaN(arrivals[first & mask]!)) first++; // the newest is always received, so this stops
    const reference = Math.floor(arrivals[first & mask]! / (TICKS_PER_REFERENCE * 250));
    let previousTicks = reference * TICKS_PER_REFERENCE;
    let deltaBytes = 0;
    let count = 0; // packets described so far, up to the last received one
    let n = 0;
    const last = this.gapEnd >= 0 ? this.gapStart - 1 : this.highest;
    for (let s = this.nextToReport; s <= last && n < fb.capacity; s++, n++) {
      const arrival = arrivals[s & mask]!;
      if (Number.isNaN(arrival)) {
        fb.symbols[n] = TwccSymbol.NotReceived;
        continue;
      }
      const ticks = Math.floor(arrival / 250);
      const delta = ticks - previousTicks;
      const symbol = delta >= 0 && delta <= 0xff ? TwccSymbol.SmallDelta : delta >= -0x8000 && delta <= 0x7fff ? TwccSymbol.LargeDelta : -1;
      // The deltas alone must fit (with one chunk and padding); the chunks are checked below.
      if (symbol < 0 || FIXED_SIZE + 2 + deltaBytes + symbol + 3 > this.maxFeedbackBytes) break;
      fb.symbols[n] = symbol;
      fb.deltas[n] = delta;
      deltaBytes += symbol;
      previousTicks = ticks;
      count = n + 1;
    }
    fb.statusCount = count;
    // Rarely (many short runs) the chunks push it over: cut back to an earlier received packet.
    // Never below the first received packet: losses before it take at most a few run length chunks.
    const minimum = first - this.nextToReport + 1;
    while (count > minimum && fb.size() > this.maxFeedbackBytes) {
      let shorter = Math.max(minimum, Math.floor((count * 3) / 4));
      while (shorter > minimum && fb.symbols[shorter - 1] === TwccSymbol.NotReceived) shorter--;
      count = fb.statusCount = shorter;
    }
    fb.senderSsrc = senderSsrc;
    fb.mediaSsrc = this.mediaSsrc;
    fb.baseSeq = this.nextToReport & 0xffff;
    fb.referenceTime = reference;
    fb.feedbackCount = this.feedbackCount;
    this.feedbackCount = (this.feedbackCount + 1) & 0xff;
    this.nextToReport += count;
    if (this.gapEnd >= 0 && this.nextToReport >= this.gapStart) {
      this.nextToReport = this.gapEnd;
      this.gapEnd = -1;
    }
    return fb.write(buf, at);
  }
}
