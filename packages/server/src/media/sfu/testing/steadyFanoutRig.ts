import type { NativeRtpFanout } from '@confab/srtp';
import { isVp8KeyFrame } from '@confab/wire';
import type { MediaCounters } from '../../MediaCounters';
import { PacketSlots } from '../PacketSlots';
import { SfuConsumer, type ConsumerOwner } from '../SfuConsumer';
import { CHROMIUM_SIMULCAST_RTP } from '../simulcast/chromiumSimulcastRtp.fixture';
import { chromiumSimulcastProducer, testConsumerOwner, testSfuContext } from './sfuTestParts';

export interface SteadyFanoutRig {
  readonly counters: MediaCounters;
  /** Feeds packet number `i` (sequence number i, time i ms) to the producer. */
  receive(i: number): void;
}

/**
 * The forwarding path in its steady state, for the allocation test and the fan-out micro-bench:
 * the real SfuProducer (the top layer of the recorded Chromium simulcast offer) and `consumers`
 * SfuConsumers taking that layer, through `fanout` (null: the TypeScript path), consumer i sending
 * through `owner(i)` (default: a send that does nothing), their copies in `slots`. The packet is the recording's first key frame of that layer, its payload grown to
 * `payloadBytes`, fed again and again with new sequence numbers and timestamps.
 */
export function steadyFanoutRig(
  consumers: number,
  fanout: NativeRtpFanout | null,
  owner: (consumer: number) => ConsumerOwner = () => testConsumerOwner(() => true),
  payloadBytes = 1100,
  slots = new PacketSlots(),
): SteadyFanoutRig {
  const ctx = testSfuContext({ fanout, slots });
  const producer = chromiumSimulcastProducer(ctx);
  const layer = producer.layerByRid('f')!;
  for (let i = 0; i < consumers; i++) {
    const consumer = new SfuConsumer(producer, String(i), owner(i), ctx, {});
    producer.addConsumer(consumer);
    consumer.prepareOffer();
    consumer.negotiate({ mid: String(i), receiving: true, payloadTypes: new Set([96, 97]), audioLevelId: 0, transportCcId: 5 });
    consumer.allocation.target = layer.index;
    consumer.applyAllocation(0);
  }
  const keyFrame = CHROMIUM_SIMULCAST_RTP.find(([, rid, , headerLength, hex]) => {
    const b = Buffer.from(hex, 'hex');
    return rid === 'f' && isVp8KeyFrame(b, headerLength, b.length);
  })!;
  const headerLength = keyFrame[3];
  const packet = Buffer.alloc(headerLength + payloadBytes);
  Buffer.from(keyFrame[4], 'hex').copy(packet);
  producer.learnSsrc(layer, packet.readUInt32BE(8), false);
  return {
    counters: ctx.counters,
    receive(i: number): void {
      packet[2] = (i >> 8) & 0xff;
      packet[3] = i & 0xff;
      packet[7] = (i * 3) & 0xff; // the timestamp moves on (its low byte: the number stays a small integer)
      producer.receive(layer, packet, packet.length, headerLength, i);
    },
  };
}
