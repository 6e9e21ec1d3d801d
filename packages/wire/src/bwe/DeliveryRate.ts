/** Reports remembered: at a report every 50-100 ms, well over the span. */
const REPORTS = 32;

/**
 * What the link delivered of what we sent lately: per report, the bytes reported and the bytes
 * received among them, and when they were sent; the rate is taken over the newest reports that
 * span at least `spanMs` of send time. Over a shorter span a bursty sender (a frame leaves in a
 * few ms) and the bottleneck's queue (full of what was sent before) make it swing either way.
 */
export class DeliveryRate {
  private readonly firstSend = new Float64Array(REPORTS);
  private readonly lastSend = new Float64Array(REPORTS);
  private readonly bytes = new Float64Array(REPORTS);
  private readonly receivedBytes = new Float64Array(REPORTS);
  private count = 0;
  private head = 0;

  constructor(private readonly spanMs: number) {}

  /** One report's packets: sent from `firstSendMs` to `lastSendMs`, `bytes` in all, `receivedBytes` of them arrived. */
  add(firstSendMs: number, lastSendMs: number, bytes: number, receivedBytes: number): void {
    if (!(lastSendMs >= firstSendMs)) return;
    this.firstSend[this.head] = firstSendMs;
    this.lastSend[this.head] = lastSendMs;
    this.bytes[this.head] = bytes;
    this.receivedBytes[this.head] = receivedBytes;
    this.head = (this.head + 1) % REPORTS;
    if (this.count < REPORTS) this.count++;
  }

  /**
   * Bits per second delivered over the span, if we sent at least `minSendBps` over it (sending
   * little says nothing about the link); Infinity when the reports do not tell.
   */
  delivered(minSendBps: number): number {
    let bytes = 0;
    let received = 0;
    let last = -Infinity;
    for (let i = 1; i <= this.count; i++) {
      const slot = (this.head - i + REPORTS) % REPORTS;
      if (i === 1) last = this.lastSend[slot]!;
      bytes += this.bytes[slot]!;
      received += this.receivedBytes[slot]!;
      const span = last - this.firstSend[slot]!;
      if (span >= this.spanMs) return (bytes * 8000) / span >= minSendBps ? (received * 8000) / span : Infinity;
    }
    return Infinity;
  }
}
