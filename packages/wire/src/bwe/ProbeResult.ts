/** Clusters tracked at once (ids are taken modulo this). */
const SLOTS = 8;
/** Of a cluster's packets, at least this many must be reported received. */
const MIN_RECEIVED = 4;
/** A cluster whose packets spread over more than this is not a probe any more. */
const MAX_INTERVAL_MS = 1000;
/** When the receive rate is clearly below the send rate, the probe found the link's limit. */
const SATURATION = 0.9;
const SATURATED_SHARE = 0.95;

/**
 * What a probe cluster measured: packets sent in a short burst at a target rate, the rate they
 * left at and the rate they arrived at (both without one end packet's bytes, which do not fill an
 * interval). The lower of the two is what the path carried; a receive rate well below the send
 * rate means the probe hit the bottleneck, and that is the measurement (a little below it).
 */
export class ProbeResult {
  private readonly ids = new Int32Array(SLOTS).fill(-1);
  private readonly firstSend = new Float64Array(SLOTS);
  private readonly lastSend = new Float64Array(SLOTS);
  private readonly lastSendSize = new Float64Array(SLOTS);
  private readonly firstArrival = new Float64Array(SLOTS);
  private readonly lastArrival = new Float64Array(SLOTS);
  private readonly firstArrivalSize = new Float64Array(SLOTS);
  private readonly bytes = new Float64Array(SLOTS);
  private readonly received = new Int32Array(SLOTS);
  private readonly done = new Uint8Array(SLOTS);

  /** A received packet of cluster `id` (>= 0). Returns the cluster's measured rate once it has one, else NaN. */
  add(id: number, sendMs: number, arrivalMs: number, size: number): number {
    const s = id % SLOTS;
    if (this.ids[s] !== id) {
      this.ids[s] = id;
      this.firstSend[s] = this.lastSend[s] = sendMs;
      this.lastSendSize[s] = size;
      this.firstArrival[s] = this.lastArrival[s] = arrivalMs;
      this.firstArrivalSize[s] = size;
      this.bytes[s] = size;
      this.received[s] = 1;
      this.done[s] = 0;
      return NaN;
    }
    if (sendMs < this.firstSend[s]!) this.firstSend[s] = sendMs;
    if (sendMs >= this.lastSend[s]!) {
      this.lastSend[s] = sendMs;
      this.lastSendSize[s] = size;
    }
    if (arrivalMs < this.firstArrival[s]!) {
      this.firstArrival[s] = arrivalMs;
      this.firstArrivalSize[s] = size;
    }
    if (arrivalMs > this.lastArrival[s]!) this.lastArrival[s] = arrivalMs;
    this.bytes[s] = this.bytes[s]! + size;
    this.received[s] = this.received[s]! + 1;
    if (this.received[s]! < MIN_RECEIVED) return NaN;
    const sendInterval = this.lastSend[s]! - this.firstSend[s]!;
    const receiveInterval = this.lastArrival[s]! - this.firstArrival[s]!;
    if (sendInterval <= 0 || receiveInterval <= 0 || sendInterval > MAX_INTERVAL_MS || receiveInterval > MAX_INTERVAL_MS) return NaN;
    const sendBps = ((this.bytes[s]! - this.lastSendSize[s]!) * 8000) / sendInterval;
    const receiveBps = ((this.bytes[s]! - this.firstArrivalSize[s]!) * 8000) / receiveInterval;
    return receiveBps < SATURATION * sendBps ? receiveBps * SATURATED_SHARE : Math.min(sendBps, receiveBps);
  }
}
