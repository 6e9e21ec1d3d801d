import { randomUUID } from 'node:crypto';
import type { RTCRtpTransceiver, RtpPacket } from 'werift';
import { primaryCodec, sameCodec, subscribeCodecs } from './codecs';
import type { EngineContext } from './EngineContext';
import { guarded } from './logger';
import { isKeyFrameRequest } from './rtcp';
import { SilenceDetector, SUBSCRIBER_SILENCE_MS } from './SilenceDetector';
import { cloneForForwarding, seqNewer } from './rtp';
import type { Consumer, MediaKind } from './types';
import type { WeriftProducer } from './WeriftProducer';

/** What a consumer needs from its subscribe transport. */
export interface ConsumerOwner {
  consumerClosed(consumer: WeriftConsumer): void;
  renegotiate(): void;
  readonly connected: boolean;
}

/**
 * A producer forwarded to one subscriber over one sendonly transceiver of the subscribe transport.
 * Sequence numbers are rewritten so that pauses, resumes and publisher SSRC changes leave no gap
 * (a gap makes the browser NACK every missing packet); timestamps pass through untouched so
 * their spacing still matches the wall clock.
 */
export class WeriftConsumer implements Consumer {
  readonly id = randomUUID();
  readonly producerId: string;
  readonly kind: MediaKind;
  /** Set once an answer covering this consumer's m-line has been applied. */
  negotiated = false;
  private _paused: boolean;
  private _closed = false;
  private seqOffset = 0;
  private lastSeq = -1;
  private needsResync = false;
  private readonly stopRtcp: () => void;
  /** The subscriber's RTCP about this track: back after a silence means its path came back. */
  private readonly silence = new SilenceDetector(SUBSCRIBER_SILENCE_MS);

  constructor(
    readonly producer: WeriftProducer,
    readonly transceiver: RTCRtpTransceiver,
    private readonly owner: ConsumerOwner,
    private readonly ctx: EngineContext,
    paused: boolean,
  ) {
    this.producerId = producer.id;
    this.kind = producer.kind;
    this._paused = paused;
    ctx.counters.consumers++;
    // The subscriber lost the picture (PLI) or wants a fresh start (FIR): ask the publisher.
    this.stopRtcp = transceiver.sender.onRtcp.subscribe(
      guarded(ctx.logger, 'consumer RTCP', (packet: { type: number; feedback?: { count?: number } }) => {
        if (this._closed) return;
        if (isKeyFrameRequest(packet) || this.silence.heard(performance.now())) producer.requestKeyFrame();
      }),
    ).unSubscribe;
  }

  get paused(): boolean {
    return this._paused;
  }

  get closed(): boolean {
    return this._closed;
  }

  get mid(): string | undefined {
    return this.transceiver.mid ?? undefined;
  }

  pause(): void {
    if (!this._closed) this._paused = true;
  }

  resume(): void {
    if (this._closed || !this._paused) return;
    this._paused = false;
    this.needsResync = true;
    this.producer.requestKeyFrame();
  }

  /** The step-1 engine forwards one stream whole, whatever the tile: nothing to choose. */
  setTrackSettings(): void {}

  close(): void {
    if (this.closeQuietly()) this.owner.consumerClosed(this);
  }

  /** Stops forwarding without renegotiating (the transport is closing). False if already closed. */
  closeQuietly(): boolean {
    if (this._closed) return false;
    this._closed = true;
    this.stopRtcp();
    this.producer.removeConsumer(this);
    this.ctx.counters.consumers--;
    return true;
  }

  /** The next packet continues our sequence numbering instead of the publisher's. */
  resync(): void {
    this.needsResync = true;
  }

  /** Before an offer: offer only the producer's codec, which may have become known meanwhile. */
  prepareOffer(): void {
    if (!this.negotiated) this.transceiver.codecs = subscribeCodecs(this.kind, this.producer.codec);
  }

  /** The publisher (re)negotiated another codec: this m-line must follow, or payloads mislabel. */
  producerCodecChanged(): void {
    if (this._closed || sameCodec(primaryCodec(this.transceiver.codecs), this.producer.codec)) return;
    this.transceiver.codecs = subscribeCodecs(this.kind, this.producer.codec);
    if (this.negotiated) {
      this.negotiated = false;
      this.owner.renegotiate();
    }
  }

  /** The packet path, once per packet per subscriber. Never throws. */
  send(packet: RtpPacket): void {
    if (this._paused || !this.negotiated || !this.owner.connected) return;
    const payload = packet.payload;
    if (payload.length === 0) return; // padding-only probes: nothing for the subscriber
    const inSeq = packet.header.sequenceNumber;
    if (this.needsResync && this.lastSeq >= 0) this.seqOffset = (this.lastSeq + 1 - inSeq) & 0xffff;
    this.needsResync = false;
    const seq = (inSeq + this.seqOffset) & 0xffff;
    if (this.lastSeq < 0 || seqNewer(seq, this.lastSeq)) this.lastSeq = seq;
    try {
      this.transceiver.sender.sendRtp(cloneForForwarding(packet, seq)).catch(this.onSendError);
    } catch (err) {
      this.onSendError(err);
      return;
    }
    const counters = this.ctx.counters;
    counters.rtpPacketsForwarded++;
    counters.rtpBytesForwarded += 12 + 4 * packet.header.csrc.length + payload.length;
  }

  private readonly onSendError = (err: unknown): void => {
    this.ctx.logger.debug({ err, consumerId: this.id }, 'RTP not forwarded');
  };
}
