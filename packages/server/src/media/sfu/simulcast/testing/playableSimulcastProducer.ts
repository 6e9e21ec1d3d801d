/**
 * A VP8 simulcast producer (the offer of ../../sdp/chromiumSimulcast.fixture.ts: layers q, h, f)
 * outside any transport, fed the recorded Chromium packets (../chromiumSimulcastRtp.fixture.ts)
 * on a simulated clock: for tests of what hangs off a producer (consumers, recording sinks).
 */
import { rtpSsrc } from '@confab/wire';
import { PacketSlots } from '../../PacketSlots';
import type { SfuContext } from '../../SfuContext';
import type { SfuProducer } from '../../SfuProducer';
import { chromiumSimulcastProducer, testSfuContext } from '../../testing/sfuTestParts';
import { CHROMIUM_SIMULCAST_RTP } from '../chromiumSimulcastRtp.fixture';

export interface SimulcastProducerSetup {
  ctx: SfuContext;
  producer: SfuProducer;
  /** The rid of each key frame request the producer sent, in order. */
  keyFrameRequests: string[];
  /** What dynacast told the publisher, e.g. 'q+ h- f+'. */
  layersTold: string[];
  /** The simulated time of the packet being fed now. */
  now(): number;
  /**
   * Feeds the recording's packets of [from, to) ms (at `startMs` + their time in the recording); `skipRid` leaves a layer out, `late` delays one
   * layer's arrival times (not their order); `beforePacket` runs before each packet.
   */
  play(from: number, to: number, options?: { skipRid?: string; late?: { rid: string; ms: number }; beforePacket?(t: number): void }): void;
}

/**
 * `startMs`: where the recording's time 0 falls on the performance.now() clock the producer's own
 * calls use. `offered: false` leaves the producer as before its publisher's offer (the test applies
 * it with applyChromiumSimulcastOffer).
 */
export function playableSimulcastProducer(startMs = 0, { offered = true } = {}): SimulcastProducerSetup {
  // The ticker never fires within a test: the tests drive time themselves.
  const ctx = testSfuContext({ slots: new PacketSlots(64), tickerMs: 1e9 });
  const keyFrameRequests: string[] = [];
  const layersTold: string[] = [];
  const producer = chromiumSimulcastProducer(
    ctx,
    { sendKeyFrameRequest: (_p, layer) => keyFrameRequests.push(layer.rid) },
    (l) => layersTold.push(l.map((x) => `${x.rid}${x.active ? '+' : '-'}`).join(' ')),
    offered,
  );
  let now = 0;
  const play: SimulcastProducerSetup['play'] = (from, to, { skipRid, late, beforePacket } = {}) => {
    for (const [rt, rid, , headerLength, hex] of CHROMIUM_SIMULCAST_RTP) {
      if (rt < from || rt >= to || rid === skipRid) continue;
      const t = startMs + (rid === late?.rid ? rt + late.ms : rt);
      now = t;
      beforePacket?.(t);
      const buf = Buffer.from(hex, 'hex');
      const layer = producer.layerByRid(rid)!;
      if (layer.ssrc < 0) producer.learnSsrc(layer, rtpSsrc(buf), false);
      producer.receive(layer, buf, buf.length, headerLength, t);
    }
  };
  return { ctx, producer, keyFrameRequests, layersTold, now: () => now, play };
}
