import { MediaStreamTrack, RtpHeader } from 'werift';
import { random32, type SentStats, type SyntheticSource } from './SyntheticSource';
import { SyntheticVp8, type Vp8Options } from './SyntheticVp8';

/** One encoding: its rid, its share of the top layer's bitrate, and its picture size divisor. */
export interface SimulcastLayerSpec {
  rid: string;
  bitrate: number;
  scaleDown: number;
}

/** What the publisher tells the source once negotiated: where packets go, and the extension ids. */
export interface SimulcastSink {
  send(header: RtpHeader, payload: Buffer): void;
  mid: string;
  midId: number;
  ridId: number;
}

/** libwebrtc's encoder acts on at most one key frame request per this long. */
const ENCODER_KEY_FRAME_INTERVAL_MS = 300;

/**
 * A simulcast camera as browsers send one (rid simulcast, RFC 8853): several VP8 encodings of one
 * picture, each on its own SSRC, the first packets of each tagged with the mid and rid header
 * extensions, so the SFU learns which SSRC is which layer. Layers can be switched off and on
 * (dynacast), like `encodings[i].active`.
 */
export class SimulcastVp8 implements SyntheticSource {
  readonly kind = 'video';
  /** Unused for sending (the layers send themselves), kept for the transceiver. */
  readonly track = new MediaStreamTrack({ kind: 'video' });
  payloadType: number | undefined;
  readonly layers: { spec: SimulcastLayerSpec; ssrc: number; encoder: SyntheticVp8; active: boolean; acknowledged: boolean }[];
  private sink: SimulcastSink | null = null;
  private running = false;
  private lastLayerRequestMs = -Infinity;

  constructor(specs: readonly SimulcastLayerSpec[], options: Vp8Options = {}) {
    const width = options.width ?? 1280;
    const height = options.height ?? 720;
    this.layers = specs.map((spec) => {
      const layer = { spec, ssrc: random32(), encoder: undefined as unknown as SyntheticVp8, active: true, acknowledged: false };
      layer.encoder = new SyntheticVp8({
        ...options,
        bitrate: spec.bitrate,
        width: Math.round(width / spec.scaleDown),
        height: Math.round(height / spec.scaleDown),
        onPacket: (header, payload) => this.send(layer, header, payload),
      });
      return layer;
    });
  }

  /** The contract's camera layers for a top layer of `bitrate`: q (1/4 size), h (1/2), f. */
  static camera(bitrate = 1_500_000, options: Vp8Options = {}): SimulcastVp8 {
    return new SimulcastVp8(
      [
        { rid: 'q', bitrate: Math.round(bitrate / 10), scaleDown: 4 },
        { rid: 'h', bitrate: Math.round(bitrate / 3), scaleDown: 2 },
        { rid: 'f', bitrate, scaleDown: 1 },
      ],
      options,
    );
  }

  get rids(): string[] {
    return this.layers.map((l) => l.spec.rid);
  }

  get sent(): SentStats {
    const total: SentStats = { packets: 0, bytes: 0, frames: 0, keyFrames: 0 };
    for (const { encoder } of this.layers) {
      total.packets += encoder.sent.packets;
      total.bytes += encoder.sent.bytes;
      total.frames += encoder.sent.frames;
      total.keyFrames += encoder.sent.keyFrames;
    }
    return total;
  }

  attach(sink: SimulcastSink): void {
    this.sink = sink;
  }

  start(): void {
    this.running = true;
    for (const layer of this.layers) if (layer.active) layer.encoder.start();
  }

  stop(): void {
    this.running = false;
    for (const layer of this.layers) layer.encoder.stop();
  }

  requestKeyFrame(): void {
    for (const layer of this.layers) layer.encoder.requestKeyFrame();
  }

  /**
   * PLI for one layer's SSRC, taken as libwebrtc's encoder takes it: a key frame on every layer,
   * and other requests within 300 ms of the last one it acted on dropped (kMinKeyframeSendIntervalMs).
   */
  requestLayerKeyFrame(ssrc: number, nowMs = performance.now()): void {
    if (!this.layers.some((l) => l.ssrc === ssrc) || nowMs - this.lastLayerRequestMs < ENCODER_KEY_FRAME_INTERVAL_MS) return;
    this.lastLayerRequestMs = nowMs;
    this.requestKeyFrame();
  }

  /**
   * A receiver report about `ssrc` arrived: the SFU knows that stream, so its packets stop carrying
   * mid and rid (libwebrtc does the same).
   */
  acknowledge(ssrc: number): void {
    const layer = this.layers.find((l) => l.ssrc === ssrc);
    if (layer) layer.acknowledged = true;
  }

  /** Dynacast (`subscribed_layers`): an inactive layer sends nothing; back on, it starts with a key frame. */
  setActive(rid: string, active: boolean): void {
    const layer = this.layers.find((l) => l.spec.rid === rid);
    if (!layer || layer.active === active) return;
    layer.active = active;
    if (!this.running) return;
    if (active) {
      layer.encoder.requestKeyFrame();
      layer.encoder.start();
    } else {
      layer.encoder.stop();
    }
  }

  private send(layer: SimulcastVp8['layers'][number], header: RtpHeader, payload: Buffer): void {
    const sink = this.sink;
    if (!sink) return;
    header.ssrc = layer.ssrc;
    header.payloadType = this.payloadType ?? header.payloadType;
    if (!layer.acknowledged && sink.midId > 0 && sink.ridId > 0) {
      header.extension = true;
      header.extensionProfile = 0xbede;
      header.extensions = [
        { id: sink.midId, payload: Buffer.from(sink.mid) },
        { id: sink.ridId, payload: Buffer.from(layer.spec.rid) },
      ];
    }
    sink.send(header, payload);
  }
}
