import { randomInt, randomUUID } from 'node:crypto';
import { OUTBOUND_STREAM_STATE, type OutboundRtpStream } from '@confab/srtp';
import { remapRtpExtensions, REWRITER_STATE, rtpCheck, rtpPaddingSize, RtpStreamRewriter, SenderReportTranslator, writeRtxPacket, writeSdes } from '@confab/wire';
import type { Consumer, ConsumeOptions, MediaKind, TrackSettings } from '../types';
import { tileLayer, VideoPriority, type AllocationTrack } from './allocation/allocate';
import { codecsOfKind, SUBSCRIBE_CODECS, type SubscribeCodec } from './codecs';
import { FANOUT_ROW, FanoutMode, NO_STREAM, ROW_STREAM_HIGHEST_SEQ } from './fanout/fanoutRow';
import type { SfuContext } from './SfuContext';
import type { SfuProducer } from './SfuProducer';
import type { AnsweredReceiver } from './sdp/subscribeAnswer';
import { LayerDecision, LayerSelector } from './simulcast/LayerSelector';
import { flowingLayerBelow, LAYER_START_GRACE_MS } from './simulcast/ProducerLayer';
import { switchTimestamp } from './simulcast/switchTimestamp';
import { VP8_STATE, Vp8PictureRewriter } from './simulcast/vp8';

/** A NACK for a packet older than this is not answered: the subscriber's decoder has moved on. */
const MAX_RETRANSMIT_AGE_MS = 1000;

/** What a consumer needs from its subscribe transport. */
export interface ConsumerOwner {
  readonly connected: boolean;
  /** The owner's send state in the native fan-out's registry (sendState.ts), -1: none. */
  readonly sendStateId: number;
  /**
   * Sends the RTP packet in `slot[0, length)` (with room for 8 more bytes: the transport-wide
   * number may be added) at `nowMs`; false if it could not. `paced` false: audio or a
   * retransmission, never held back behind queued video.
   */
  sendRtp(slot: Buffer, length: number, paced: boolean, nowMs: number): boolean;
  /** Protects and sends a packet the native fan-out already paced and numbered; the bytes that left, 0 if none. */
  protectAndSend(slot: Buffer, length: number): number;
  /** The SRTP stream our packets with `ssrc` are sealed in, null while there are no keys (or no more). */
  sendStream(ssrc: number): OutboundRtpStream | null;
  /** Drops the video of our stream `ssrc` still waiting to be paced out (its layer was stopped). */
  discardPaced(ssrc: number): void;
  /** Protects the RTCP packet in `slot[0, length)` and sends it. */
  sendRtcp(slot: Buffer, length: number): void;
  consumerClosed(consumer: SfuConsumer): void;
  renegotiate(): void;
  /** Something the allocation depends on changed (track settings): allocate again soon. */
  allocationChanged(): void;
}

/**
 * A producer forwarded to one subscriber on one sendonly m-section, under our own SSRC (and RTX
 * SSRC) and payload type. Each packet is copied into a fresh send slot, its header rewritten for
 * this subscriber (SSRC, sequence number and timestamp continuous across pauses and source
 * changes, payload type, extension ids), then protected and sent. The publisher's Sender Reports
 * are translated into this stream's timeline, and NACKs answered from the producer's cache.
 *
 * This is also the DownTrack: of a simulcast producer it sends one layer, the one its
 * LayerSelector holds, switching at the target layer's key frame (asked for with PLI to that
 * layer, again every half second while it does not come); sequence numbers, timestamps and VP8
 * picture ids continue across switches. The subscribe transport's allocator sets the target.
 */
