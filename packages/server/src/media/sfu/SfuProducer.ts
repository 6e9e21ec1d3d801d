import {
  isH264KeyFrame,
  isVp8KeyFrame,
  KeyFrameRequestMerger,
  NackGenerator,
  newSenderInfo,
  PacketCache,
  ReceiveStats,
  rtpPaddingSize,
  rtpPayloadType,
  rtpSeq,
  rtpTimestamp,
  unwrapRtx,
  type SenderInfo,
} from '@confab/wire';
import { msidToken } from '../sdp';
import { PUBLISHER_SILENCE_MS, SilenceDetector } from '../SilenceDetector';
import type { MediaKind, Producer, ProducerOptions } from '../types';
import type { CodecName } from './codecs';
import type { SfuConsumer } from './SfuConsumer';
import type { SfuContext } from './SfuContext';
import type { PublishExtensionIds, PublishStream } from './sdp/publishOffer';

/** One keyframe request to the publisher per this many ms, however many subscribers ask. */
const KEY_FRAME_INTERVAL_MS = 500;
/** Video packets kept for retransmission: about 1.5 s of a 2 Mbps stream. */
const CACHE_PACKETS = 512;

/** What a producer needs from its publish transport. */
export interface ProducerOwner {
  producerClosed(producer: SfuProducer): void;
  /** Sends a PLI (or FIR) for the producer's stream now. */
  sendKeyFrameRequest(producer: SfuProducer): void;
  /** Sends a NACK for what the producer's NackGenerator wants now. */
  sendNacks(producer: SfuProducer, nowMs: number): void;
  /** The producer learnt or changed an SSRC: the transport's SSRC lookup must follow. */
  streamsChanged(): void;
}

/**
 * A track coming in on a publish transport. Bound to its m-section's stream (SSRCs, payload
 * types) whenever the publisher's offer has been applied; then every packet of that stream passes
 * through receive(): reception statistics for our receiver reports, loss detection for NACKs, the
 * retransmission cache, and forwarding to each consumer. Nothing here allocates per packet.
 */
export class SfuProducer implements Producer {
  readonly id: string;
  readonly kind: MediaKind;
  readonly mid: string;
  /** The publisher's transport label (participant id), as an SDP token: msid stream id and cname downstream. */
  readonly streamId: string;
  /** The stream as negotiated: -1 / undefined until known. */
  ssrc = -1;
  rtxSsrc = -1;
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
  stats: ReceiveStats | null = null;
  /** Video with NACK negotiated: what to ask the publisher to resend. */
  nack: NackGenerator | null = null;
  /** Video: recent packets for subscribers' NACKs. */
  readonly cache: PacketCache | null;
  readonly keyFrames = new KeyFrameRequestMerger(KEY_FRAME_INTERVAL_MS);
  private readonly silence = new SilenceDetector(PUBLISHER_SILENCE_MS);
  /** The publisher's last Sender Report, and how many it has sent (consumers translate each once). */
  readonly senderReport: SenderInfo = newSenderInfo();
  senderReports = 0;
  private currentPaused: boolean;
  private currentClosed = false;
  /** Replaced, never mutated, so the packet loop can iterate while consumers come and go. */
  private consumers: readonly SfuConsumer[] = [];

  constructor(
    options: ProducerOptions,
    label: string,
    private readonly ctx: SfuContext,
    private readonly owner: ProducerOwner,
  ) {
    this.id = options.id;
    this.kind = options.kind;
    this.mid = options.mid;
    this.streamId = msidToken(label);
    this.currentPaused = options.paused ?? false;
    this.cache = options.kind === 'video' ? new PacketCache(CACHE_PACKETS) : null;
    ctx.counters.producers++;
  }

  get paused(): boolean {
    return this.currentPaused;
  }

