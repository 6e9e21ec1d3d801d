/** Reports remembered: at a report every 50-100 ms, well over the span. */
const REPORTS = 32;

/**
 * What a link that drops most of what we send delivered of it lately: per report, the packets and
 * bytes reported and those received among them, and when they were sent. The rate is taken over
 * the newest reports that span at least `spanMs` of send time and name at least `minPackets`
 * packets, `minReceived` of them received, each of them having lost most of its bytes. Over a
 * shorter span a bursty sender (a frame leaves in a few ms) and the bottleneck's queue (full of
 * what was sent before) make it swing either way; over fewer packets one more or less does (two or
 * three through: a third); a report that lost less was sent before the link narrowed, or after
 * the sender slowed down for it, and counted in would make the reading too high or too low.
 */
export class DeliveryRate {
  private readonly firstSend = new Float64Array(REPORTS);
  private readonly lastSend = new Float64Array(REPORTS);
  private readonly packets = new Uint32Array(REPORTS);
  private readonly receivedPackets = new Uint32Array(REPORTS);
  private readonly bytes = new Float64Array(REPORTS);
  private readonly receivedBytes = new Float64Array(REPORTS);
  private count = 0;
  private head = 0;

  constructor(
    private readonly spanMs: number,
    private readonly minPackets = 1,
    private readonly minReceived = 1,
  ) {}

  /**
   * One report's packets: sent from `firstSendMs` to `lastSendMs`, `packets` of `bytes` in all,
   * `receivedPackets` of `receivedBytes` of them arrived.
   */
  add(firstSendMs: number, lastSendMs: number, packets: number, bytes: number, receivedPackets: number, receivedBytes: number): void {
    if (!(lastSendMs >= firstSendMs)) return;
    this.firstSend[this.head] = firstSendMs;
    this.lastSend[this.head] = lastSendMs;
    this.packets[this.head] = packets;
    this.receivedPackets[this.head] = receivedPackets;
    this.bytes[this.head] = bytes;
    this.receivedBytes[this.head] = receivedBytes;
    this.head = (this.head + 1) % REPORTS;
    if (this.count < REPORTS) this.count++;
  }

  /**
   * Bits per second delivered over the newest reports (see the class comment) that each lost more
   * than `lostShare` of their bytes and were all sent at or after `sentFromMs`, if we sent at
   * least `minSendBps` over them (sending little says nothing about the link); Infinity when the
   * reports do not tell.
   */
  delivered(minSendBps: number, lostShare: number, sentFromMs: number): number {
    let packets = 0;
    let receivedPackets = 0;
    let bytes = 0;
    let received = 0;
    let last = -Infinity;
    for (let i = 1; i <= this.count; i++) {
      const slot = (this.head - i + REPORTS) % REPORTS;
      if (this.firstSend[slot]! < sentFromMs || this.bytes[slot]! - this.receivedBytes[slot]! <= lostShare * this.bytes[slot]!) return Infinity;
      if (i === 1) last = this.lastSend[slot]!;
      packets += this.packets[slot]!;
      receivedPackets += this.receivedPackets[slot]!;
      bytes += this.bytes[slot]!;
      received += this.receivedBytes[slot]!;
      const span = last - this.firstSend[slot]!;
      if (span < this.spanMs || packets < this.minPackets || receivedPackets < this.minReceived) continue;
      return (bytes * 8000) / span >= minSendBps ? (received * 8000) / span : Infinity;
    }
    return Infinity;
  }
}
