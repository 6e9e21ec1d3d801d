import type { MediaStreamTrack, RTCDtlsTransport, RTCRtpCodecParameters, RTCRtpTransceiver, RtpPacket } from 'werift';
import { isH264KeyFrame, isVp8KeyFrame } from '@confab/wire';
import { primaryCodec, sameCodec } from './codecs';
import type { EngineContext } from './EngineContext';
import { KeyFrameRequester } from './KeyFrameRequester';
import { guarded } from './logger';
import { pliPacket } from './rtcp';
import { PUBLISHER_SILENCE_MS, SilenceDetector } from './SilenceDetector';
import type { MediaKind, Producer, ProducerOptions } from './types';
import type { WeriftConsumer } from './WeriftConsumer';

/** One PLI per producer per this many ms, however many subscribers ask. */
const KEY_FRAME_INTERVAL_MS = 500;

/** Where RTCP about this producer's stream goes: the publisher's transport and its media SSRC. */
export interface RtcpTarget {
  dtls: RTCDtlsTransport;
  senderSsrc: number;
  mediaSsrc: number;
}

/**
 * A track coming in on a publish transport. It goes live when werift has a receive track for its
 * mid (before or after produce() was called), then hands every RTP packet to its consumers.
 */
export class WeriftProducer implements Producer {
  readonly id: string;
  readonly kind: MediaKind;
  readonly mid: string;
  /** The publisher's transport label (participant id): the msid stream id subscribers see. */
  readonly label: string;
  /** The codec the publisher sends with, once its offer has been applied. */
  codec: RTCRtpCodecParameters | undefined = undefined;
  private _paused: boolean;
  private _closed = false;
  /** Replaced, never mutated, so the packet loop can iterate while consumers come and go. */
  private consumers: readonly WeriftConsumer[] = [];
  private transceiver: RTCRtpTransceiver | undefined = undefined;
  private track: MediaStreamTrack | undefined = undefined;
  private stopTrack: (() => void) | undefined = undefined;
  private stopTransceiver: (() => void) | undefined = undefined;
  private readonly keyFrames: KeyFrameRequester;
  private readonly silence = new SilenceDetector(PUBLISHER_SILENCE_MS);

  constructor(
    options: ProducerOptions,
    label: string,
    private readonly ctx: EngineContext,
    private readonly onClose: (producer: WeriftProducer) => void,
  ) {
    this.id = options.id;
    this.kind = options.kind;
    this.mid = options.mid;
    this.label = label;
    this._paused = options.paused ?? false;
    this.keyFrames = new KeyFrameRequester(KEY_FRAME_INTERVAL_MS, this.sendPli);
    ctx.counters.producers++;
  }

  get paused(): boolean {
    return this._paused;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** True once packets can flow: werift has a receive track for our mid. */
  get live(): boolean {
    return this.track !== undefined;
  }

  pause(): void {
    if (this._closed) return;
    this._paused = true;
  }

  resume(): void {
    if (this._closed || !this._paused) return;
    this._paused = false;
    for (const consumer of this.consumers) consumer.resync();
    this.requestKeyFrame();
  }

  requestKeyFrame(): void {
    if (this.kind === 'video' && !this._closed) this.keyFrames.request();
  }

  close(): void {
    if (this.closeQuietly()) this.onClose(this);
  }

  /** Closes without telling the owner (the owner is the one closing us). Returns false if already closed. */
  closeQuietly(): boolean {
    if (this._closed) return false;
    this._closed = true;
    this.keyFrames.close();
    this.stopTrack?.();
    this.stopTransceiver?.();
    this.stopTrack = this.stopTransceiver = undefined;
    this.track = this.transceiver = undefined;
    const consumers = this.consumers;
    this.consumers = [];
    for (const consumer of consumers) consumer.close();
    this.ctx.counters.producers--;
    return true;
  }

  addConsumer(consumer: WeriftConsumer): void {
    this.consumers = [...this.consumers, consumer];
  }

  removeConsumer(consumer: WeriftConsumer): void {
    this.consumers = this.consumers.filter((c) => c !== consumer);
  }

  /**
   * Attaches to the publish transceiver carrying our mid; called after every offer the publisher
   * sends (werift fires onTrack again on each, so binding must be idempotent).
   */
  bind(transceiver: RTCRtpTransceiver): void {
    if (this._closed) return;
    if (this.transceiver !== transceiver) {
      this.stopTransceiver?.();
      this.transceiver = transceiver;
      // A renegotiation that changes the SSRC on this mid adds a new track to the same receiver.
      this.stopTransceiver = transceiver.onTrack.subscribe(
        guarded(this.ctx.logger, 'producer onTrack', (track: MediaStreamTrack) => {
          if (track.ssrc !== undefined) this.useTrack(track);
        }),
      ).unSubscribe;
    }
    // Without simulcast (step 1) there is one track per receiver; with rid simulcast the first layer.
    const track = newestSsrcTrack(transceiver.receiver.tracks) ?? transceiver.receiver.tracks[0];
    if (track) this.useTrack(track);
    else this.ctx.logger.warn({ producerId: this.id, mid: this.mid }, 'publisher m-line has no SSRC; nothing to forward');
    const codec = primaryCodec(transceiver.codecs);
    if (codec && !sameCodec(codec, this.codec)) {
      this.codec = codec;
      for (const consumer of this.consumers) consumer.producerCodecChanged();
    }
  }

  rtcpTarget(): RtcpTarget | undefined {
    const receiver = this.transceiver?.receiver;
    const mediaSsrc = this.track?.ssrc ?? this.track?.header?.ssrc;
    if (!receiver || mediaSsrc === undefined || receiver.dtlsTransport?.state !== 'connected') return undefined;
    return { dtls: receiver.dtlsTransport, senderSsrc: receiver.rtcpSsrc, mediaSsrc };
  }

  private useTrack(track: MediaStreamTrack): void {
    if (track === this.track) return;
    this.stopTrack?.();
    this.track = track;
    this.stopTrack = track.onReceiveRtp.subscribe(this.onRtp).unSubscribe;
    for (const consumer of this.consumers) consumer.resync();
  }

  /** The packet path: werift already gave us our own copy of the packet (RTCRtpReceiver clones). */
  private readonly onRtp = (packet: RtpPacket): void => {
    this.ctx.counters.rtpPacketsReceived++;
    if (this.silence.heard(performance.now())) this.requestKeyFrame();
    if (this.keyFrames.awaitingKeyFrame && this.isKeyFrame(packet)) this.keyFrames.keyFrameReceived();
    if (this._paused) return;
    const consumers = this.consumers;
    for (let i = 0; i < consumers.length; i++) consumers[i]!.send(packet);
  };

  private isKeyFrame(packet: RtpPacket): boolean {
    const { payload } = packet;
    const h264 = this.codec?.mimeType.toLowerCase() === 'video/h264';
    return h264 ? isH264KeyFrame(payload, 0, payload.length) : isVp8KeyFrame(payload, 0, payload.length);
  }

  private readonly sendPli = (): void => {
    const target = this.rtcpTarget();
    if (!target) return;
    target.dtls.sendRtcp([pliPacket(target.senderSsrc, target.mediaSsrc)]).catch((err: unknown) => {
      this.ctx.logger.debug({ err, producerId: this.id }, 'PLI not sent');
    });
  };
}

function newestSsrcTrack(tracks: readonly MediaStreamTrack[]): MediaStreamTrack | undefined {
  for (let i = tracks.length - 1; i >= 0; i--) if (tracks[i]!.ssrc !== undefined) return tracks[i];
  return undefined;
}
