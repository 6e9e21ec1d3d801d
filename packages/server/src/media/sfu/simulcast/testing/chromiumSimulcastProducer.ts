/**
 * A VP8 simulcast producer (the offer of ../../sdp/chromiumSimulcast.fixture.ts: layers q, h, f)
 * outside any transport, fed the recorded Chromium packets (../chromiumSimulcastRtp.fixture.ts)
 * on a simulated clock: for tests of what hangs off a producer (consumers, recording sinks).
 */
import { rtpSsrc } from '@confab/wire';
import { silentLogger } from '../../../logger';
import { MediaCounters } from '../../../MediaCounters';
import { SenderClock } from '../../../recording/TrackClock';
import { PacketSlots } from '../../PacketSlots';
import type { SfuContext } from '../../SfuContext';
import { SfuProducer, type ProducerOwner } from '../../SfuProducer';
import { SsrcAllocator } from '../../SsrcAllocator';
import { Ticker } from '../../Ticker';
import { parseSdp } from '../../sdp/parseSdp';
import { negotiatePublishOffer } from '../../sdp/publishOffer';
import { CHROMIUM_SIMULCAST_OFFER } from '../../sdp/chromiumSimulcast.fixture';
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

/** `startMs`: where the recording's time 0 falls on the performance.now() clock the producer's own calls use. */
export function chromiumSimulcastProducer(startMs = 0): SimulcastProducerSetup {
  const ctx: SfuContext = {
    logger: silentLogger,
    counters: new MediaCounters(),
    network: undefined as never, // no transport is opened here
    slots: new PacketSlots(64),
    ssrcs: new SsrcAllocator(),
    // Never fires within a test: the tests drive time themselves.
    ticker: new Ticker(1e9, silentLogger),
  };
  const keyFrameRequests: string[] = [];
  const producerOwner: ProducerOwner = {
    producerClosed() {},
    sendKeyFrameRequest: (_p, layer) => keyFrameRequests.push(layer.rid),
    sendNacks() {},
    streamsChanged() {},
    senderClock: new SenderClock(),
  };
  const layersTold: string[] = [];
  const producer = new SfuProducer(
    { id: 'cam', kind: 'video', mid: '1', source: 'camera', onSubscribedLayers: (l) => layersTold.push(l.map((x) => `${x.rid}${x.active ? '+' : '-'}`).join(' ')) },
    'alice',
    ctx,
    producerOwner,
  );
  const negotiation = negotiatePublishOffer(parseSdp(CHROMIUM_SIMULCAST_OFFER));
  producer.bind(negotiation.sections[1]!.stream!, negotiation.extensionIds);
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
