import { randomInt } from 'node:crypto';
import { newSenderInfo, RtpStreamRewriter, type SenderInfo } from '@confab/wire';
import type { TrackRecorder } from '../recording/TrackRecorder';
import type { TrackRecording, TrackRecordingResult } from '../types';
import type { SfuContext } from './SfuContext';
import type { SfuProducer } from './SfuProducer';
import { LayerDecision, LayerSelector } from './simulcast/LayerSelector';
import { flowingLayerBelow, LAYER_START_GRACE_MS } from './simulcast/ProducerLayer';
import { switchTimestamp } from './simulcast/switchTimestamp';
import { Vp8PictureRewriter } from './simulcast/vp8';

/** Largest RTP packet the sink copies (the engine's packets fit in a UDP datagram). */
const MAX_PACKET = 1600;

/**
 * A producer's track going to a recorder, in the media worker, beside its consumers: it receives
 * the packets the producer forwards and, like a consumer, takes one simulcast layer (the highest
 * that flows; switching at that layer's key frame) with the consumer's own machinery
 * (LayerSelector, RtpStreamRewriter, VP8 picture ids, Sender Report mapping at switches), so the
 * recorder sees one stream with continuous sequence numbers and timestamps, whatever layer
 * switches or pauses happen underneath. Its layer counts for dynacast like a subscriber's.
 *
 * A pause of the producer is not smoothed over as a consumer does (resync): the source's own
 * timestamps go on, so the recorder places what follows by its capture time, and the sequence
 * numbers skip what was not forwarded, so it waits for a key frame, as after a loss.
 *
 * Packet times become common-clock times here (the worker's performance.now() plus its time
 * origin: epoch ms, comparable across workers and the main thread).
 */
export class SfuRecordingSink implements TrackRecording {
  readonly file: string;
  private readonly selector: LayerSelector;
  private readonly rewriter: RtpStreamRewriter;
  private readonly vp8: Vp8PictureRewriter | null;
  private readonly slot = Buffer.alloc(MAX_PACKET);
  /** The publisher's Sender Report in our stream's timeline, for the recorder. */
  private readonly report: SenderInfo = newSenderInfo();
  private stopping: Promise<TrackRecordingResult> | null = null;

  constructor(
    private readonly producer: SfuProducer,
    private readonly recorder: TrackRecorder,
    private readonly ctx: SfuContext,
  ) {
    this.file = recorder.file;
    this.selector = new LayerSelector(() => producer.layers.length);
    this.rewriter = new RtpStreamRewriter(randomInt(1, 0xffffffff), producer.payloadType, producer.clockRate);
    this.vp8 = producer.codec === 'vp8' && producer.simulcast ? new Vp8PictureRewriter() : null;
    this.chooseLayer(performance.now());
    ctx.ticker.add(this);
  }

  /** The packet path (SfuProducer.handle), as SfuConsumer.forward: `keyFrame` if it starts one. */
  forward(layer: number, keyFrame: boolean, buf: Buffer, len: number, headerLength: number, payloadSize: number, nowMs: number): void {
    let decision = this.selector.accept(layer, keyFrame);
    if (decision === LayerDecision.Drop && keyFrame && this.betterMeanwhile(layer, nowMs)) {
      this.selector.current = layer;
      decision = LayerDecision.Switch;
    }
    if (decision === LayerDecision.Drop || len > MAX_PACKET) return;
    const slot = this.slot;
    buf.copy(slot, 0, 0, len);
    const rewriter = this.rewriter;
    if (decision === LayerDecision.Switch) {
      rewriter.resync(switchTimestamp(this.producer.layers, rewriter, layer, slot, this.producer.clockRate));
      this.vp8?.switchSource();
    }
    if (!rewriter.rewrite(slot, payloadSize, nowMs)) return;
    this.vp8?.rewrite(slot, headerLength, headerLength + payloadSize);
    this.recorder.receive(slot, len, performance.timeOrigin + nowMs);
  }

  /** A Sender Report of one of the producer's layers: passed on if it is about the layer we record. */
  onSenderReport(layer: number, report: SenderInfo, nowMs: number): void {
    if (layer !== this.selector.current || this.rewriter.currentSourceSsrc !== report.ssrc) return;
    const out = this.report;
    out.ssrc = this.rewriter.ssrc;
    out.ntpSeconds = report.ntpSeconds;
    out.ntpFraction = report.ntpFraction;
    out.rtpTimestamp = (report.rtpTimestamp + this.rewriter.timestampOffset) >>> 0;
    this.recorder.onSenderReport(out, performance.timeOrigin + nowMs);
  }

  /** Dynacast: the layer we record and the one we switch to stay on at the publisher. */
  neededLayers(): number {
    if (this.stopping !== null) return 0;
    const { current, target } = this.selector;
    return (current >= 0 ? 1 << current : 0) | (target >= 0 ? 1 << target : 0);
  }

  /** The engine's ticker: the layer choice, key frame requests for a switch, and the recorder's timers. */
  tick(nowMs: number): void {
    this.chooseLayer(nowMs);
    this.recorder.tick(performance.timeOrigin + nowMs);
  }

  /** The recorder wants a key frame: of the layer it gets, or the one it waits for. */
  requestKeyFrame(): void {
    const selector = this.selector;
    const layer = selector.switching ? selector.target : selector.current;
    if (layer >= 0) this.producer.requestLayerKeyFrame(layer);
  }

  stop(): Promise<TrackRecordingResult> {
    if (this.stopping === null) {
      this.ctx.ticker.delete(this);
      this.producer.removeSink(this);
      this.stopping = this.recorder.stop();
      // What an operator (or a failed test) needs to see why a file starts where it does.
      this.stopping.then(
        ({ file, frames, framesDropped, packetsLost, keyFrameRequests }) => {
          const startByReports = this.recorder.startByReports;
          this.ctx.logger.info({ file, frames, framesDropped, packetsLost, keyFrameRequests, startByReports }, 'track recording finished');
        },
        () => {},
      );
    }
    return this.stopping;
  }

  /**
   * The highest layer available: flowing, or off only because dynacast switched it off (our
   * neededLayers() turns it back on). A simulcast publisher whose uplink narrows stops its top
   * layers; the recording follows down and back up. A plain stream has one layer.
   */
  private chooseLayer(nowMs: number): void {
    const layers = this.producer.layers;
    let target = layers.length - 1;
    while (target > 0 && !layers[target]!.available(nowMs, LAYER_START_GRACE_MS)) target--;
    const selector = this.selector;
    if (selector.setTarget(target, nowMs) || selector.switching) this.producer.requestLayerKeyFrame(target, nowMs);
    if (target > 0 && !layers[target]!.bitrate.active(nowMs)) {
      const meanwhile = flowingLayerBelow(layers, target, nowMs);
      if (meanwhile > selector.current) this.producer.requestLayerKeyFrame(meanwhile, nowMs);
    }
  }

  /**
   * A target that is only expected (a top layer in its start grace, which a 640x480 camera never
   * sends) would leave the file empty for seconds: meanwhile any better layer below it is taken at
   * its key frame (the first ones come together at the start; later ones are asked for in chooseLayer).
   */
  private betterMeanwhile(layer: number, nowMs: number): boolean {
    const { current, target } = this.selector;
    return layer > current && layer < target && !this.producer.layers[target]!.bitrate.active(nowMs);
  }
}
