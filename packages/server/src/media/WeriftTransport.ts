import { randomUUID } from 'node:crypto';
import { MediaStream, RTCPeerConnection, type RTCIceCandidate, type RTCRtpTransceiver } from 'werift';
import { filterPublishCodecs } from './codecs';
import type { EngineContext } from './EngineContext';
import { MediaError, errorMessage } from './errors';
import { guarded, type MediaLogger } from './logger';
import { RembFeedback } from './RembFeedback';
import { Renegotiator } from './Renegotiator';
import { mediaSections, stripTransportCc, validateSdp } from './sdp';
import type {
  Consumer,
  IceCandidateInit,
  OfferedTrack,
  Producer,
  ProducerOptions,
  Transport,
  TransportOptions,
  TransportRole,
  TransportSignal,
  TransportState,
} from './types';
import { WeriftConsumer, type ConsumerOwner } from './WeriftConsumer';
import { WeriftProducer } from './WeriftProducer';

/** What a transport needs from its router. */
export interface TransportOwner {
  claimProducerId(id: string): void;
  releaseProducerId(id: string): void;
  transportClosed(transport: WeriftTransport): void;
}

/** How long close() lets an SDP operation in progress finish before closing the peer connection. */
const CLOSE_GRACE_MS = 2000;

/**
 * One participant's peer connection for one direction (LiveKit style, so neither side ever offers
 * into the other's offer). publish: the client offers, we answer recvonly, producers read what
 * arrives. subscribe: we offer one sendonly m-line per consumer, the client answers.
 */
export class WeriftTransport implements Transport, ConsumerOwner {
  readonly id = randomUUID();
  readonly role: TransportRole;
  readonly label: string;
  private _state: TransportState = 'new';
  private closed = false;
  private readonly pc: RTCPeerConnection;
  private readonly releasePorts: () => void;
  private readonly logger: MediaLogger;
  /** SDP work runs one operation at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Local candidates wait here while the description they belong to is being produced. */
  private heldCandidates: TransportSignal[] | undefined = undefined;
  /** Remote candidates wait here until the first remote description is applied. */
  private pendingRemoteCandidates: (IceCandidateInit | null)[] | undefined = [];
  // publish role
  private readonly producers = new Map<string, WeriftProducer>(); // by mid, live only
  private readonly remb: RembFeedback | undefined;
  // subscribe role
  private readonly consumers = new Map<string, WeriftConsumer>(); // by producer id, live only
  private readonly renegotiator: Renegotiator | undefined;
  private offeredConsumers: WeriftConsumer[] = [];
  private lastOfferSdp = '';

  constructor(
    private readonly owner: TransportOwner,
    private readonly ctx: EngineContext,
    private readonly options: TransportOptions,
  ) {
    this.role = options.role;
    this.label = options.label;
    this.logger = ctx.logger;
    const { config, release } = ctx.peerConfig(options.role);
    this.releasePorts = release;
    try {
      this.pc = new RTCPeerConnection(config);
    } catch (err) {
      release();
      throw err;
    }
    ctx.counters.transports++;
    this.pc.onIceCandidate.subscribe(guarded(this.logger, 'onIceCandidate', this.onLocalCandidate));
    this.pc.connectionStateChange.subscribe(guarded(this.logger, 'connectionStateChange', this.onPeerState));
    this.pc.iceConnectionStateChange.subscribe(
      guarded(this.logger, 'iceConnectionStateChange', (ice: string) => {
        // werift reports ICE losing consent as 'disconnected' but never reports the recovery.
        if ((ice === 'connected' || ice === 'completed') && this._state === 'disconnected') this.setState('connected');
      }),
    );
    if (this.role === 'publish') {
      this.remb = new RembFeedback(ctx.rembBitrate, () => this.rembTargets(), this.logger);
    } else {
      this.renegotiator = new Renegotiator(() => this.sendOffer(), this.logger);
    }
  }

  get state(): TransportState {
    return this._state;
  }

  get connected(): boolean {
    return this._state === 'connected';
  }

  // ---- publish role -------------------------------------------------------------------------

