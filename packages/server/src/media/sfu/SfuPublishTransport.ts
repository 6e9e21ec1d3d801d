import {
  compactNtp,
  newReportBlock,
  newSenderInfo,
  readSdesItem,
  readSenderInfo,
  readTransportCcSeq,
  RtcpCursor,
  RtcpType,
  rtpCheck,
  rtpPayloadType,
  rtpSsrc,
  TwccRecorder,
  writeFir,
  writeNack,
  writePli,
  writeReceiverReport,
  type ReportBlock,
} from '@confab/wire';
import { MediaError, errorMessage } from '../errors';
import { validateSdp } from '../sdp';
import type { Producer, ProducerOptions, TransportOptions } from '../types';
import type { PacketArrival } from './net/index';
import type { SfuContext } from './SfuContext';
import { SenderClock } from '../recording/TrackClock';
import { SfuProducer, type ProducerOwner } from './SfuProducer';
import type { ProducerLayer } from './simulcast/ProducerLayer';
import { SfuTransport, type TransportOwner } from './SfuTransport';
import { ntpTime, type NtpTime } from './rtcp/ntpTime';
import { roundTripFromDlrr, RTCP_XR, writeRrtr } from './rtcp/extendedReports';
import { parseSdp } from './sdp/parseSdp';
import { writePublishAnswer } from './sdp/publishAnswer';
import { negotiatePublishOffer, type PublishExtensionIds, type PublishStream } from './sdp/publishOffer';
import { readRemoteTransport } from './sdp/remoteTransport';

/** Transport-wide congestion control feedback this often (libwebrtc's receivers send every 50-250 ms). */
const TWCC_INTERVAL_MS = 50;
/** Receiver reports (with our RRTR) this often. */
const REPORT_INTERVAL_MS = 1000;
/** NACK retries wait this long until the publisher's round-trip time is known. */
const DEFAULT_RTT_MS = 100;
/** Report blocks in one receiver report (the 5-bit count); a publisher sends a handful of streams. */
const MAX_REPORT_BLOCKS = 31;

/**
 * The client offers what it sends; we answer recvonly and turn declared mids into producers.
 * What goes back to the publisher is ours: TWCC feedback for its bandwidth estimator, receiver
 * reports (with an RRTR for our round-trip time to it), NACKs spaced by that round-trip time,
 * and key frame requests, merged across all subscribers.
 */
export class SfuPublishTransport extends SfuTransport implements ProducerOwner {
  /** Producers by mid, and the layers with a known SSRC (with their producers) for the packet path's lookup. */
  private readonly producers = new Map<string, SfuProducer>();
  private receiving: ProducerLayer[] = [];
  private receivingProducers: SfuProducer[] = [];
  /** The last offer's streams by mid, and its extension ids. */
  private streams = new Map<string, PublishStream>();
  private extensionIds: PublishExtensionIds = { mid: 0, absSendTime: 0, transportCc: 0, audioLevel: 0, rid: 0, repairedRid: 0 };
  private remoteUfrag: string | undefined = undefined;
  /** Our SSRC as the sender of RTCP to the publisher. */
  private readonly rtcpSsrc: number;
  /** The publisher's capture clock, shared by the recordings of its tracks. */
  readonly senderClock = new SenderClock();
  private readonly twcc = new TwccRecorder();
  private lastTwccMs = 0;
  private lastReportMs = 0;
  private rttMs = DEFAULT_RTT_MS;
  private rttMeasured = false;
  /** Packets received on every stream when we last reported stats (per-interval counts). */
  private packetsReported = 0;
  private readonly cursor = new RtcpCursor();
  private readonly senderInfo = newSenderInfo();
  private readonly nackSeqs = new Uint16Array(128);
  private readonly ntp: NtpTime = { seconds: 0, fraction: 0 };

  constructor(owner: TransportOwner, ctx: SfuContext, options: TransportOptions) {
    super(owner, ctx, options);
    this.rtcpSsrc = ctx.ssrcs.allocate();
  }