  get closed(): boolean {
    return this.currentClosed;
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

  requestKeyFrame(): void {
    if (this.kind !== 'video' || this.currentClosed) return;
    if (this.keyFrames.request(performance.now())) this.owner.sendKeyFrameRequest(this);
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
    for (const consumer of consumers) consumer.close();
    this.ctx.counters.producers--;
    return true;
  }

  addConsumer(consumer: SfuConsumer): void {
    this.consumers = [...this.consumers, consumer];
  }

  removeConsumer(consumer: SfuConsumer): void {
    this.consumers = this.consumers.filter((c) => c !== consumer);
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
    if (stream.ssrc !== undefined) this.setSsrc(stream.ssrc);
    if (stream.rtxSsrc !== undefined) this.rtxSsrc = stream.rtxSsrc;
    this.nack = this.kind === 'video' && stream.nack ? (this.nack ?? new NackGenerator()) : null;
    for (const consumer of this.consumers) consumer.producerChanged(codecChanged);
    this.owner.streamsChanged();
  }

  /** A packet of ours whose SSRC was not signalled (found through the mid extension). */
  learnSsrc(ssrc: number, rtx: boolean): void {
    if (rtx) this.rtxSsrc = ssrc;
    else this.setSsrc(ssrc);
    this.owner.streamsChanged();
  }

  /** The packet path for the media SSRC: `buf[0, len)` is unprotected RTP, header checked. */
  receive(buf: Buffer, len: number, headerLength: number, nowMs: number): void {
    if (rtpPayloadType(buf) !== this.payloadType) return;
    this.ctx.counters.rtpPacketsReceived++;
    if (this.silence.heard(nowMs)) this.requestKeyFrame();
    this.stats!.onPacket(rtpSeq(buf), rtpTimestamp(buf), nowMs);
    this.handle(buf, len, headerLength, len - rtpPaddingSize(buf, len), nowMs);
  }

  /** An RTX packet (a retransmission we asked for, or a padding probe): unwrapped in place. */
  receiveRtx(buf: Buffer, len: number, headerLength: number, nowMs: number): void {
    if (rtpPayloadType(buf) !== this.rtxPayloadType || this.ssrc < 0) return;
    const n = unwrapRtx(buf, len, this.ssrc, this.payloadType);
    if (n < 0) return; // padding only: a bandwidth probe, nothing to forward
    this.ctx.counters.rtpPacketsReceived++;
    this.stats!.onPacket(rtpSeq(buf), rtpTimestamp(buf), nowMs, true);
    this.handle(buf, n, headerLength, n, nowMs);
  }

  /** A Sender Report about our media SSRC. */
  onSenderReport(report: SenderInfo, nowMs: number): void {
    const sr = this.senderReport;
    sr.ssrc = report.ssrc;
    sr.ntpSeconds = report.ntpSeconds;
    sr.ntpFraction = report.ntpFraction;
    sr.rtpTimestamp = report.rtpTimestamp;
    sr.packetCount = report.packetCount;
    sr.octetCount = report.octetCount;
    this.senderReports++;
    this.stats?.onSenderReport(report.ntpSeconds, report.ntpFraction, nowMs);
    const consumers = this.consumers;
    for (let i = 0; i < consumers.length; i++) consumers[i]!.sendSenderReport(nowMs);
  }

  private handle(buf: Buffer, len: number, headerLength: number, payloadEnd: number, nowMs: number): void {
    if (payloadEnd <= headerLength) return; // padding only: nothing for subscribers
    const cache = this.cache;
    if (cache !== null) {
      const seq = rtpSeq(buf);
      if (cache.lookup(seq, nowMs) >= 0) return; // a duplicate (a retransmission that crossed the original)
      const keyFrame = this.codec === 'h264' ? isH264KeyFrame(buf, headerLength, payloadEnd) : isVp8KeyFrame(buf, headerLength, payloadEnd);
      if (keyFrame) this.keyFrames.keyFrameReceived();
      const nack = this.nack;
      if (nack !== null) {
        const missing = nack.missing;
        if (nack.onPacket(seq, nowMs, keyFrame)) this.requestKeyFrame();
        else if (nack.missing > missing) this.owner.sendNacks(this, nowMs); // a new gap: ask at once
      }
      cache.store(buf, len, nowMs);
    }
    if (this.currentPaused) return;
    const payloadSize = payloadEnd - headerLength;
    const consumers = this.consumers;
    for (let i = 0; i < consumers.length; i++) consumers[i]!.forward(buf, len, payloadSize, nowMs);
  }

  private setSsrc(ssrc: number): void {
    if (ssrc === this.ssrc) return;
    this.ssrc = ssrc;
    this.stats = new ReceiveStats(ssrc, this.clockRate);
    this.nack = this.nack === null ? null : new NackGenerator();
    this.cache?.clear();
  }
}