  async applyOffer(sdp: string): Promise<void> {
    this.assertRole('publish', 'applyOffer');
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
      for (const producer of this.producers.values()) this.bindProducer(producer);
      await this.flushRemoteCandidates();
      const answer = await this.pc.createAnswer();
      await this.describeLocally(answer.sdp, () => this.emit({ type: 'answer', sdp: answer.sdp }));
      this.remb?.start();
    });
  }

  produce(options: ProducerOptions): Producer {
    this.assertRole('publish', 'produce');
    this.assertOpen();
    const { id, kind, mid } = options;
    if (typeof id !== 'string' || id === '') throw MediaError.invalidArgument('producer id must be a non-empty string');
    if (kind !== 'audio' && kind !== 'video') throw MediaError.invalidArgument(`invalid producer kind: ${String(kind)}`);
    if (typeof mid !== 'string' || mid === '') throw MediaError.invalidArgument('producer mid must be a non-empty string');
    if (this.producers.has(mid)) throw MediaError.conflict(`mid ${mid} already carries a producer`);
    const transceiver = this.transceiverByMid(mid);
    if (transceiver && transceiver.kind !== kind) {
      throw MediaError.invalidArgument(`mid ${mid} is a ${transceiver.kind} m-line, not ${kind}`);
    }
    this.owner.claimProducerId(id);
    const producer = new WeriftProducer(options, this.label, this.ctx, (p) => this.producerClosed(p));
    this.ctx.counters.producers++;
    this.producers.set(mid, producer);
    if (transceiver) this.bindProducer(producer);
    return producer;
  }

  private bindProducer(producer: WeriftProducer): void {
    const transceiver = this.transceiverByMid(producer.mid);
    if (!transceiver) return;
    if (transceiver.kind !== producer.kind) {
      this.logger.warn({ transport: this.label, mid: producer.mid }, 'publisher changed the kind of a produced mid');
      return;
    }
    producer.bind(transceiver);
  }

  private producerClosed(producer: WeriftProducer): void {
    if (this.producers.get(producer.mid) === producer) this.producers.delete(producer.mid);
    this.owner.releaseProducerId(producer.id);
  }

  private rembTargets() {
    const targets = [];
    for (const producer of this.producers.values()) {
      if (producer.kind !== 'video') continue;
      const target = producer.rtcpTarget();
      if (target) targets.push(target);
    }
    return targets;
  }

  // ---- subscribe role -----------------------------------------------------------------------

  consume(producer: Producer, options?: { paused?: boolean }): Consumer {
    this.assertRole('subscribe', 'consume');
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
    // No keyframe request yet: the subscriber cannot receive before its answer is applied, and a
    // keyframe now would only use up the throttle window. applyAnswer / 'connected' ask instead.
    return consumer;
  }

  async applyAnswer(sdp: string): Promise<void> {
    this.assertRole('subscribe', 'applyAnswer');
    validateSdp(sdp, 'answer');
    return this.serial(async () => {
      this.assertOpen();
      if (!this.renegotiator?.awaitingAnswer) throw MediaError.conflict('no offer is waiting for an answer');
      const expected = mediaSections(this.lastOfferSdp).length;
      if (mediaSections(sdp).length !== expected) {
        throw MediaError.invalidArgument(`answer must have ${expected} media sections, like the offer`);
      }
      try {
        await this.pc.setRemoteDescription({ type: 'answer', sdp });
      } catch (err) {
        throw MediaError.invalidArgument(`answer rejected: ${errorMessage(err)}`, err);
      }
      await this.flushRemoteCandidates();
      for (const consumer of this.offeredConsumers) {
        if (consumer.closed || consumer.negotiated) continue;
        consumer.negotiated = true;
        // Its m-line can carry media now: a keyframe lets the subscriber start decoding at once.
        if (this.connected) consumer.producer.requestKeyFrame();
      }
      this.offeredConsumers = [];
      this.renegotiator.answered();
    });
  }

  renegotiate(): void {
    if (!this.closed) this.renegotiator?.request();
  }

  consumerClosed(consumer: WeriftConsumer): void {
    if (this.consumers.get(consumer.producerId) === consumer) this.consumers.delete(consumer.producerId);
    if (this.closed) return;
    const transceiver = consumer.transceiver;
    try {
      this.pc.removeTrack(transceiver.sender); // stops the sender; direction becomes inactive
    } catch (err) {
      this.logger.debug({ err, transport: this.label }, 'removeTrack failed');
    }
    // Never let werift recycle this m-line for another kind (it reuses inactive ones blindly).
    transceiver.usedForSender = true;
    this.renegotiate();
  }

  private async sendOffer(): Promise<void> {
    await this.serial(async () => {
      if (this.closed) return;
      const live = [...this.consumers.values()];
      for (const consumer of live) consumer.prepareOffer();
      const offer = await this.pc.createOffer();
      // The offer as built is the truth about which m-lines send; consumers closed meanwhile are left out.
      const sending = new Set(
        mediaSections(offer.sdp)
          .filter((s) => s.port !== 0 && (s.direction === 'sendonly' || s.direction === 'sendrecv'))
          .map((s) => s.mid),
      );
      const offered = live.filter((c) => !c.closed && c.mid !== undefined && sending.has(c.mid));
      const tracks: OfferedTrack[] = offered.map((c) => ({ mid: c.mid!, producerId: c.producerId }));
      await this.describeLocally(offer.sdp, () => {
        this.lastOfferSdp = offer.sdp;
        this.offeredConsumers = offered;
        this.emit({ type: 'offer', sdp: offer.sdp, tracks });
      });
    });
  }

  // ---- both roles ---------------------------------------------------------------------------

  async addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    if (this.closed) return;
    if (candidate !== null && (typeof candidate !== 'object' || typeof candidate.candidate !== 'string')) {
      this.logger.warn({ transport: this.label }, 'ignoring malformed remote ICE candidate');
      return;
    }
    if (this.pendingRemoteCandidates) {
      this.pendingRemoteCandidates.push(candidate);
      return;
    }
    await this.applyRemoteCandidate(candidate);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.renegotiator?.close();
    this.remb?.stop();
    for (const producer of [...this.producers.values()]) {
      if (producer.closeQuietly()) this.producerClosed(producer);
    }
    for (const consumer of [...this.consumers.values()]) consumer.closeQuietly();
    this.consumers.clear();
    this.offeredConsumers = [];
    this.heldCandidates = this.pendingRemoteCandidates = undefined;
    this.ctx.counters.transports--;
    this.owner.transportClosed(this);
    this.setState('closed');
    this.ctx.trackShutdown(this.shutdown());
  }

  /** Lets an SDP operation in flight finish (werift would leak sockets it is still binding), then closes. */
  private async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    try {
      await this.pc.close();
    } catch (err) {
      this.logger.warn({ err, transport: this.label }, 'peer connection close failed');
    }
    this.releasePorts();
  }

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies our own description. werift gathers (and announces) candidates inside
   * setLocalDescription; the client must get the description first, so they are held until
   * `announce` has sent it.
   */
  private async describeLocally(sdp: string, announce: () => void): Promise<void> {
    this.heldCandidates ??= [];
    try {
      await this.pc.setLocalDescription({ type: this.role === 'publish' ? 'answer' : 'offer', sdp });
      announce();
    } finally {
      const held = this.heldCandidates ?? [];
      this.heldCandidates = undefined;
      for (const signal of held) this.emit(signal);
    }
  }

  private readonly onLocalCandidate = (candidate: RTCIceCandidate | undefined): void => {
    const signal: TransportSignal = {
      type: 'candidate',
      candidate: candidate
        ? {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid ?? null,
            sdpMLineIndex: candidate.sdpMLineIndex ?? null,
            usernameFragment: candidate.usernameFragment ?? null,
          }
        : null,
    };
    if (this.heldCandidates) this.heldCandidates.push(signal);
    else this.emit(signal);
  };

  private async flushRemoteCandidates(): Promise<void> {
    const pending = this.pendingRemoteCandidates;
    this.pendingRemoteCandidates = undefined;
    for (const candidate of pending ?? []) await this.applyRemoteCandidate(candidate);
  }

  private async applyRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      this.logger.warn({ err, transport: this.label }, 'remote ICE candidate rejected');
    }
  }

  private readonly onPeerState = (state: TransportState): void => {
    if (state === 'closed') {
      this.close(); // werift closed itself (ICE closed); make it ours
      return;
    }
    if (!this.setState(state) || state !== 'connected') return;
    if (this.role === 'publish') this.remb?.tick();
    else for (const consumer of this.consumers.values()) if (consumer.negotiated) consumer.producer.requestKeyFrame();
  };

  private setState(state: TransportState): boolean {
    if (this._state === state || this._state === 'closed') return false;
    this._state = state;
    try {
      this.options.onStateChange?.(state);
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'onStateChange threw');
    }
    return true;
  }

  private emit(signal: TransportSignal): void {
    if (this.closed) return;
    try {
      this.options.onSignal(signal);
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'onSignal threw');
    }
  }

  private transceiverByMid(mid: string): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.mid === mid);
  }

  private assertRole(role: TransportRole, what: string): void {
    if (this.role !== role) throw MediaError.conflict(`${what} needs a ${role} transport; this one is ${this.role}`);
  }

  private assertOpen(): void {
    if (this.closed) throw MediaError.conflict('transport is closed');
  }
}

/** msid ids are RFC 4566 tokens of at most 64 characters. */
function msidToken(value: string): string {
  const token = value.replace(/[^A-Za-z0-9!#$%&'*+\-.^_`{|}~]/g, '-').slice(0, 64);
  return token === '' ? '-' : token;
}