  override async applyOffer(sdp: string): Promise<void> {
    validateSdp(sdp, 'offer');
    return this.serial(async () => {
      this.assertOpen();
      let negotiation;
      let remote;
      try {
        const parsed = parseSdp(sdp);
        remote = readRemoteTransport(parsed);
        if (remote.setup === 'passive') throw new Error('we are the DTLS server: the offer cannot be a=setup:passive');
        negotiation = negotiatePublishOffer(parsed);
      } catch (err) {
        throw MediaError.invalidArgument(`offer rejected: ${errorMessage(err)}`, err);
      }
      if (this.ice === null) this.openIce(remote);
      else if (remote.usernameFragment !== this.remoteUfrag) this.ice.restartIce(remote);
      else this.ice.setRemoteParameters(remote);
      this.remoteUfrag = remote.usernameFragment;
      this.streams = new Map(negotiation.sections.flatMap((s) => (s.stream ? [[s.stream.mid, s.stream] as const] : [])));
      this.extensionIds = negotiation.extensionIds;
      // Producers declared earlier go live now (or follow the publisher's changes).
      for (const producer of this.producers.values()) this.bind(producer);
      this.emit({ type: 'answer', sdp: writePublishAnswer(negotiation, this.ice!.localParameters, this.origin) });
      this.origin.version++;
    });
  }

  override produce(options: ProducerOptions): Producer {
    this.checkProduce(options, (mid) => this.producers.has(mid));
    const { id, kind, mid } = options;
    const stream = this.streams.get(mid);
    if (stream && stream.kind !== kind) throw MediaError.invalidArgument(`mid ${mid} is a ${stream.kind} m-line, not ${kind}`);
    this.owner.claimProducerId(id);
    const producer = new SfuProducer(options, this.label, this.ctx, this);
    this.producers.set(mid, producer);
    this.bind(producer); // the offer carrying this mid may already be applied
    return producer;
  }

  producerClosed(producer: SfuProducer): void {
    if (this.producers.get(producer.mid) === producer) this.producers.delete(producer.mid);
    this.owner.releaseProducerId(producer.id);
    this.streamsChanged();
  }

  /** The audio producers whose stream is known (the router reads their levels). */
  audioProducers(): readonly SfuProducer[] {
    return this.receivingProducers.filter((p) => p.kind === 'audio');
  }

  streamsChanged(): void {
    const producers = [...this.producers.values()].filter((p) => !p.closed);
    this.receivingProducers = producers;
    this.receiving = producers.flatMap((p) => p.layers.filter((l) => l.ssrc >= 0 || l.rtxSsrc >= 0));
  }

  sendKeyFrameRequest(producer: SfuProducer, layer: ProducerLayer): void {
    this.logger.debug({ transport: this.label, producer: producer.id, layer: layer.index, connected: this.connected, ssrc: layer.ssrc }, 'key frame request');
    if (!this.connected || layer.ssrc < 0) return;
    const slot = this.ctx.slots.take();
    const end = producer.usesFir
      ? writeFir(slot, 0, this.rtcpSsrc, layer.ssrc, layer.keyFrames.firSeqNr)
      : writePli(slot, 0, this.rtcpSsrc, layer.ssrc);
    this.sendRtcp(slot, end);
  }

  /**
   * First NACKs as soon as a gap shows, retries a round-trip time apart (NackGenerator). A packet
   * given up on (too many tries, too old: the publisher no longer has it) leaves every subscriber
   * stuck on the frame it belonged to, so a key frame is asked for at once rather than after each
   * subscriber's own timeout (Chrome waits 3 s).
   */
  sendNacks(producer: SfuProducer, layer: ProducerLayer, nowMs: number): void {
    const nack = layer.nack;
    if (!this.connected || nack === null) return;
    const missing = nack.missing;
    const count = nack.collect(nowMs, this.rttMs, this.nackSeqs);
    if (nack.missing < missing) producer.requestLayerKeyFrame(layer.index);
    if (count === 0) return;
    const slot = this.ctx.slots.take();
    this.sendRtcp(slot, writeNack(slot, 0, this.rtcpSsrc, layer.ssrc, this.nackSeqs, count));
  }

