import type { ReplayWindow } from './ReplayWindow';
import { packetIndex } from './rolloverCounter';

/** What an RTP stream (one SSRC, one direction) remembers: its rollover counter and highest sequence number. */
export class RtpStream {
  roc: number;
  highestSeq: number;

  constructor(firstSeq: number) {
    this.roc = 0;
    this.highestSeq = firstSeq;
  }

  /** Moves the stream forward if (roc, seq) is past its highest packet. */
  advance(roc: number, seq: number): void {
    if (packetIndex(roc, seq) > packetIndex(this.roc, this.highestSeq)) {
      this.roc = roc;
      this.highestSeq = seq;
    }
  }
}

/** A stream we receive: also which recent packets already arrived. */
export class InboundRtpStream extends RtpStream {
  readonly window: ReplayWindow;

  constructor(firstSeq: number, window: ReplayWindow) {
    super(firstSeq);
    this.window = window;
    window.accept(firstSeq);
  }
}
