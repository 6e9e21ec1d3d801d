import type { RTCRtpTransceiver } from 'werift';
import { filterPublishCodecs } from './codecs';
import type { EngineContext } from './EngineContext';
import { MediaError, errorMessage } from './errors';
import { RembFeedback } from './RembFeedback';
import { stripTransportCc, validateSdp } from './sdp';
import type { Producer, ProducerOptions, TransportOptions } from './types';
import { WeriftTransport, type TransportOwner } from './WeriftTransport';
import { WeriftProducer, type RtcpTarget } from './WeriftProducer';

/** The client offers what it sends; we answer recvonly and turn declared mids into producers. */
export class PublishTransport extends WeriftTransport {
  /** Live producers by mid. */
  private readonly producers = new Map<string, WeriftProducer>();
  private readonly remb: RembFeedback;

  constructor(owner: TransportOwner, ctx: EngineContext, options: TransportOptions) {
    super(owner, ctx, options);
    this.remb = new RembFeedback(ctx.rembBitrate, () => this.rembTargets(), this.logger);
  }

  override async applyOffer(sdp: string): Promise<void> {
    validateSdp(sdp, 'offer');
    return this.serial(async () => {
      this.assertOpen();
      try {
        await this.pc.setRemoteDescription({ type: 'offer', sdp: stripTransportCc(sdp) });
      } catch (err) {
        throw MediaError.invalidArgument(`offer rejected: ${errorMessage(err)}`, err);
      }
      for (const transceiver of this.pc.getTransceivers()) {
        if (transceiver.codecs.length > 0) transceiver.codecs = filterPublishCodecs(transceiver.codecs);
      }
      // werift has (re)created the receive tracks; producers declared earlier go live now.
      for (const producer of this.producers.values()) this.bind(producer);
      await this.remoteDescribed();
      const answer = await this.pc.createAnswer();
      await this.describeLocally('answer', answer.sdp, () => this.emit({ type: 'answer', sdp: answer.sdp }));
      this.remb.start();
    });
  }

  override produce(options: ProducerOptions): Producer {
    this.checkProduce(options, (mid) => this.producers.has(mid));
    const { id, kind, mid } = options;
    const transceiver = this.transceiverByMid(mid);
    if (transceiver && transceiver.kind !== kind) throw MediaError.invalidArgument(`mid ${mid} is a ${transceiver.kind} m-line, not ${kind}`);
    this.owner.claimProducerId(id);
    const producer = new WeriftProducer(options, this.label, this.ctx, (p) => this.producerClosed(p));
    this.producers.set(mid, producer);
    this.bind(producer); // the offer carrying this mid may already be applied
    return producer;
  }

  protected override closeMedia(): void {
    this.remb.stop();
    for (const producer of [...this.producers.values()]) {
      if (producer.closeQuietly()) this.producerClosed(producer);
    }
  }

  protected override onConnected(): void {
    this.remb.tick(); // don't make the publisher wait a whole interval at its start bitrate
  }

  private bind(producer: WeriftProducer): void {
    const transceiver = this.transceiverByMid(producer.mid);
    if (!transceiver) return;
    if (transceiver.kind === producer.kind) producer.bind(transceiver);
    else this.logger.warn({ transport: this.label, mid: producer.mid }, 'publisher changed the kind of a produced mid');
  }

  private producerClosed(producer: WeriftProducer): void {
    if (this.producers.get(producer.mid) === producer) this.producers.delete(producer.mid);
    this.owner.releaseProducerId(producer.id);
  }

  private rembTargets(): RtcpTarget[] {
    const targets: RtcpTarget[] = [];
    for (const producer of this.producers.values()) {
      const target = producer.kind === 'video' ? producer.rtcpTarget() : undefined;
      if (target) targets.push(target);
    }
    return targets;
  }

  private transceiverByMid(mid: string): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.mid === mid);
  }
}
