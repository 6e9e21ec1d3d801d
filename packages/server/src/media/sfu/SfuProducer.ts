import { isH264KeyFrame, isVp8KeyFrame, KeyFrameWindow, readAudioLevel, rtpPaddingSize, rtpPayloadType, rtpSeq, rtpTimestamp, unwrapRtx, type SenderInfo } from '@confab/wire';
import { AudioLevelMeter } from '../AudioLevelMeter';
import { MediaError } from '../errors';
import type { SenderClock } from '../recording/TrackClock';
import { describeWriteError } from '../recording/TrackRecorder';
import { TrackRecorder } from '../recording/TrackRecorder';
import { msidToken } from '../sdp';
import { PUBLISHER_SILENCE_MS, SilenceDetector } from '../SilenceDetector';
import type { MediaKind, Producer, ProducerOptions, RecordOptions, SubscribedLayer, TrackRecording, TrackSource } from '../types';
import type { CodecName } from './codecs';
import type { SfuConsumer } from './SfuConsumer';
import type { SfuContext } from './SfuContext';
import { ProducerFanout } from './fanout/ProducerFanout';
import { SfuRecordingSink } from './SfuRecordingSink';
import type { PublishExtensionIds, PublishStream } from './sdp/publishOffer';
import { Dynacast } from './simulcast/Dynacast';
import { ProducerLayer } from './simulcast/ProducerLayer';
import { vp8KeyFrameHeight, vp8KeyFrameWidth, Vp8Descriptor } from './simulcast/vp8';

/** What a producer needs from its publish transport. */
export interface ProducerOwner {
  producerClosed(producer: SfuProducer): void;
  /** Sends a PLI (or FIR) for one layer's stream now. */
  sendKeyFrameRequest(producer: SfuProducer, layer: ProducerLayer): void;
  /** Sends a NACK for what the layer's NackGenerator wants now. */
  sendNacks(producer: SfuProducer, layer: ProducerLayer, nowMs: number): void;
  /** The producer learnt or changed an SSRC: the transport's SSRC lookup must follow. */
  streamsChanged(): void;
  /** The publisher's capture clock, shared by the recordings of its tracks (lip sync). */
  readonly senderClock: SenderClock;
}

/**
 * A track coming in on a publish transport: one stream, or several simulcast layers (rids) of the
 * same track. Bound to its m-section whenever the publisher's offer has been applied; then every
 * packet of each layer passes through receive(): reception statistics for our receiver reports,
 * loss detection for NACKs, the retransmission cache (all per layer), and forwarding to each
 * consumer, which picks the layer it sends. Nothing here allocates per packet.
 */
export class SfuProducer implements Producer {
  readonly id: string;
  readonly kind: MediaKind;
  readonly mid: string;
  readonly source: TrackSource | undefined;
  /** The publisher's transport label (participant id), as an SDP token: msid stream id and cname downstream. */
  readonly streamId: string;
  /** The publisher's transport label as given (the active speaker is named by it). */
  readonly label: string;
  /** Low to high; one for a plain stream. Replaced (never mutated) when the offer changes them. */
  layers: readonly ProducerLayer[];
  payloadType = -1;
  rtxPayloadType = -1;
  clockRate = 0;
  codec: CodecName | undefined = undefined;
  /** The publisher's id of ssrc-audio-level, 0 if not negotiated. */
  audioLevelId = 0;
  /** The publisher's transport-wide-cc id (0: none): consumers renumber that element for their subscriber. */
  transportCcId = 0;
  /** Which key frame request the publisher negotiated. */
  usesFir = false;
  /** Simulcast only: which layers the publisher should send. */
  dynacast: Dynacast | null = null;
  /** Audio: the RFC 6464 levels since the router last read them (active speakers). */
  readonly levels: AudioLevelMeter | null;
  private nackNegotiated = false;
  private readonly silence = new SilenceDetector(PUBLISHER_SILENCE_MS);
  private readonly descriptor = new Vp8Descriptor();
  /** The publisher's encoder takes one key frame request per 300 ms for all the layers (KeyFrameWindow). */
  private readonly encoderKeyFrames = new KeyFrameWindow();
  private currentPaused: boolean;
  private currentClosed = false;
  /** Replaced, never mutated, so the packet loop can iterate while consumers come and go. */
  private consumers: readonly SfuConsumer[] = [];
  /** Recordings of this track; replaced, never mutated, likewise. */
  private sinks: readonly SfuRecordingSink[] = [];
  /** Recordings asked for before the publisher's offer: they start in bind() (or end at close). */
  private awaitingCodec: (() => void)[] = [];
  /** The native fan-out (CONFAB_NATIVE_FANOUT=1), else null: each consumer's forward() in turn. */
  private readonly fanout: ProducerFanout | null;

