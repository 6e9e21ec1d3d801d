import { TwccSymbol, type TwccFeedback } from '../rtcp/TwccFeedback';
import { SendHistory, SentState } from './SendHistory';

/** Ticks of 250 µs in the 64 ms unit of the reference time. */
const MS_PER_REFERENCE = 64;
const MS_PER_TICK = 0.25;

/**
 * One transport-cc feedback report joined with the send history: for each packet it newly
 * reports, when it was sent, its size, its probe cluster and when it arrived (receiver clock,
 * ms, NaN when reported lost). The arrays are allocated once; `count` says how many are valid.
 * The 24-bit reference time is unwrapped across reports, so arrival times keep increasing when
 * it wraps (every ~12 days of receiver clock, or at once if the receiver's clock starts near it).
 * A packet already reported received is not reported again; one reported lost and now received
 * is (it arrived late).
 */
export class PacketResults {
  count = 0;
  /** Of the packets reported, how many were reported lost (late arrivals of earlier losses excluded). */
  lost = 0;
  readonly sendMs: Float64Array;
  readonly arrivalMs: Float64Array;
  readonly sizes: Uint16Array;
  readonly clusters: Int16Array;
  private lastReference = 0;
  private referenceBase = 0;
  private haveReference = false;

  constructor(readonly capacity = 4096) {
    this.sendMs = new Float64Array(capacity);
    this.arrivalMs = new Float64Array(capacity);
    this.sizes = new Uint16Array(capacity);
    this.clusters = new Int16Array(capacity);
  }

  /** Fills the results from a parsed report; returns `count` (0 when it names nothing we remember). */
  read(fb: TwccFeedback, history: SendHistory): number {
    const reference = this.unwrapReference(fb.referenceTime);
    let arrivalTicks = 0;
    let n = 0;
    let lost = 0;
    const symbols = fb.symbols;
    const deltas = fb.deltas;
    for (let i = 0; i < fb.statusCount && n < this.capacity; i++) {
      const symbol = symbols[i]!;
      const received = symbol !== TwccSymbol.NotReceived;
      if (received) arrivalTicks += deltas[i]!;
      const slot = history.slotOf((fb.baseSeq + i) & 0xffff);
      if (slot < 0) continue;
      const state = history.stateAt(slot);
      if (state === SentState.Acked || (!received && state === SentState.Lost)) continue;
      history.setState(slot, received ? SentState.Acked : SentState.Lost);
      this.sendMs[n] = history.sendTimeAt(slot);
      this.sizes[n] = history.sizeAt(slot);
      this.clusters[n] = history.clusterAt(slot);
      this.arrivalMs[n] = received ? reference + arrivalTicks * MS_PER_TICK : NaN;
      if (!received) lost++;
      n++;
    }
    this.count = n;
    this.lost = lost;
    return n;
  }

  /** The report's reference time as ms on a line that does not wrap. */
  private unwrapReference(reference: number): number {
    if (!this.haveReference) {
      this.haveReference = true;
      this.lastReference = reference;
      this.referenceBase = reference * MS_PER_REFERENCE;
      return this.referenceBase;
    }
    // The signed difference in 24 bits: reports may come out of order, or the field wrap.
    const diff = ((reference - this.lastReference) << 8) >> 8;
    this.lastReference = reference;
    this.referenceBase += diff * MS_PER_REFERENCE;
    return this.referenceBase;
  }
}