export class SfuConsumer implements Consumer {
  readonly id = randomUUID();
  readonly producerId: string;
  readonly kind: MediaKind;
  ssrc: number;
  rtxSsrc: number;
  /** What the m-section offers; fixed once answered, so re-offers stay compatible. */
  codecs: readonly SubscribeCodec[] = [];
  /** Set once an answer covering this consumer's current offer has been applied. */
  negotiated = false;
  private currentPaused: boolean;
  private currentClosed = false;
  /** Our payload types the subscriber accepted, from the last answer. */
  private accepted: ReadonlySet<number> = new Set();
  private receiving = false;
  private audioLevelId = 0;
  private transportCcId = 0;
  /** Set while packets can go: negotiated, receiving, and the producer's codec accepted. */
  private rewriter: RtpStreamRewriter | null = null;
  private translator: SenderReportTranslator | null = null;
  private rtxPayloadType = -1;
  private rtxSeq = randomInt(0, 0x10000);
  /** Publisher extension id -> ours (0 drops the element). */
  private readonly extensionMap = new Uint8Array(16);
  /** The layer's senderReports when we last translated one of that layer's. */
  private senderReportsSent = 0;
  private senderReportLayer = -1;
  readonly selector: LayerSelector;
  /** VP8 of a simulcast producer: picture ids continuous across layer switches. */
  private vp8: Vp8PictureRewriter | null = null;
  /** The subscriber's tile; until told: visible, as large as the top layer. */
  private settings: TrackSettings = { visible: true, width: 0, height: 0 };
  /** This consumer as the allocator sees it; refreshed before each allocation. */
  readonly allocation: AllocationTrack;
  private pausedForBandwidth = false;
  /** The layer the tile is drawn for (allocation/allocate.ts tileLayer), -1: none. */
  private tileLayer = -1;
  /** Our row in the producer's native fan-out block (ProducerFanout), null without one. */
  private fanoutRows: Float64Array | null = null;
  private fanoutBase = 0;
  /** Our SRTP stream, whose state continues in our fan-out row while we have one. */
  private stream: OutboundRtpStream | null = null;

  constructor(
    readonly producer: SfuProducer,
    readonly mid: string,
    private readonly owner: ConsumerOwner,
    private readonly ctx: SfuContext,
    private readonly options: ConsumeOptions = {},
  ) {
    this.producerId = producer.id;
    this.kind = producer.kind;
    this.currentPaused = options.paused ?? false;
    this.ssrc = ctx.ssrcs.allocate();
    this.rtxSsrc = ctx.ssrcs.allocate();
    this.selector = new LayerSelector(() => this.producer.layers.length);
    // Audio and a plain stream flow at once; a simulcast layer is chosen by the first allocation.
    if (!producer.simulcast) this.selector.setTarget(0, performance.now());
    this.allocation = {
      kind: this.kind,
      priority: VideoPriority.Camera,
      visible: true,
      height: 0,
      layers: [],
      current: -1,
      target: -1,
      pausedForBandwidth: false,
      dropCurrent: false,
    };
    ctx.counters.consumers++;
  }

  get paused(): boolean {
    return this.currentPaused;
  }

  get closed(): boolean {
    return this.currentClosed;
  }

  /** The RTP clock rate of the stream we send (the producer's; 0 while unknown). */
  get clockRate(): number {
    return this.producer.clockRate;
  }

  /** Round-trip time in ms from the subscriber's report block about our stream (LSR, DLSR), or -1. */
  roundTripMs(lastSr: number, delaySinceLastSr: number, nowMs: number): number {
    return this.translator === null ? -1 : this.translator.roundTripMs(lastSr, delaySinceLastSr, nowMs);
  }

  /** Packets go out: answered, and the subscriber takes the producer's codec. */
  get sending(): boolean {
    return this.rewriter !== null;
  }

  /**
   * A key frame asked for now would reach the subscriber. Before its transport connects, one would
   * arrive while packets cannot go out, and take the publisher's request interval (500 ms) from the
   * request made at the connection (SfuSubscribeTransport.onConnected): a joiner's first picture
   * waited 200-600 ms after connecting for that.
   */
  private get keyFrameUseful(): boolean {
    return this.rewriter !== null && this.owner.connected;
  }

  pause(): void {
    if (!this.currentClosed) this.currentPaused = true;
    this.syncFanout();
  }

  resume(): void {
    if (this.currentClosed || !this.currentPaused) return;
    this.currentPaused = false;
    this.resync();
    this.syncFanout();
    this.requestKeyFrame();
  }

  /** The subscriber's transport connected or lost its path: packets go out only while connected. */
  connectionChanged(): void {
    this.syncFanout();
  }

  /**
   * The producer's fan-out block gives us `rows[base, base + FANOUT_ROW.stride)` (null: none any
   * more): our rewriters' state moves there, and the row says what we forward.
   */
  bindFanoutRow(rows: Float64Array | null, base: number): void {
    this.fanoutRows = rows;
    this.fanoutBase = base;
    if (rows === null) {
      this.rewriter?.moveState(new Float64Array(REWRITER_STATE.size), 0);
      this.vp8?.moveState(new Float64Array(VP8_STATE.size), 0);
      this.releaseStream();
      return;
    }
    this.rewriter?.moveState(rows, base + FANOUT_ROW.rewriter);
    this.vp8?.moveState(rows, base + FANOUT_ROW.vp8State);
    this.syncFanout();
  }