  constructor(
    private readonly options: ProducerOptions,
    label: string,
    private readonly ctx: SfuContext,
    private readonly owner: ProducerOwner,
  ) {
    this.id = options.id;
    this.kind = options.kind;
    this.mid = options.mid;
    this.source = options.source;
    this.label = label;
    this.streamId = msidToken(label);
    this.currentPaused = options.paused ?? false;
    this.layers = [this.newLayer(0, '')];
    this.levels = options.kind === 'audio' ? new AudioLevelMeter() : null;
    this.fanout = ctx.fanout != null ? new ProducerFanout(ctx.fanout, ctx.slots, ctx.counters, ctx.sendQueue ?? null) : null;
    ctx.counters.producers++;
  }

  get paused(): boolean {
    return this.currentPaused;
  }

  get closed(): boolean {
    return this.currentClosed;
  }

  get simulcast(): boolean {
    return this.layers.length > 1;
  }

  pause(): void {
    if (!this.currentClosed) this.currentPaused = true;
  }

  resume(): void {
    if (this.currentClosed || !this.currentPaused) return;
    this.currentPaused = false;
    for (const consumer of this.consumers) consumer.resync();
    this.requestKeyFrame();
  }

  /** Every layer's key frame (each consumer asks for its own layer with requestLayerKeyFrame). */
  requestKeyFrame(nowMs = performance.now()): void {
    for (let i = 0; i < this.layers.length; i++) this.requestLayerKeyFrame(i, nowMs);
  }

  requestLayerKeyFrame(index: number, nowMs = performance.now()): void {
    if (this.kind !== 'video' || this.currentClosed) return;
    const layer = this.layers[index];
    if (layer !== undefined && layer.keyFrames.request(nowMs)) this.owner.sendKeyFrameRequest(this, layer);
  }

  close(): void {
    if (this.closeQuietly()) this.owner.producerClosed(this);
  }

  /** Closes without telling the owner (the owner is the one closing us). False if already closed. */
  closeQuietly(): boolean {
    if (this.currentClosed) return false;
    this.currentClosed = true;
    const consumers = this.consumers;
    this.consumers = [];
    this.fanout?.setConsumers(this.consumers);
    for (const consumer of consumers) consumer.close();
    // A recording's file is finalized (its owner still gets the result from its own stop()).
    for (const sink of this.sinks) void sink.stop();
    this.wakeRecordings();
    this.ctx.counters.producers--;
    return true;
  }

  /** Starts writing this track to a file (Producer.record): a sink beside the consumers. */
  async record(options: RecordOptions): Promise<TrackRecording> {
    if (this.codec === undefined && !this.currentClosed) await this.offerApplied(options.signal);
    const codec = this.codec;
    if (this.currentClosed || codec === undefined) throw MediaError.conflict('producer is closed');
    let sink: SfuRecordingSink | null = null;
    const recorder = TrackRecorder.start({
      pathWithoutExtension: options.pathWithoutExtension,
      codec,
      clockRate: this.clockRate,
      sender: this.owner.senderClock,
      requestKeyFrame: () => sink?.requestKeyFrame(),
      onError: (err) => {
        this.ctx.logger.warn({ err, producer: this.id }, 'recording a track failed');
        options.onError?.(describeWriteError(err));
      },
      onFirstFrame: (startMs) => options.onFirstFrame?.(startMs),
    });
    // Attached before its file is open: a track published just now sends its first packets (and its
    // first key frame) within milliseconds of the answer, faster than a busy disk opens a file.
    sink = new SfuRecordingSink(this, recorder, this.ctx);
    this.sinks = [...this.sinks, sink];
    try {
      await recorder.opened;
    } catch (err) {
      await sink.stop();
      throw err;
    }
    if (this.currentClosed || this.codec !== codec) {
      await sink.stop();
      throw MediaError.conflict(this.currentClosed ? 'producer is closed' : 'the track changed codec');
    }
    return sink;
  }

