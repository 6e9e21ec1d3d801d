/**
 * A probe cluster carries at least this many bytes (the pacer makes them so): a bottleneck that
 * was idle lets a few kB through at once (a shaper's bucket), and a smaller probe measures that
 * burst, not the link.
 */
export const PROBE_MIN_BYTES = 10_000;
/** ... unless that would take longer than this at its rate: then it lasts this long ... */
export const PROBE_MAX_MS = 100;
/** ... and it lasts at least this long. */
const PROBE_MIN_MS = 15;

/** How long a probe cluster at `bps` lasts: 15 ms, or what PROBE_MIN_BYTES take, at most PROBE_MAX_MS. */
export function probeDurationMs(bps: number): number {
  return Math.min(Math.max(PROBE_MIN_MS, (PROBE_MIN_BYTES * 8000) / bps), PROBE_MAX_MS);
}
/** A cluster is judged once this share of its bytes is reported received: a part measures only its start. */
const MIN_RECEIVED_SHARE = 0.8;
/** Clusters tracked at once (ids are taken modulo this). */
const SLOTS = 8;
/** Of a cluster's packets, at least this many must be reported received. */
const MIN_RECEIVED = 4;
/** A cluster whose packets spread over more than this is not a probe any more. */
const MAX_INTERVAL_MS = 1000;
/** When the receive rate is clearly below the send rate, the probe found the link's limit. */
const SATURATION = 0.9;
const SATURATED_SHARE = 0.95;
/** Packets of a cluster remembered for the rate of its second half; a cluster's later packets beyond this are counted, not kept. */
const KEPT = 128;
/** The second half is judged only from this many packets up. */
const MIN_FOR_TAIL = 8;

/**
 * What a probe cluster measured: packets sent in a short burst at a target rate, the rate they
 * left at and the rate they arrived at (both without one end packet's bytes, which do not fill an
 * interval). The lower of the two is what the path carried; a receive rate well below the send
 * rate means the probe hit the bottleneck, and that is the measurement (a little below it).
 *
 * The receive rate is also taken over the second half of the cluster alone, and the lower one
 * counts: a bottleneck that was idle lets its first packets through at once (a token bucket's
 * credit, a shaper's burst), and only once that is spent do the packets arrive at its rate.
 * Measured over the whole cluster, a 400 kbit/s link with a 3 kB bucket passed a 10 kB probe at
 * 1 Mbit/s as 530 kbit/s; its second half arrives at the link's rate.
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
  /** Per slot, KEPT packets in the order reported: arrival (ms after the slot's first) and size. */
  private readonly keptArrival = new Float32Array(SLOTS * KEPT);
  private readonly keptSize = new Float32Array(SLOTS * KEPT);
  private readonly firstArrivalMs = new Float64Array(SLOTS);

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
      this.firstArrivalMs[s] = arrivalMs;
      this.keptArrival[s * KEPT] = 0;
      this.keptSize[s * KEPT] = size;
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
    const n = this.received[s]!;
    if (n < KEPT) {
      this.keptArrival[s * KEPT + n] = arrivalMs - this.firstArrivalMs[s]!;
      this.keptSize[s * KEPT + n] = size;
    }
    this.received[s] = n + 1;
    if (this.received[s]! < MIN_RECEIVED) return NaN;
    const sendInterval = this.lastSend[s]! - this.firstSend[s]!;
    const receiveInterval = this.lastArrival[s]! - this.firstArrival[s]!;
    if (sendInterval <= 0 || receiveInterval <= 0 || sendInterval > MAX_INTERVAL_MS || receiveInterval > MAX_INTERVAL_MS) return NaN;
    const sendBps = ((this.bytes[s]! - this.lastSendSize[s]!) * 8000) / sendInterval;
    const clusterBytes = Math.min(PROBE_MIN_BYTES, (sendBps * PROBE_MAX_MS) / 8000);
    if (this.bytes[s]! < MIN_RECEIVED_SHARE * clusterBytes) return NaN;
    const receiveBps = Math.min(((this.bytes[s]! - this.firstArrivalSize[s]!) * 8000) / receiveInterval, this.secondHalfBps(s));
    return receiveBps < SATURATION * sendBps ? receiveBps * SATURATED_SHARE : Math.min(sendBps, receiveBps);
  }

  /** The receive rate of the kept packets' second half (Infinity when too few to tell). */
  private secondHalfBps(s: number): number {
    const n = Math.min(this.received[s]!, KEPT);
    if (n < MIN_FOR_TAIL) return Infinity;
    const base = s * KEPT;
    const mid = n >> 1;
    const from = this.keptArrival[base + mid]!;
    let to = from;
    let bytes = 0;
    for (let i = mid + 1; i < n; i++) {
      bytes += this.keptSize[base + i]!;
      if (this.keptArrival[base + i]! > to) to = this.keptArrival[base + i]!;
    }
    return to > from ? (bytes * 8000) / (to - from) : Infinity;
  }
}
