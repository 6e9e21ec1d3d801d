import { guessRoc, MAX_ROC, packetIndex } from './rolloverCounter';

/** Where an outbound stream keeps its state, from its base: the native fan-out's rows mirror it (rtp_fanout.c). */
export const OUTBOUND_STREAM_STATE = {
  /** The rollover counter of the highest packet sent. */
  roc: 0,
  /** The highest sequence number sent; -1: nothing sent yet (the next packet starts the stream at ROC 0). */
  highestSeq: 1,
  size: 2,
} as const;

const ROC = OUTBOUND_STREAM_STATE.roc;
const HIGHEST_SEQ = OUTBOUND_STREAM_STATE.highestSeq;

/**
 * An RTP stream we send (one SSRC): its rollover counter and highest sequence number, in a
 * Float64Array that may be shared (moveState), so that the native fan-out can number and queue a
 * subscriber's packets for the seal while TypeScript sends the rest of the same stream.
 */
export class OutboundRtpStream {
  private s: Float64Array = new Float64Array(OUTBOUND_STREAM_STATE.size);
  private b = 0;

  constructor() {
    this.s[HIGHEST_SEQ] = -1;
  }

  /** Continues in `state[base, base + size)`, copying the state there. */
  moveState(state: Float64Array, base: number): void {
    if (state === this.s && base === this.b) return;
    state.set(this.s.subarray(this.b, this.b + OUTBOUND_STREAM_STATE.size), base);
    this.s = state;
    this.b = base;
  }

  /** The ROC to send `seq` with, the stream moved on past it (-1: beyond the last ROC, not to be sent). */
  next(seq: number): number {
    const s = this.s;
    const b = this.b;
    const highestSeq = s[b + HIGHEST_SEQ]!;
    if (highestSeq < 0) {
      s[b + ROC] = 0;
      s[b + HIGHEST_SEQ] = seq;
      return 0;
    }
    const roc = s[b + ROC]!;
    const guess = guessRoc(roc, highestSeq, seq);
    if (guess > MAX_ROC) return -1;
    // A packet from before the stream's first one keeps ROC 0 and does not move the stream.
    if (guess < 0) return 0;
    // RtpStream.advance's rule: only a packet past the highest one moves the stream.
    if (packetIndex(guess, seq) > packetIndex(roc, highestSeq)) {
      s[b + ROC] = guess;
      s[b + HIGHEST_SEQ] = seq;
    }
    return guess;
  }
}
