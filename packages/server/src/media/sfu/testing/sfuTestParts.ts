import type { NativeRtpFanout, NativeSendStates } from '@confab/srtp';
import { silentLogger } from '../../logger';
import { MediaCounters } from '../../MediaCounters';
import { SenderClock } from '../../recording/TrackClock';
import type { NativeSendQueue } from '../net/UdpSendBatch';
import { PacketSlots } from '../PacketSlots';
import type { ConsumerOwner } from '../SfuConsumer';
import type { SfuContext } from '../SfuContext';
import { SfuProducer, type ProducerOwner } from '../SfuProducer';
import { SsrcAllocator } from '../SsrcAllocator';
import { Ticker } from '../Ticker';
import { CHROMIUM_SIMULCAST_OFFER } from '../sdp/chromiumSimulcast.fixture';
import { parseSdp } from '../sdp/parseSdp';
import { negotiatePublishOffer } from '../sdp/publishOffer';

/**
 * An engine context for producers and consumers without a network (nothing opens a transport).
 * `tickerMs`: the shared ticker's period; tests that drive time themselves make it never fire.
 */
export function testSfuContext(
  options: { fanout?: NativeRtpFanout | null; sendStates?: NativeSendStates | null; sendQueue?: NativeSendQueue | null; slots?: PacketSlots; ssrcs?: SsrcAllocator; tickerMs?: number } = {},
): SfuContext {
  return {
    logger: silentLogger,
    counters: new MediaCounters(),
    network: undefined as never,
    slots: options.slots ?? new PacketSlots(),
    ssrcs: options.ssrcs ?? new SsrcAllocator(),
    ticker: new Ticker(options.tickerMs ?? 50, silentLogger),
    fanout: options.fanout ?? null,
    sendStates: options.sendStates ?? null,
    sendQueue: options.sendQueue ?? null,
  };
}

/** The camera of the recorded Chromium simulcast offer (q, h, f), bound as our publish transport would (unless `bound` is false). */
export function chromiumSimulcastProducer(
  ctx: SfuContext,
  owner: Partial<ProducerOwner> = {},
  onSubscribedLayers?: ConstructorParameters<typeof SfuProducer>[0]['onSubscribedLayers'],
  bound = true,
): SfuProducer {
  const producer = new SfuProducer({ id: 'cam', kind: 'video', mid: '1', source: 'camera', onSubscribedLayers }, 'alice', ctx, {
    producerClosed() {},
    sendKeyFrameRequest() {},
    sendNacks() {},
    streamsChanged() {},
    senderClock: new SenderClock(),
    ...owner,
  });
  if (bound) applyChromiumSimulcastOffer(producer);
  return producer;
}

/** The microphone of the recorded Chromium simulcast offer (Opus, payload type 111), bound as our publish transport would. */
export function chromiumMicrophoneProducer(ctx: SfuContext): SfuProducer {
  const producer = new SfuProducer({ id: 'mic', kind: 'audio', mid: '0', source: 'microphone' }, 'alice', ctx, {
    producerClosed() {},
    sendKeyFrameRequest() {},
    sendNacks() {},
    streamsChanged() {},
    senderClock: new SenderClock(),
  });
  const negotiation = negotiatePublishOffer(parseSdp(CHROMIUM_SIMULCAST_OFFER));
  producer.bind(negotiation.sections[0]!.stream!, negotiation.extensionIds);
  return producer;
}

/** What our publish transport does with the recorded Chromium simulcast offer for its camera. */
export function applyChromiumSimulcastOffer(producer: SfuProducer): void {
  const negotiation = negotiatePublishOffer(parseSdp(CHROMIUM_SIMULCAST_OFFER));
  producer.bind(negotiation.sections[1]!.stream!, negotiation.extensionIds);
}

/** A consumer's owner that only hands each packet to `sendRtp` (it has no native send state); `connected` can be changed later. */
export function testConsumerOwner(sendRtp: ConsumerOwner['sendRtp'], connected = true): ConsumerOwner & { connected: boolean } {
  return {
    connected,
    sendStateId: -1,
    sendRtp,
    protectAndSend() {
      throw new Error('no native send state: nothing is sent past the pacer');
    },
    sendStream: () => null,
    sendRtcp() {},
    consumerClosed() {},
    renegotiate() {},
    allocationChanged() {},
    discardPaced() {},
  };
}
