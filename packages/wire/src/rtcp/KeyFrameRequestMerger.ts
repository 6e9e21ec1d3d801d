/**
 * The publisher's encoder seen as one: libwebrtc (Chrome, Firefox) acts on at most one key frame
 * request per 300 ms for all the encodings of a track, makes that key frame on every encoding,
 * and drops the other requests without a word (video/encoder_rtcp_feedback.cc,
 * kMinKeyframeSendIntervalMs). A request for one simulcast layer sent 100 ms after another
 * subscriber's request for another layer is lost, and the retry comes 500 ms later (measured under
 * a 400 kbit/s cap: the 180p key frame after 0.55 s instead of 0.03 s). The layers of a track
 * share one window, so no request is sent into it: one that would be is held until it ends, and
 * is usually answered meanwhile by the key frame the earlier one brings.
 */
export class KeyFrameWindow {
  lastSentMs = -Infinity;

  /** `intervalMs`: libwebrtc's 300 ms and a margin for jitter on the way. */
  constructor(readonly intervalMs = 320) {}

  isOpen(nowMs: number): boolean {
    return nowMs - this.lastSentMs >= this.intervalMs;
  }
}

/**
 * Merges key frame requests (PLI, FIR) from any number of subscribers into at most one request to
 * the publisher per interval: the first goes at once, later ones within the interval are held
 * and go out together when it ends (poll()), unless a key frame arrived meanwhile. A request the
 * publisher did not answer with a key frame within `retryMs` is sent again, a few times: a
 * request can be lost or ignored (Chrome drops requests while its encoder is paused, as it is
 * while its network is down and for a moment after), and the browser's own next request would
 * come only seconds later. The first packet of a key frame arrives within tens of ms of a
 * request that was acted on, however long pacing takes for the rest.
 * Timer-free: the caller passes the time in (ms, monotonic) and polls on its own tick. It also
 * keeps the FIR command sequence number (RFC 5104 4.3.1.1): up once per new request, the same for
 * a repetition of one.
 */
export class KeyFrameRequestMerger {
  private lastSentMs = -Infinity;
  private pending = false;
  private awaiting = false;
  private retries = 0;
  private firSeq = 0;

  constructor(
    readonly intervalMs = 500,
    readonly retryMs = 500,
    readonly maxRetries = 6,
    /** Shared by the mergers of one encoder (simulcast layers); by default this merger's own. */
    private readonly encoder = new KeyFrameWindow(0),
  ) {}

  /** A subscriber asks for a key frame. True: send a request to the publisher now. */
  request(nowMs: number): boolean {
    if (nowMs - this.lastSentMs >= this.intervalMs && this.encoder.isOpen(nowMs)) return this.send(nowMs, false);
    this.pending = true;
    return false;
  }

  /** True when a held request, or the repetition of an unanswered one, is due now: send it. */
  poll(nowMs: number): boolean {
    if (!this.encoder.isOpen(nowMs)) return false;
    if (this.pending && nowMs - this.lastSentMs >= this.intervalMs) return this.send(nowMs, false);
    if (this.awaiting && this.retries < this.maxRetries && nowMs - this.lastSentMs >= this.retryMs) return this.send(nowMs, true);
    return false;
  }

  /** When poll() may next return true (ms), or Infinity: for callers that poll on a timer. */
  get nextPollMs(): number {
    const encoderOpens = this.encoder.lastSentMs + this.encoder.intervalMs;
    if (this.pending) return Math.max(this.lastSentMs + this.intervalMs, encoderOpens);
    if (this.awaiting && this.retries < this.maxRetries) return Math.max(this.lastSentMs + this.retryMs, encoderOpens);
    return Infinity;
  }

  /** True while a request sent has not been answered by a key frame: worth looking at payloads. */
  get awaitingKeyFrame(): boolean {
    return this.awaiting || this.pending;
  }

  /** A key frame came from the publisher: requests held or sent until now are answered. */
  keyFrameReceived(): void {
    this.pending = false;
    this.awaiting = false;
  }

  /** The FIR sequence number for the request just approved by request() or poll(). */
  get firSeqNr(): number {
    return this.firSeq;
  }

  private send(nowMs: number, repeat: boolean): boolean {
    this.lastSentMs = nowMs;
    this.encoder.lastSentMs = nowMs;
    this.pending = false;
    this.awaiting = true;
    if (repeat) {
      this.retries++;
    } else {
      this.retries = 0;
      this.firSeq = (this.firSeq + 1) & 0xff;
    }
    return true;
  }
}