  /**
   * Settles when bind() gives the track its codec, in the same turn as the offer is applied: the
   * answer is not out yet, so no packet of the track can come before the recording starts.
   */
  private offerApplied(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const abort = (): void => {
        this.awaitingCodec = this.awaitingCodec.filter((w) => w !== wake);
        reject(MediaError.conflict('the recording stopped before the track was offered'));
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      this.awaitingCodec.push(wake);
    });
  }

  private wakeRecordings(): void {
    const waiting = this.awaitingCodec;
    this.awaitingCodec = [];
    for (const wake of waiting) wake();
  }

  removeSink(sink: SfuRecordingSink): void {
    this.sinks = this.sinks.filter((s) => s !== sink);
  }

  addConsumer(consumer: SfuConsumer): void {
    this.consumers = [...this.consumers, consumer];
    this.fanout?.setConsumers(this.consumers);
  }

  removeConsumer(consumer: SfuConsumer): void {
    this.consumers = this.consumers.filter((c) => c !== consumer);
    this.fanout?.setConsumers(this.consumers);
  }

  /** The publisher's (re)applied offer describes our m-section so. */
  bind(stream: PublishStream, extensions: PublishExtensionIds): void {
    if (this.currentClosed) return;
    const codecChanged = this.codec !== undefined && this.codec !== stream.codec;
    this.codec = stream.codec;
    this.payloadType = stream.payloadType;
    this.rtxPayloadType = stream.rtxPayloadType;
    this.clockRate = stream.clockRate;
    this.usesFir = stream.fir && !stream.pli;
    this.audioLevelId = this.kind === 'audio' ? extensions.audioLevel : 0;
    this.transportCcId = extensions.transportCc;
    this.nackNegotiated = this.kind === 'video' && stream.nack;
    const rids = stream.layers.length > 1 ? stream.layers.map((l) => l.rid) : [''];
    if (rids.join(';') !== this.layers.map((l) => l.rid).join(';')) {
      this.layers = rids.map((rid, i) => this.newLayer(i, rid));
      this.dynacast = rids.length > 1 ? new Dynacast(rids.length, performance.now()) : null;
      const nowMs = performance.now();
      for (const layer of this.layers) layer.turnedOnAtMs = nowMs;
    }
    if (stream.layers.length > 1) {
      stream.layers.forEach((l, i) => {
        if (l.ssrc !== undefined) this.layers[i]!.setSsrc(l.ssrc);
        if (l.rtx !== undefined) this.layers[i]!.rtxSsrc = l.rtx;
      });
    } else {
      if (stream.ssrc !== undefined) this.layers[0]!.setSsrc(stream.ssrc);
      if (stream.rtxSsrc !== undefined) this.layers[0]!.rtxSsrc = stream.rtxSsrc;
    }
    for (const layer of this.layers) layer.renegotiated();
    for (const consumer of this.consumers) consumer.producerChanged(codecChanged);
    // A file holds one codec: its recording ends here (the owner may start a new one).
    if (codecChanged) for (const sink of this.sinks) void sink.stop();
    this.wakeRecordings();
    this.owner.streamsChanged();
  }

  /** The layer `rid` names ('' or undefined: the only one of a plain stream), or undefined. */
  layerByRid(rid: string | undefined): ProducerLayer | undefined {
    if (!this.simulcast) return this.layers[0];
    return rid === undefined ? undefined : this.layers.find((l) => l.rid === rid);
  }

  /** A packet of ours whose SSRC was not signalled (found through the mid and rid extensions). */
  learnSsrc(layer: ProducerLayer, ssrc: number, rtx: boolean): void {
    if (rtx) layer.rtxSsrc = ssrc;
    else layer.setSsrc(ssrc);
    this.owner.streamsChanged();
  }

  /** The packet path for a layer's media SSRC: `buf[0, len)` is unprotected RTP, header checked. */
  receive(layer: ProducerLayer, buf: Buffer, len: number, headerLength: number, nowMs: number): void {
    if (rtpPayloadType(buf) !== this.payloadType) return;
    this.ctx.counters.rtpPacketsReceived++;
    if (this.silence.heard(nowMs)) {
      for (const consumer of this.consumers) consumer.publisherReturned();
      this.requestKeyFrame(nowMs);
    }
    layer.stats!.onPacket(rtpSeq(buf), rtpTimestamp(buf), nowMs);
    layer.bitrate.add(len, nowMs);
    if (this.audioLevelId > 0) {
      const level = readAudioLevel(buf, this.audioLevelId);
      if (level >= 0) this.levels!.add(level);
    }
    this.handle(layer, buf, len, headerLength, len - rtpPaddingSize(buf, len), nowMs);
  }

  /** An RTX packet (a retransmission we asked for, or a padding probe): unwrapped in place. */
  receiveRtx(layer: ProducerLayer, buf: Buffer, len: number, headerLength: number, nowMs: number): void {
    if (rtpPayloadType(buf) !== this.rtxPayloadType || layer.ssrc < 0) return;
    const n = unwrapRtx(buf, len, layer.ssrc, this.payloadType);
    if (n < 0) return; // padding only: a bandwidth probe, nothing to forward
    this.ctx.counters.rtpPacketsReceived++;
    layer.stats!.onPacket(rtpSeq(buf), rtpTimestamp(buf), nowMs, true);
    this.handle(layer, buf, n, headerLength, n, nowMs);
  }

  /** A Sender Report about one of our layers' media SSRC. */
  onSenderReport(layer: ProducerLayer, report: SenderInfo, nowMs: number): void {
    const sr = layer.senderReport;
    sr.ssrc = report.ssrc;
    sr.ntpSeconds = report.ntpSeconds;
    sr.ntpFraction = report.ntpFraction;
    sr.rtpTimestamp = report.rtpTimestamp;
    sr.packetCount = report.packetCount;
    sr.octetCount = report.octetCount;
    layer.senderReports++;
    layer.stats?.onSenderReport(report.ntpSeconds, report.ntpFraction, nowMs);
    const consumers = this.consumers;
    for (let i = 0; i < consumers.length; i++) consumers[i]!.sendSenderReport(nowMs);
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.onSenderReport(layer.index, report, nowMs);
  }

  /**
   * Periodic (the transport's tick): dynacast. The layers some consumer needs (receives, switches
   * to, or has a tile drawn for: SfuConsumer.neededLayers) stay on, the others go off after a
   * delay; the publisher hears of each change.
   */
  tick(nowMs: number): void {
    const dynacast = this.dynacast;
    if (dynacast === null || this.currentClosed) return;
    let needed = 0;
    for (const consumer of this.consumers) needed |= consumer.neededLayers();
    for (const sink of this.sinks) needed |= sink.neededLayers();
    if (!dynacast.update(needed, nowMs)) return;
    const layers: SubscribedLayer[] = [];
    for (const layer of this.layers) {
      const on = dynacast.published[layer.index]!;
      if (on && layer.switchedOff) layer.turnedOnAtMs = nowMs;
      layer.switchedOff = !on;
      layers.push({ rid: layer.rid, active: on });
    }
    try {
      this.options.onSubscribedLayers?.(layers);
    } catch (err) {
      this.ctx.logger.error({ err, producer: this.id }, 'onSubscribedLayers threw');
    }
  }

  /** Each consumer's view of what layers cost and how tall they are, for its allocator. */
  layerBitrate(index: number, nowMs: number): number {
    return this.layers[index]?.bitrate.current(nowMs) ?? 0;
  }

  private handle(layer: ProducerLayer, buf: Buffer, len: number, headerLength: number, payloadEnd: number, nowMs: number): void {
    if (payloadEnd <= headerLength) return; // padding only: nothing for subscribers
    const cache = layer.cache;
    let keyFrame = false;
    if (cache !== null) {
      const seq = rtpSeq(buf);
      if (cache.lookup(seq, nowMs) >= 0) return; // a duplicate (a retransmission that crossed the original)
      keyFrame = this.codec === 'h264' ? isH264KeyFrame(buf, headerLength, payloadEnd) : isVp8KeyFrame(buf, headerLength, payloadEnd);
      if (keyFrame) {
        if (layer.keyFrames.awaitingKeyFrame) this.ctx.logger.debug({ producer: this.id, layer: layer.index }, 'key frame');
        layer.keyFrames.keyFrameReceived();
        if (this.codec === 'vp8') this.readPictureSize(layer, buf, headerLength, payloadEnd);
      }
      const nack = layer.nack;
      if (nack !== null) {
        const missing = nack.missing;
        if (nack.onPacket(seq, nowMs, keyFrame)) this.requestLayerKeyFrame(layer.index, nowMs);
        else if (nack.missing > missing) this.owner.sendNacks(this, layer, nowMs); // a new gap: ask at once
      }
      cache.store(buf, len, nowMs);
    }
    if (this.currentPaused) return;
    const payloadSize = payloadEnd - headerLength;
    const index = layer.index;
    if (this.fanout !== null) {
      this.fanout.forward(index, keyFrame, buf, len, headerLength, payloadSize, nowMs);
    } else {
      const consumers = this.consumers;
      for (let i = 0; i < consumers.length; i++) consumers[i]!.forward(index, keyFrame, buf, len, headerLength, payloadSize, nowMs);
    }
    // Recording sinks take every packet whichever path served the consumers.
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.forward(index, keyFrame, buf, len, headerLength, payloadSize, nowMs);
  }

  /** Only on key frames (a few per second at most): the picture size the allocator compares with tiles. */
  private readPictureSize(layer: ProducerLayer, buf: Buffer, headerLength: number, payloadEnd: number): void {
    const d = this.descriptor;
    if (!d.read(buf, headerLength, payloadEnd)) return;
    const height = vp8KeyFrameHeight(buf, d.payloadAt, payloadEnd);
    if (height === 0) return;
    layer.height = height;
    layer.width = vp8KeyFrameWidth(buf, d.payloadAt, payloadEnd);
  }

  private newLayer(index: number, rid: string): ProducerLayer {
    return new ProducerLayer(
      this,
      index,
      rid,
      this.kind === 'video',
      () => this.clockRate,
      () => this.nackNegotiated,
      this.encoderKeyFrames,
    );
  }
}