  tick(nowMs: number): void {
    if (!this.connected) return;
    if (this.twcc.pending && nowMs - this.lastTwccMs >= TWCC_INTERVAL_MS) {
      this.lastTwccMs = nowMs;
      this.sendTransportFeedback();
    }
    for (const layer of this.receiving) {
      const producer = layer.producer;
      if (layer.keyFrames.poll(nowMs)) this.sendKeyFrameRequest(producer, layer);
      if (layer.nack !== null && layer.nack.missing > 0) this.sendNacks(producer, layer, nowMs);
    }
    for (const producer of this.receivingProducers) producer.tick(nowMs);
    if (nowMs - this.lastReportMs >= REPORT_INTERVAL_MS) {
      this.lastReportMs = nowMs;
      this.sendReceiverReport(nowMs);
    }
  }

  protected override closeMedia(): void {
    for (const producer of [...this.producers.values()]) {
      if (producer.closeQuietly()) this.producerClosed(producer);
    }
    this.ctx.ssrcs.release(this.rtcpSsrc);
  }

  protected override onConnected(): void {
    this.sendReceiverReport(performance.now());
  }

  /**
   * The packet path: SRTP off in place, TWCC arrival, then the producer the SSRC belongs to.
   * Transport-cc gets the kernel's arrival time: the publisher's delay estimator reads the spacing
   * of those, and a busy thread reading a queue of packets at once would flatten it to zero.
   */
  protected override onRtp(packet: Buffer, received: number, arrival: PacketArrival): void {
    const srtp = this.srtp;
    if (srtp === null) return;
    const length = srtp.unprotectRtp(packet, received);
    if (length < 0) return;
    const headerLength = rtpCheck(packet, length);
    if (headerLength < 0) return;
    const nowMs = performance.now();
    const ssrc = rtpSsrc(packet);
    const twccId = this.extensionIds.transportCc;
    if (twccId > 0) {
      const seq = readTransportCcSeq(packet, twccId);
      if (seq >= 0) this.twcc.record(seq, arrival.arrivalMs * 1000, ssrc);
    }
    const layers = this.receiving;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      if (layer.ssrc === ssrc) return layer.producer.receive(layer, packet, length, headerLength, nowMs);
      if (layer.rtxSsrc === ssrc) return layer.producer.receiveRtx(layer, packet, length, headerLength, nowMs);
    }
    const learnt = this.learnSsrc(packet, ssrc);
    if (learnt === undefined) return;
    const producer = learnt.producer;
    if (learnt.ssrc === ssrc) producer.receive(learnt, packet, length, headerLength, nowMs);
    else producer.receiveRtx(learnt, packet, length, headerLength, nowMs);
  }

  protected override onRtcp(packet: Buffer, received: number): void {
    const srtp = this.srtp;
    if (srtp === null) return;
    const length = srtp.unprotectRtcp(packet, received);
    if (length < 0) return;
    const nowMs = performance.now();
    const cursor = this.cursor.reset(packet, length);
    while (cursor.next()) {
      if (cursor.type === RtcpType.SR) {
        if (!readSenderInfo(packet, cursor.offset, cursor.end, this.senderInfo)) continue;
        const ssrc = this.senderInfo.ssrc;
        const layer = this.receiving.find((l) => l.ssrc === ssrc);
        if (layer !== undefined) layer.producer.onSenderReport(layer, this.senderInfo, nowMs);
      } else if (cursor.type === RTCP_XR) {
        const now = ntpTime(nowMs, this.ntp);
        const rtt = roundTripFromDlrr(packet, cursor.offset, cursor.end, this.rtcpSsrc, compactNtp(now.seconds, now.fraction));
        if (rtt < 0) continue;
        // Smoothed like TCP's SRTT: one late report (our event loop was busy) must not stretch every NACK retry.
        this.rttMs = this.rttMeasured ? (7 * this.rttMs + rtt) / 8 : rtt;
        this.rttMeasured = true;
      }
    }
  }

  /**
   * A packet whose SSRC the offer did not signal: the mid extension (sent until we answer RTCP)
   * says which m-section it is, its payload type whether it is the RTX stream, and for simulcast
   * the rid (repaired-rid for RTX) extension which layer. Returns the layer the SSRC now has.
   */
  private learnSsrc(packet: Buffer, ssrc: number): ProducerLayer | undefined {
    const { mid: midId, rid: ridId, repairedRid: repairedRidId } = this.extensionIds;
    if (midId === 0) return undefined;
    const mid = readSdesItem(packet, midId);
    const producer = mid === undefined ? undefined : this.producers.get(mid);
    if (producer === undefined || producer.payloadType < 0 || producer.closed) return undefined;
    const rtx = rtpPayloadType(packet) === producer.rtxPayloadType;
    const ridExtension = rtx ? repairedRidId : ridId;
    const layer = producer.layerByRid(ridExtension === 0 ? undefined : readSdesItem(packet, ridExtension));
    if (layer === undefined) return undefined;
    if (rtx ? layer.rtxSsrc >= 0 : layer.ssrc >= 0) return undefined; // the signalled (or first learnt) one stays
    producer.learnSsrc(layer, ssrc, rtx);
    return layer;
  }

  /** Our link statistics for the owner: the worst stream's loss and jitter, our RTT to the publisher. */
  private reportStats(packetsTotal: number, lossFraction: number, jitterMs: number): void {
    const packets = Math.max(0, packetsTotal - this.packetsReported);
    this.packetsReported = packetsTotal;
    this.emitStats({
      lossFraction: packets > 0 ? lossFraction : -1,
      jitterMs,
      rttMs: this.rttMeasured ? this.rttMs : -1,
      packets,
      wantedBitrate: -1,
      availableBitrate: -1,
    });
  }

  private bind(producer: SfuProducer): void {
    const stream = this.streams.get(producer.mid);
    if (stream === undefined) return;
    if (stream.kind === producer.kind) producer.bind(stream, this.extensionIds);
    else this.logger.warn({ transport: this.label, mid: producer.mid }, 'publisher changed the kind of a produced mid');
  }

  private sendTransportFeedback(): void {
    while (this.twcc.pending) {
      const slot = this.ctx.slots.take();
      const end = this.twcc.buildFeedback(slot, 0, this.rtcpSsrc);
      if (end === 0) return;
      this.sendRtcp(slot, end);
    }
  }

  /** RR with a block per stream we receive, then XR with our RRTR (the publisher answers with DLRR). */
  private sendReceiverReport(nowMs: number): void {
    const blocks: ReportBlock[] = [];
    let packets = 0;
    let worstLoss = 0;
    let worstJitterMs = -1;
    for (const layer of this.receiving) {
      const stats = layer.stats;
      if (stats === null || !stats.active || blocks.length >= MAX_REPORT_BLOCKS) continue;
      const block = stats.report(nowMs, newReportBlock());
      blocks.push(block);
      packets += stats.packetsReceived;
      worstLoss = Math.max(worstLoss, block.fractionLost / 256);
      // Audio only: a video frame's packets share a timestamp, so video jitter is high on any link.
      const producer = layer.producer;
      if (producer.kind === 'audio' && producer.clockRate > 0) worstJitterMs = Math.max(worstJitterMs, (block.jitter * 1000) / producer.clockRate);
    }
    this.reportStats(packets, worstLoss, worstJitterMs);
    const slot = this.ctx.slots.take();
    const end = writeReceiverReport(slot, 0, this.rtcpSsrc, blocks);
    const now = ntpTime(nowMs, this.ntp);
    this.sendRtcp(slot, writeRrtr(slot, end, this.rtcpSsrc, now.seconds, now.fraction));
  }
}
