/**
 * Merges key frame requests (PLI, FIR) from any number of subscribers into at most one request to
 * the publisher per interval: the first goes at once, later ones within the interval are held
 * and go out together when it ends (poll()), unless a key frame arrived meanwhile. Timer-free:
 * the caller passes the time in (ms, monotonic) and polls on its own tick. It also keeps the
 * FIR command sequence number (RFC 5104 4.3.1.1), which goes up once per new request.
 */
export class KeyFrameRequestMerger {
  private lastSentMs = -Infinity;
  private pending = false;
  private firSeq = 0;

  constructor(readonly intervalMs = 500) {}

  /** A subscriber asks for a key frame. True: send a request to the publisher now. */
  request(nowMs: number): boolean {
    if (nowMs - this.lastSentMs >= this.intervalMs) return this.send(nowMs);
    this.pending = true;
    return false;
  }

  /** True when a held request is due now: send it. */
  poll(nowMs: number): boolean {
    return this.pending && nowMs - this.lastSentMs >= this.intervalMs ? this.send(nowMs) : false;
  }

  /** A key frame came from the publisher: requests held until now are answered. */
  keyFrameReceived(): void {
    this.pending = false;
  }

  /** The FIR sequence number for the request just approved by request() or poll(). */
  get firSeqNr(): number {
    return this.firSeq;
  }

  private send(nowMs: number): boolean {
    this.lastSentMs = nowMs;
    this.pending = false;
    this.firSeq = (this.firSeq + 1) & 0xff;
    return true;
  }
}
