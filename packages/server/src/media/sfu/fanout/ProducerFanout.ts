import type { NativeRtpFanout } from '@confab/srtp';
import type { MediaCounters } from '../../MediaCounters';
import type { NativeSendQueue } from '../net/UdpSendBatch';
import type { PacketSlots } from '../PacketSlots';
import type { SfuConsumer } from '../SfuConsumer';
import { FANOUT_ROW, FanoutSent } from './fanoutRow';

/**
 * One producer's fan-out through the native core: a block of rows, one per consumer in the
 * producer's order, and one native call per incoming packet that copies and rewrites it for every
 * consumer whose row forwards this layer in the steady state. When the consumer's transport has a
 * native send state and its pacer lets the copy out at once, the same call numbers and records it
 * (send_state.c), and queues it in the worker's send batch, which seals and sends it (when the
 * transport is on the batched UDP socket; else SfuConsumer.sendTaken protects and sends it); other
 * copies go out through the consumer's usual send (pacer, transport-wide number, batched send).
 * Consumers the native core hands back run SfuConsumer.forward(), the TypeScript path, on the same state.
 */
export class ProducerFanout {
  private rows = new Float64Array(FANOUT_ROW.stride * 4);
  private consumers: readonly SfuConsumer[] = [];
  /** [slot, result, sent] per consumer of a chunk, filled by the native call. */
  private readonly out = new Int32Array(CHUNK * 3);

  private readonly queueTable: Int32Array;
  private readonly queueState: Int32Array;

  constructor(
    private readonly fanout: NativeRtpFanout,
    private readonly slots: PacketSlots,
    private readonly counters: MediaCounters,
    /** The worker's send batch; null: no copy is queued natively. */
    private readonly queue: NativeSendQueue | null,
  ) {
    this.queueTable = queue?.table ?? new Int32Array(0);
    this.queueState = queue?.state ?? Int32Array.of(0, 0);
  }

  /** The producer's consumers changed (rare: joins and leaves): rows follow their order. */
  setConsumers(consumers: readonly SfuConsumer[]): void {
    for (const consumer of this.consumers) if (!consumers.includes(consumer)) consumer.bindFanoutRow(null, 0);
    const needed = consumers.length * FANOUT_ROW.stride;
    if (needed > this.rows.length) {
      let size = this.rows.length;
      while (size < needed) size *= 2;
      this.rows = new Float64Array(size);
    }
    // In order: a consumer moving down a row overwrites only a row already moved or left.
    for (let i = 0; i < consumers.length; i++) consumers[i]!.bindFanoutRow(this.rows, i * FANOUT_ROW.stride);
    this.consumers = consumers;
  }

  /**
   * SfuProducer's forwarding of one packet (see SfuConsumer.forward for the arguments), CHUNK
   * consumers at a time: each chunk's copies are stamped and queued while they are still in the
   * cache the native call wrote them through.
   */
  forward(layer: number, keyFrame: boolean, buf: Buffer, len: number, headerLength: number, payloadSize: number, nowMs: number): void {
    const consumers = this.consumers;
    const total = consumers.length;
    const slots = this.slots;
    const out = this.out;
    for (let first = 0; first < total; first += CHUNK) {
      const count = total - first < CHUNK ? total - first : CHUNK;
      const used = this.fanout(buf, len, headerLength, payloadSize, layer, nowMs, this.rows, first, count, slots.memory, slots.slotSize, slots.position, out, this.queueTable, this.queueState);
      if (used < 0) {
        for (let i = first; i < first + count; i++) consumers[i]!.forward(layer, keyFrame, buf, len, headerLength, payloadSize, nowMs);
        continue;
      }
      slots.skip(used);
      let queued = 0;
      let queuedBytes = 0;
      for (let i = 0; i < count; i++) {
        const result = out[3 * i + 1]!;
        if (result > 0) {
          const sent = out[3 * i + 2]!;
          if (sent === FanoutSent.Queued) {
            queued++;
            queuedBytes += result;
          } else if (sent === FanoutSent.Taken) {
            consumers[first + i]!.sendTaken(slots.at(out[3 * i]!), result);
          } else {
            consumers[first + i]!.sendRewritten(slots.at(out[3 * i]!), result, nowMs);
          }
        } else if (result < 0) {
          consumers[first + i]!.forward(layer, keyFrame, buf, len, headerLength, payloadSize, nowMs);
        }
      }
      if (queued > 0) {
        this.counters.rtpPacketsForwarded += queued;
        this.counters.rtpBytesForwarded += queuedBytes;
        this.queue!.queued(queued);
      }
    }
  }
}

/**
 * Consumers per native call. 32 copies of a 1,100-byte packet (~35 kB) stay in the first-level
 * cache while they are stamped and queued. When the seal came right after, the whole fan-out of 256
 * subscribers written first (~280 kB) cost ~2.5 % more CPU per forwarded packet; since the send
 * batch seals, 512 at a time measured the same as 32 at N = 480 (bench:sfu --paired, docs/benchmarks.md).
 */
const CHUNK = 32;