  /**
   * Writes what our row says after anything it depends on changed. The native core forwards only
   * what forward() would without a decision: sending, not paused, connected, one layer and no
   * switch waiting (then accept() forwards that layer and drops the others).
   */
  private syncFanout(): void {
    const rows = this.fanoutRows;
    if (rows === null) return;
    const b = this.fanoutBase;
    const selector = this.selector;
    const steady = !selector.switching && selector.fallback < 0;
    const native = this.rewriter !== null && !this.currentPaused && !this.currentClosed && this.owner.connected && steady;
    rows[b + FANOUT_ROW.mode] = native ? FanoutMode.Native : FanoutMode.Js;
    rows[b + FANOUT_ROW.layer] = selector.current;
    rows[b + FANOUT_ROW.vp8] = this.vp8 !== null ? 1 : 0;
    rows[b + FANOUT_ROW.sendState] = this.owner.sendStateId;
    rows[b + FANOUT_ROW.paced] = this.kind === 'video' ? 1 : 0;
    if (this.stream === null && !this.currentClosed) this.stream = this.owner.sendStream(this.ssrc);
    if (this.stream !== null) this.stream.moveState(rows, b + FANOUT_ROW.stream);
    else rows[b + ROW_STREAM_HIGHEST_SEQ] = NO_STREAM;
    const map = this.extensionMap;
    for (let i = 0; i < map.length; i++) rows[b + FANOUT_ROW.extensions + i] = map[i]!;
  }

  /** Our SRTP stream's state leaves the row: before the row is let go, or our SSRC (which another consumer may get). */
  private releaseStream(): void {
    if (this.stream === null) return;
    this.stream.moveState(new Float64Array(OUTBOUND_STREAM_STATE.size), 0);
    this.stream = null;
    if (this.fanoutRows !== null) this.fanoutRows[this.fanoutBase + ROW_STREAM_HIGHEST_SEQ] = NO_STREAM;
  }

  close(): void {
    if (this.closeQuietly()) this.owner.consumerClosed(this);
  }

  /** Stops forwarding without renegotiating (the transport is closing). False if already closed. */
  closeQuietly(): boolean {
    if (this.currentClosed) return false;
    this.currentClosed = true;
    this.rewriter = null;
    this.syncFanout();
    this.producer.removeConsumer(this);
    this.releaseStream();
    this.ctx.ssrcs.release(this.ssrc);
    this.ctx.ssrcs.release(this.rtxSsrc);
    this.ctx.counters.consumers--;
    return true;
  }

  /** The next packet continues our numbering instead of following the publisher's. */
  resync(): void {
    this.rewriter?.resync();
  }

  /** The publisher was silent (an outage) and sends again: video starts again at a key frame (LayerSelector.restartAtKeyFrame). */
  publisherReturned(): void {
    if (this.kind !== 'video' || this.currentClosed) return;
    this.selector.restartAtKeyFrame();
    this.syncFanout();
  }

  /** A subscriber lost the picture (PLI) or asks for a fresh start (FIR): the layer it gets (or waits for). */
  requestKeyFrame(): void {
    if (this.currentPaused || this.currentClosed) return;
    const selector = this.selector;
    const layer = selector.switching ? selector.target : selector.current;
    if (layer >= 0) this.producer.requestLayerKeyFrame(layer);
  }

  setTrackSettings(settings: TrackSettings): void {
    if (this.currentClosed || this.kind !== 'video') return;
    const s = this.settings;
    if (s.visible === settings.visible && s.width === settings.width && s.height === settings.height) return;
    this.settings = { visible: settings.visible, width: settings.width, height: settings.height };
    this.owner.allocationChanged();
  }

  /**
   * Dynacast: bit i set if this consumer receives layer i, is switching to it, or its tile is
   * drawn for it. The last keeps a layer on while the subscriber cannot afford it (it climbs back
   * as soon as it can) and while the publisher cannot send it: a publisher's uplink that cannot
   * carry f makes f stop arriving, so nobody targets it; were it switched off for that, it would
   * count as available again, be asked for, come on, not arrive, and go off again every few
   * seconds. The publisher's own encoder drops what its uplink cannot carry (LiveKit, too, keeps
   * on what subscribers' tiles want).
   * A consumer that needs any layer also needs the lowest: it is what a subscriber whose link
   * suddenly narrows falls to, one key frame away rather than a round trip to the publisher's
   * encoder (measured under a 400 kbit/s cap: 180p after 1.2 s when it was off, 0.6 s when on).
   * It is the cheapest layer; a publisher nobody watches still sends nothing.
   */
  neededLayers(): number {
    if (this.currentClosed || this.currentPaused) return 0;
    const { current, target } = this.selector;
    const tile = this.tileLayer;
    const needed = (current >= 0 ? 1 << current : 0) | (target >= 0 ? 1 << target : 0) | (tile >= 0 ? 1 << tile : 0);
    return needed === 0 ? 0 : needed | 1;
  }

