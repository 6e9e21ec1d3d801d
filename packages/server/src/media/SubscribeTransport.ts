import { MediaStream } from 'werift';
import type { EngineContext } from './EngineContext';
import { MediaError, errorMessage } from './errors';
import { Renegotiator } from './Renegotiator';
import { keepBundleTag, mediaSections, msidToken, validateSdp } from './sdp';
import type { Consumer, OfferedTrack, Producer, TransportOptions } from './types';
import { WeriftConsumer, type ConsumerOwner } from './WeriftConsumer';
import { WeriftProducer } from './WeriftProducer';
import { WeriftTransport, type TransportOwner } from './WeriftTransport';

/** We offer one sendonly m-line per consumer; the client answers. */
export class SubscribeTransport extends WeriftTransport implements ConsumerOwner {
  /** Live consumers by producer id. */
  private readonly consumers = new Map<string, WeriftConsumer>();
  private readonly renegotiator: Renegotiator;
  /** Consumers whose m-lines the outstanding offer sends on. */
  private offeredConsumers: WeriftConsumer[] = [];
  private lastOfferSdp = '';
  private iceRestartPending = false;

  constructor(owner: TransportOwner, ctx: EngineContext, options: TransportOptions) {
    super(owner, ctx, options);
    this.renegotiator = new Renegotiator(() => this.sendOffer(), this.logger);
  }

  override consume(producer: Producer, options?: { paused?: boolean }): Consumer {
    this.assertOpen();
    if (!(producer instanceof WeriftProducer)) throw MediaError.invalidArgument('producer does not belong to this media engine');
    if (producer.closed) throw MediaError.conflict(`producer ${producer.id} is closed`);
    if (this.consumers.has(producer.id)) throw MediaError.conflict(`producer ${producer.id} is already consumed here`);
    const transceiver = this.pc.addTransceiver(producer.kind, {
      direction: 'sendonly',
      streams: [new MediaStream({ id: msidToken(producer.label) })],
    });
    // The msid track id the subscriber sees. werift types it readonly but only reads it for msid and stats.
    (transceiver.sender as { trackId: string }).trackId = msidToken(producer.id);
    const consumer = new WeriftConsumer(producer, transceiver, this, this.ctx, options?.paused ?? false);
    this.consumers.set(producer.id, consumer);
    producer.addConsumer(consumer);
    this.renegotiate();
    // No keyframe request yet: nothing reaches the subscriber before its answer is applied, and a
    // keyframe now would only use up the throttle window. applyAnswer and 'connected' ask instead.
    return consumer;
  }

  override async applyAnswer(sdp: string): Promise<void> {
    validateSdp(sdp, 'answer');
    return this.serial(async () => {
      this.assertOpen();
      if (!this.renegotiator.awaitingAnswer) throw MediaError.conflict('no offer is waiting for an answer');
      const expected = mediaSections(this.lastOfferSdp).length;
      if (mediaSections(sdp).length !== expected) throw MediaError.invalidArgument(`answer must have ${expected} media sections, like the offer`);
      try {
        await this.pc.setRemoteDescription({ type: 'answer', sdp });
      } catch (err) {
        throw MediaError.invalidArgument(`answer rejected: ${errorMessage(err)}`, err);
      }
      await this.remoteDescribed();
      for (const consumer of this.offeredConsumers) {
        if (consumer.closed || consumer.negotiated) continue;
        consumer.negotiated = true;
        // Its m-line carries media from now on: a keyframe lets the subscriber start at once.
        if (this.connected) consumer.producer.requestKeyFrame();
      }
      this.offeredConsumers = [];
      this.renegotiator.answered();
    });
  }

  override restartIce(): void {
    if (this.closed) return;
    this.iceRestartPending = true;
    this.renegotiator.supersede();
  }

  renegotiate(): void {
    if (!this.closed) this.renegotiator.request();
  }

  consumerClosed(consumer: WeriftConsumer): void {
    if (this.consumers.get(consumer.producerId) === consumer) this.consumers.delete(consumer.producerId);
    if (this.closed) return;
    const transceiver = consumer.transceiver;
    try {
      this.pc.removeTrack(transceiver.sender); // stops the sender; the m-line goes inactive
    } catch (err) {
      this.logger.debug({ err, transport: this.label }, 'removeTrack failed');
    }
    // werift would recycle an inactive m-line for the next transceiver of any kind; never this one.
    transceiver.usedForSender = true;
    this.renegotiate();
  }

  protected override closeMedia(): void {
    this.renegotiator.close();
    for (const consumer of this.consumers.values()) consumer.closeQuietly();
    this.consumers.clear();
    this.offeredConsumers = [];
  }

  protected override onConnected(): void {
    for (const consumer of this.consumers.values()) if (consumer.negotiated) consumer.producer.requestKeyFrame();
  }

  private async sendOffer(): Promise<void> {
    await this.serial(async () => {
      if (this.closed) return;
      const live = [...this.consumers.values()];
      for (const consumer of live) consumer.prepareOffer();
      const iceRestart = this.iceRestartPending;
      this.iceRestartPending = false;
      const offer = await this.pc.createOffer({ iceRestart });
      // The offer as built decides which m-lines send; consumers closed meanwhile are left out.
      const sending = new Set(
        mediaSections(offer.sdp)
          .filter((s) => s.port !== 0 && (s.direction === 'sendonly' || s.direction === 'sendrecv'))
          .map((s) => s.mid),
      );
      const offered = live.filter((c) => !c.closed && c.mid !== undefined && sending.has(c.mid));
      const tracks: OfferedTrack[] = offered.map((c) => ({ mid: c.mid!, producerId: c.producerId }));
      await this.describeLocally('offer', offer.sdp, () => {
        this.lastOfferSdp = offer.sdp;
        this.offeredConsumers = offered;
        this.emit({ type: 'offer', sdp: keepBundleTag(offer.sdp), tracks });
      });
    });
  }
}