  /** Refreshes `allocation` from the producer's layers and the tile, before the allocator runs. */
  prepareAllocation(activeSpeaker: string | null, nowMs: number): void {
    const a = this.allocation;
    const producer = this.producer;
    a.priority = producer.source === 'screen' ? VideoPriority.Screen : activeSpeaker !== null && producer.label === activeSpeaker ? VideoPriority.Speaker : VideoPriority.Camera;
    a.visible = this.settings.visible;
    a.height = this.settings.height;
    a.current = this.selector.current;
    const layers = producer.layers;
    while (a.layers.length > layers.length) a.layers.pop();
    while (a.layers.length < layers.length) a.layers.push({ height: 0, bitrate: 0, steadyBitrate: 0, available: false, flowing: false });
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      const out = a.layers[i]!;
      out.height = layer.height;
      out.bitrate = layer.bitrate.current(nowMs);
      out.steadyBitrate = layer.bitrate.currentSteady(nowMs);
      out.available = layers.length === 1 || layer.available(nowMs, LAYER_START_GRACE_MS);
      out.flowing = layer.bitrate.active(nowMs);
    }
    this.tileLayer = producer.simulcast ? tileLayer(a) : -1;
  }

  /** The allocator's result: switch (at the next key frame), stop, and tell the subscriber of a pause for bandwidth. */
  applyAllocation(nowMs: number): void {
    if (this.currentClosed) return;
    const a = this.allocation;
    const wasCurrent = this.selector.current;
    const selector = this.selector;
    if (selector.setTarget(a.target, nowMs)) {
      if (!this.producer.simulcast && wasCurrent < 0 && selector.current >= 0) this.resync();
      if (a.target >= 0 && this.keyFrameUseful) this.producer.requestLayerKeyFrame(a.target, nowMs);
      if (this.producer.simulcast) {
        this.ctx.logger.debug({ consumer: this.id, target: a.target, from: wasCurrent, drop: a.dropCurrent, paused: a.pausedForBandwidth, layersBps: a.layers.map((l) => Math.round(l.bitrate)) }, 'layer target');
      }
    }
    if (a.dropCurrent && selector.current >= 0 && selector.current !== selector.target) {
      selector.stopCurrent();
      this.owner.discardPaced(this.ssrc);
    }
    selector.fallback = this.producer.simulcast && selector.current < 0 ? flowingLayerBelow(this.producer.layers, a.target, nowMs) : -1;
    this.syncFanout();
    if (selector.fallback >= 0 && this.keyFrameUseful) this.producer.requestLayerKeyFrame(selector.fallback, nowMs);
    if (a.pausedForBandwidth !== this.pausedForBandwidth) {
      this.pausedForBandwidth = a.pausedForBandwidth;
      try {
        this.options.onStreamState?.(a.pausedForBandwidth ? { state: 'paused', reason: 'bandwidth' } : { state: 'active' });
      } catch (err) {
        this.ctx.logger.error({ err, consumer: this.id }, 'onStreamState threw');
      }
    }
  }

  /** Periodic: a switch still waiting for its key frame asks again (the producer spaces the requests). */
  tick(nowMs: number): void {
    const selector = this.selector;
    if (!selector.switching || !this.keyFrameUseful || this.currentPaused || this.currentClosed) return;
    this.producer.requestLayerKeyFrame(selector.target, nowMs);
    if (selector.current < 0 && selector.fallback >= 0) this.producer.requestLayerKeyFrame(selector.fallback, nowMs);
  }

  /** The highest layer below `target` that packets arrive on now (-1: none). */
  /** Before an offer: the codecs this m-section offers (the producer's, or every one of the kind while unknown). */
  prepareOffer(): void {
    if (this.negotiated) return;
    const codec = this.producer.codec;
    this.codecs = codec !== undefined ? [SUBSCRIBE_CODECS[codec]] : codecsOfKind(this.kind).map((name) => SUBSCRIBE_CODECS[name]);
  }

  /** The subscriber's answer for our m-section (undefined: it has none, i.e. not accepted). */
  negotiate(answer: AnsweredReceiver | undefined): void {
    this.negotiated = true;
    this.receiving = answer?.receiving ?? false;
    this.accepted = answer?.payloadTypes ?? new Set();
    this.audioLevelId = answer?.audioLevelId ?? 0;
    this.transportCcId = answer?.transportCcId ?? 0;
    this.startStream();
  }

  /** The publisher (re)negotiated: new extension ids, maybe a new codec (then a new stream for us). */
  producerChanged(codecChanged: boolean): void {
    if (this.currentClosed) return;
    if (codecChanged) {
      // Another codec on the same SSRC would need the subscriber to switch decoders mid-stream;
      // a new SSRC pair in a new offer is a clean start.
      this.rewriter = null;
      this.syncFanout();
      this.releaseStream();
      this.ctx.ssrcs.release(this.ssrc);
      this.ctx.ssrcs.release(this.rtxSsrc);
      this.ssrc = this.ctx.ssrcs.allocate();
      this.rtxSsrc = this.ctx.ssrcs.allocate();
      this.negotiated = false;
      this.owner.renegotiate();
      return;
    }
    this.selector.clamp();
    if (!this.producer.simulcast && this.selector.target < 0 && this.settings.visible) this.selector.setTarget(0, performance.now());
    this.syncFanout();
    this.owner.allocationChanged();
    if (this.negotiated) this.startStream();
  }

  /**
   * The packet path, once per packet per subscriber: `buf[0, len)` is the publisher's RTP of
   * layer `layer`, its payload `[headerLength, headerLength + payloadSize)`; `keyFrame` if it
   * starts a key frame.
   */
  forward(layer: number, keyFrame: boolean, buf: Buffer, len: number, headerLength: number, payloadSize: number, nowMs: number): void {
    const rewriter = this.rewriter;
    if (rewriter === null || this.currentPaused || !this.owner.connected) return;
    const decision = this.selector.accept(layer, keyFrame);
    if (decision === LayerDecision.Drop) return;
    const slots = this.ctx.slots;
    if (len + 32 > slots.slotSize) return;
    const slot = slots.take();
    buf.copy(slot, 0, 0, len);
    const vp8 = this.vp8;
    if (decision === LayerDecision.Switch) {
      rewriter.resync(switchTimestamp(this.producer.layers, rewriter, layer, slot, this.producer.clockRate));
      vp8?.switchSource();
      this.syncFanout();
    }
    if (!rewriter.rewrite(slot, payloadSize, nowMs)) return;
    if (vp8 !== null) vp8.rewrite(slot, headerLength, headerLength + payloadSize);
    if ((slot[0]! & 0x10) !== 0) remapRtpExtensions(slot, this.extensionMap);
    this.sendRewritten(slot, len, nowMs);
  }

  /** Sends our rewritten copy of a packet in `slot[0, length)` (from forward(), or the native fan-out's). */
  sendRewritten(slot: Buffer, length: number, nowMs: number): void {
    if (this.owner.sendRtp(slot, length, this.kind === 'video', nowMs)) this.counted(length);
  }

  /** Sends our copy of a packet that the native fan-out also paced and numbered (its row's send state). */
  sendTaken(slot: Buffer, length: number): void {
    if (this.owner.protectAndSend(slot, length) > 0) this.counted(length);
  }

  private counted(length: number): void {
    const counters = this.ctx.counters;
    counters.rtpPacketsForwarded++;
    counters.rtpBytesForwarded += length;
  }

  /** The subscriber NACKed `seq` (our numbering): resend it from the producer's cache, as RTX if negotiated. */
  retransmit(seq: number, nowMs: number): void {
    const rewriter = this.rewriter;
    const cache = this.producer.layers[this.selector.current]?.cache ?? null;
    if (rewriter === null || cache === null || !this.owner.connected) return;
    const sourceSeq = rewriter.sourceSeq(seq);
    if (sourceSeq < 0) return;
    const len = cache.lookup(sourceSeq, nowMs, MAX_RETRANSMIT_AGE_MS);
    if (len < 0) return;
    const slots = this.ctx.slots;
    const packet = slots.take();
    cache.slot(sourceSeq).copy(packet, 0, 0, len);
    if (!rewriter.rewriteRetransmission(packet)) return;
    if (this.vp8 !== null) {
      const headerLength = rtpCheck(packet, len);
      if (headerLength > 0) this.vp8.rewriteRetransmission(packet, headerLength, len - rtpPaddingSize(packet, len));
    }
    if ((packet[0]! & 0x10) !== 0) remapRtpExtensions(packet, this.extensionMap);
    if (this.rtxPayloadType < 0) {
      this.owner.sendRtp(packet, len, false, nowMs);
      return;
    }
    const rtx = slots.take();
    const n = writeRtxPacket(packet, len, rtx, this.rtxSsrc, this.rtxPayloadType, this.rtxSeq);
    this.rtxSeq = (this.rtxSeq + 1) & 0xffff;
    if (n > 0) this.owner.sendRtp(rtx, n, false, nowMs);
  }

  /** A padding-only RTX packet (probing) with `padding` (1-255) bytes of padding; 0 when this stream has no RTX. */
  writePadding(slot: Buffer, padding: number): number {
    if (this.rtxPayloadType < 0 || this.rewriter === null || this.currentPaused) return 0;
    slot[0] = 0xa0; // V=2, P
    slot[1] = this.rtxPayloadType;
    slot.writeUInt16BE(this.rtxSeq, 2);
    this.rtxSeq = (this.rtxSeq + 1) & 0xffff;
    slot.writeUInt32BE(0, 4);
    slot.writeUInt32BE(this.rtxSsrc >>> 0, 8);
    slot.fill(0, 12, 12 + padding - 1);
    slot[12 + padding - 1] = padding;
    return 12 + padding;
  }

  /** Translates the producer's latest Sender Report for our stream, once per report. */
  sendSenderReport(nowMs: number): void {
    const translator = this.translator;
    const producer = this.producer;
    const layer = producer.layers[this.selector.current];
    if (translator === null || layer === undefined || !this.owner.connected) return;
    if (layer.index === this.senderReportLayer && layer.senderReports === this.senderReportsSent) return;
    const slot = this.ctx.slots.take();
    const end = translator.translate(layer.senderReport, slot, 0, nowMs);
    if (end === 0) return; // about another source than the one we forward now
    this.senderReportsSent = layer.senderReports;
    this.senderReportLayer = layer.index;
    this.owner.sendRtcp(slot, writeSdes(slot, end, [{ ssrc: this.ssrc, cname: producer.streamId }]));
  }

  /** (Re)starts the outgoing stream if the answer accepted the producer's codec; else asks for a new offer. */
  private startStream(): void {
    const producerCodec = this.producer.codec;
    if (!this.receiving || producerCodec === undefined) {
      this.rewriter = null;
      this.syncFanout();
      return;
    }
    const codec = SUBSCRIBE_CODECS[producerCodec];
    if (!this.accepted.has(codec.payloadType)) {
      this.rewriter = null;
      this.syncFanout();
      // Offered before the producer's codec was known: offer that one alone. If it was offered
      // and refused, the subscriber cannot decode this producer; it gets nothing.
      if (!this.codecs.includes(codec)) {
        this.negotiated = false;
        this.owner.renegotiate();
      }
      return;
    }
    if (this.rewriter === null || this.rewriter.payloadType !== codec.payloadType) {
      this.rewriter = new RtpStreamRewriter(this.ssrc, codec.payloadType, codec.clockRate);
      this.translator = new SenderReportTranslator(this.rewriter);
      this.senderReportsSent = 0;
      this.senderReportLayer = -1;
      if (this.fanoutRows !== null) this.rewriter.moveState(this.fanoutRows, this.fanoutBase + FANOUT_ROW.rewriter);
    }
    if (producerCodec === 'vp8' && this.producer.simulcast) {
      if (this.vp8 === null) {
        this.vp8 = new Vp8PictureRewriter();
        if (this.fanoutRows !== null) this.vp8.moveState(this.fanoutRows, this.fanoutBase + FANOUT_ROW.vp8State);
      }
    } else {
      this.vp8 = null;
    }
    this.rtxPayloadType = codec.rtxPayloadType >= 0 && this.accepted.has(codec.rtxPayloadType) ? codec.rtxPayloadType : -1;
    this.extensionMap.fill(0);
    if (this.producer.audioLevelId > 0 && this.audioLevelId > 0) this.extensionMap[this.producer.audioLevelId] = this.audioLevelId;
    // The publisher's transport-wide number is kept in place, under our id, and overwritten with ours on the way out.
    if (this.producer.transportCcId > 0 && this.transportCcId > 0) this.extensionMap[this.producer.transportCcId] = this.transportCcId;
    this.syncFanout();
  }
}
