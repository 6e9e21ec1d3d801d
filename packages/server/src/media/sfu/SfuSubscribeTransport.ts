import type { OutboundRtpStream } from '@confab/srtp';
import { firEntryCount, firEntrySsrc, isPli, PsfbFormat, readNack, rtcpMediaSsrc, RtcpCursor, RtcpType, RtpfbFormat } from '@confab/wire';
import { MediaError, errorMessage } from '../errors';
import { Renegotiator } from '../Renegotiator';
import { msidToken, validateSdp } from '../sdp';
import { SilenceDetector, SUBSCRIBER_SILENCE_MS } from '../SilenceDetector';
import type { Consumer, ConsumeOptions, MediaKind, OfferedTrack, Producer, TransportOptions, TransportState } from '../types';
import { allocate, type AllocationTrack } from './allocation/allocate';
import { SfuConsumer, type ConsumerOwner } from './SfuConsumer';
import type { SfuContext } from './SfuContext';
import { SfuProducer } from './SfuProducer';
import { SfuTransport, type TransportOwner } from './SfuTransport';
import { SubscriberLinkStats, wantedBitrate } from './SubscriberLinkStats';
import { SubscriberBandwidth, type BandwidthOwner, type BandwidthStats } from './SubscriberBandwidth';
import { parseSdp } from './sdp/parseSdp';
import { readRemoteTransport } from './sdp/remoteTransport';
import { readSubscribeAnswer } from './sdp/subscribeAnswer';
import { joinSdp, sessionLines } from './sdp/sdpLines';
import { writeSubscribeOffer, type OfferSection } from './sdp/subscribeOffer';

/** Sender Reports a consumer missed (it started after the publisher's last one) go out this often. */
const SENDER_REPORT_CATCH_UP_MS = 1000;
/** The bandwidth is shared out again this often (layer rates change), and at the next tick after a change. */
const ALLOCATE_INTERVAL_MS = 500;

/** One m-section of our offers, in order; it stays (without a consumer) after the consumer closes. */
interface Section {
  mid: string;
  kind: MediaKind;
  consumer: SfuConsumer | null;
  codecs: OfferSection['codecs'];
}

/**
 * We offer one sendonly m-section per consumer; the client answers (active DTLS). RTCP from the
 * subscriber ends here: NACKs are answered from the producers' caches, PLI/FIR become (merged)
 * keyframe requests, and nothing else reaches any publisher.
 *
 * It also owns the subscriber's allocation: which layer of each video it gets, from the tiles'
 * sizes, the priorities and `availableBitrate` (see allocation/allocate.ts).
 */
export class SfuSubscribeTransport extends SfuTransport implements ConsumerOwner, BandwidthOwner {
  private readonly bandwidth: SubscriberBandwidth;
  /** Live consumers by producer id, and by our SSRC (as the subscriber's RTCP names them). */
  private readonly consumers = new Map<string, SfuConsumer>();
  private readonly bySsrc = new Map<number, SfuConsumer>();
  private readonly sections: Section[] = [];
  private readonly renegotiator: Renegotiator;
  /** Consumers whose m-sections the outstanding offer sends on, and its m-section count. */
  private offeredConsumers: SfuConsumer[] = [];
  private offeredSections = 0;
  private iceRestartPending = false;
  private lastCatchUpMs = 0;
  private readonly cursor = new RtcpCursor();
  private readonly nackSeqs = new Uint16Array(256);
  /** The subscriber's RTCP: back after a silence means its path came back. */
  private readonly silence = new SilenceDetector(SUBSCRIBER_SILENCE_MS);
  /** Loss, jitter and RTT from the subscriber's receiver reports, for connection quality. */
  private readonly linkStats = new SubscriberLinkStats();
  private readonly consumerBySsrc = (ssrc: number): SfuConsumer | undefined => this.bySsrc.get(ssrc);
  private allocationDue = true;
  private lastAllocationMs = 0;
  /** The estimate the last allocation shared out. */
  private allocatedBps = Infinity;
  private activeSpeaker: string | null = null;
  private readonly allocationTracks: AllocationTrack[] = [];

  constructor(owner: TransportOwner, ctx: SfuContext, options: TransportOptions) {
    super(owner, ctx, options);
    this.renegotiator = new Renegotiator(() => this.sendOffer(), this.logger);
    this.bandwidth = new SubscriberBandwidth(this, ctx.slots, ctx.counters, this.logger, this.label, ctx.sendStates ?? null);
  }

  /** Our send state in the native fan-out's registry, -1: none (SubscriberBandwidth.sendStateId). */
  get sendStateId(): number {
    return this.bandwidth.sendStateId;
  }

  /** bits/s the send-side estimate allows for media towards this subscriber; Infinity until estimated. */
  get availableBitrate(): number {
    return this.bandwidth.availableBitrate;
  }

  /** What the allocator would send if it could (bits/s): probing looks for that much. NaN: what is offered now. */
  setWantedBitrate(bps: number): void {
    this.bandwidth.setWantedBitrate(bps);
  }

  /** The estimate, its loss and the pacer, for stats and connection quality. */
  bandwidthStats(): BandwidthStats {
    return this.bandwidth.stats(performance.now());
  }

  override consume(producer: Producer, options?: ConsumeOptions): Consumer {
    this.assertOpen();
    if (!(producer instanceof SfuProducer)) throw MediaError.invalidArgument('producer does not belong to this media engine');
    if (producer.closed) throw MediaError.conflict(`producer ${producer.id} is closed`);
    if (this.consumers.has(producer.id)) throw MediaError.conflict(`producer ${producer.id} is already consumed here`);
    const mid = String(this.sections.length);
    const consumer = new SfuConsumer(producer, mid, this, this.ctx, options);
    this.sections.push({ mid, kind: producer.kind, consumer, codecs: [] });
    this.consumers.set(producer.id, consumer);
    producer.addConsumer(consumer);
    this.allocationDue = true;
    this.renegotiate();
    // No keyframe request yet: nothing reaches the subscriber before its answer is applied.
    return consumer;
  }

  override async applyAnswer(sdp: string): Promise<void> {
    // An offer with nothing in it (ICE restarted before anything was consumed) gets an answer without media sections.
    if (this.offeredSections > 0 || typeof sdp !== 'string' || /^m=/m.test(sdp)) validateSdp(sdp, 'answer');
    else if (!sdp.startsWith('v=0')) throw MediaError.invalidArgument('answer: SDP must start with v=0');
    return this.serial(async () => {
      this.assertOpen();
      if (!this.renegotiator.awaitingAnswer) throw MediaError.conflict('no offer is waiting for an answer');
      if (this.offeredSections === 0) {
        this.renegotiator.answered();
        return;
      }
      let receivers;
      let remote;
      try {
        const parsed = parseSdp(sdp);
        if (parsed.media.length !== this.offeredSections) throw new Error(`answer must have ${this.offeredSections} media sections, like the offer`);
        remote = readRemoteTransport(parsed);
        if (remote.setup !== 'active') throw new Error('answer must take the DTLS client role (a=setup:active)');
        receivers = readSubscribeAnswer(parsed);
      } catch (err) {
        throw MediaError.invalidArgument(`answer rejected: ${errorMessage(err)}`, err);
      }
      this.ice!.setRemoteParameters(remote);
      // transport-wide-cc is per transport (BUNDLE): any m-section that took it numbers every packet.
      let transportCcId = 0;
      for (const receiver of receivers.values()) if (receiver.receiving && receiver.transportCcId > 0) transportCcId = receiver.transportCcId;
      this.bandwidth.negotiated(transportCcId);
      for (const consumer of this.offeredConsumers) {
        if (consumer.closed || consumer.negotiated) continue;
        consumer.negotiate(receivers.get(consumer.mid));
        // Its m-section carries media from now on: a keyframe lets the subscriber start at once.
        if (this.connected && consumer.sending) consumer.requestKeyFrame();
      }
      this.offeredConsumers = [];
      this.renegotiator.answered();
    });
  }

  override restartIce(): void {
    if (this.closed) return;
    // Before ICE started there is nothing to restart, but the client still gets its offer.
    this.iceRestartPending = this.ice !== null;
    this.renegotiator.supersede();
  }

  renegotiate(): void {
    if (!this.closed) this.renegotiator.request();
  }

  /** Video is paced (its packets may leave a little later, from the pacer's copy); audio and retransmissions go at once. */
  sendRtp(slot: Buffer, length: number, paced: boolean, nowMs: number): boolean {
    return this.bandwidth.send(slot, length, paced, nowMs);
  }

  /**
   * The transport-wide number is in: protect and send. With the native core the seal waits in the
   * send batch, which seals each packet just before the kernel takes it (UdpSendBatch.addToSeal).
   */
  protectAndSend(slot: Buffer, length: number): number {
    const srtp = this.srtp;
    if (srtp === null || this.closed) return 0;
    const roc = srtp.prepareRtp(slot, length);
    if (roc < 0) return 0;
    const ice = this.ice!;
    const sealId = srtp.rtpSealId;
    if (sealId >= 0 && ice.sendToSeal(slot, length, sealId, roc)) return length + srtp.rtpOverhead;
    const n = srtp.sealPrepared(slot, length, roc);
    return n > 0 && ice.send(slot, n) ? n : 0;
  }

  sendStream(ssrc: number): OutboundRtpStream | null {
    return this.closed ? null : (this.srtp?.sendStream(ssrc) ?? null);
  }

  /**
   * Where the native fan-out queues our copies for the seal (sendState.ts): our seal and the
   * selected path, while connected over the worker's batched UDP socket; else nowhere.
   */
  protected override pathChanged(): void {
    this.updateSendTarget();
  }

  private updateSendTarget(): void {
    const path = this.connected ? (this.ice?.selectedPath ?? null) : null;
    const address = path?.queueAddress ?? null;
    const sealId = this.srtp?.rtpSealId ?? -1;
    this.bandwidth.setSendTarget(address === null ? -1 : sealId, address ?? 0, path?.remotePort ?? 0);
  }

  /** Probe padding goes on the RTX stream of a video consumer (padding-only RTP needs RTX negotiated). */
  writePadding(slot: Buffer, padding: number): number {
    for (const consumer of this.consumers.values()) {
      const n = consumer.writePadding(slot, padding);
      if (n > 0) return n;
    }
    return 0;
  }

  /**
   * The estimate moved by more than ~5%: a fall is shared out at once, a rise at the next tick. At
   * a bottleneck every ms the old layers keep flowing is lost, and delays the lower layer's key
   * frame (the tick is up to 50 ms).
   */
  bandwidthChanged(): void {
    this.allocationDue = true;
    if (this.availableBitrate < this.allocatedBps) this.allocate(performance.now());
  }

  consumerClosed(consumer: SfuConsumer): void {
    if (this.consumers.get(consumer.producerId) === consumer) this.consumers.delete(consumer.producerId);
    this.bySsrc.delete(consumer.ssrc | 0);
    const section = this.sections.find((s) => s.consumer === consumer);
    if (section) section.consumer = null;
    this.renegotiate();
  }

  discardPaced(ssrc: number): void {
    this.bandwidth.pacer.discard(ssrc);
  }

  allocationChanged(): void {
    this.allocationDue = true;
  }

  /** The room's dominant speaker (a publisher's transport label), whose camera goes before the others. */
  setActiveSpeaker(label: string | null): void {
    if (label === this.activeSpeaker) return;
    this.activeSpeaker = label;
    this.allocationDue = true;
  }

  tick(nowMs: number): void {
    if (this.allocationDue || nowMs - this.lastAllocationMs >= ALLOCATE_INTERVAL_MS) this.allocate(nowMs);
    for (const consumer of this.consumers.values()) consumer.tick(nowMs);
    if (!this.connected) return;
    this.bandwidth.tick(nowMs);
    // Every tick asks; the wanted rate is summed only when an interval is over.
    if (this.linkStats.due(nowMs)) this.emitStats(this.linkStats.take(nowMs, wantedBitrate(this.allocationTracks), this.availableBitrate)!);
    if (nowMs - this.lastCatchUpMs < SENDER_REPORT_CATCH_UP_MS) return;
    this.lastCatchUpMs = nowMs;
    for (const consumer of this.consumers.values()) consumer.sendSenderReport(nowMs);
  }

  /** Shares the subscriber's bandwidth among its consumers (allocation/allocate.ts) and applies the result. */
  private allocate(nowMs: number): void {
    this.allocationDue = false;
    this.lastAllocationMs = nowMs;
    const tracks = this.allocationTracks;
    tracks.length = 0;
    for (const consumer of this.consumers.values()) {
      if (consumer.closed || consumer.paused) continue;
      consumer.prepareAllocation(this.activeSpeaker, nowMs);
      tracks.push(consumer.allocation);
    }
    this.allocatedBps = this.bandwidth.allocatableBitrate;
    allocate(tracks, this.allocatedBps, { congestionConfirmed: this.bandwidth.congestionConfirmed(nowMs) });
    // Probing looks for what the tiles ask for, so a subscriber held low climbs back when the link allows.
    this.bandwidth.setWantedBitrate(wantedBitrate(tracks));
    for (const consumer of this.consumers.values()) if (!consumer.closed && !consumer.paused) consumer.applyAllocation(nowMs);
  }

  protected override closeMedia(): void {
    this.renegotiator.close();
    this.bandwidth.close();
    for (const consumer of this.consumers.values()) consumer.closeQuietly();
    this.consumers.clear();
    this.bySsrc.clear();
    this.offeredConsumers = [];
  }

  /** Consumers forward only while we are connected: each one's fan-out row follows. */
  protected override setState(state: TransportState): boolean {
    if (!super.setState(state)) return false;
    this.updateSendTarget();
    this.bandwidth.sealOverhead = this.srtp?.rtpOverhead ?? 0;
    for (const consumer of this.consumers.values()) consumer.connectionChanged();
    return true;
  }

  protected override onConnected(): void {
    this.requestKeyFrames();
  }

  private requestKeyFrames(): void {
    for (const consumer of this.consumers.values()) if (consumer.sending) consumer.requestKeyFrame();
  }

  /** Subscribers send no media to us. */
  protected override onRtp(): void {}

  protected override onRtcp(packet: Buffer, received: number): void {
    const srtp = this.srtp;
    if (srtp === null) return;
    const length = srtp.unprotectRtcp(packet, received);
    if (length < 0) return;
    const nowMs = performance.now();
    if (this.silence.heard(nowMs)) this.requestKeyFrames();
    const cursor = this.cursor.reset(packet, length);
    while (cursor.next()) {
      const { offset, end } = cursor;
      if (cursor.type === RtcpType.RTPFB && cursor.count === RtpfbFormat.NACK) {
        const consumer = end - offset >= 12 ? this.bySsrc.get(rtcpMediaSsrc(packet, offset) | 0) : undefined;
        if (consumer === undefined) continue;
        const count = readNack(packet, offset, end, this.nackSeqs);
        for (let i = 0; i < count; i++) consumer.retransmit(this.nackSeqs[i]!, nowMs);
      } else if (cursor.type === RtcpType.RTPFB && cursor.count === RtpfbFormat.TWCC) {
        this.bandwidth.onFeedback(packet, offset, end, nowMs);
      } else if (cursor.type === RtcpType.PSFB && cursor.count === PsfbFormat.PLI) {
        if (isPli(packet, offset, end)) this.bySsrc.get(rtcpMediaSsrc(packet, offset) | 0)?.requestKeyFrame();
      } else if (cursor.type === RtcpType.PSFB && cursor.count === PsfbFormat.FIR) {
        const entries = firEntryCount(packet, offset, end);
        for (let i = 0; i < entries; i++) this.bySsrc.get(firEntrySsrc(packet, offset, i) | 0)?.requestKeyFrame();
      } else if (cursor.type === RtcpType.RR || cursor.type === RtcpType.SR) {
        this.linkStats.onReport(packet, offset, end, nowMs, this.consumerBySsrc);
      }
      // REMB, SDES, BYE: about our downstream only; nothing goes to a publisher.
    }
  }

  private async sendOffer(): Promise<void> {
    await this.serial(async () => {
      if (this.closed) return;
      if (this.sections.length === 0) {
        // Nothing to receive yet: an offer without media sections, and no ICE to time out meanwhile.
        this.offeredSections = 0;
        this.offeredConsumers = [];
        this.emit({ type: 'offer', sdp: joinSdp(sessionLines(this.origin, [])), tracks: [] });
        this.origin.version++;
        return;
      }
      const ice = this.openIce();
      if (this.iceRestartPending) {
        this.iceRestartPending = false;
        ice.restartIce();
      }
      const offered: SfuConsumer[] = [];
      this.bySsrc.clear();
      for (const section of this.sections) {
        const consumer = section.consumer;
        if (consumer === null) continue;
        consumer.prepareOffer();
        section.codecs = consumer.codecs;
        this.bySsrc.set(consumer.ssrc | 0, consumer);
        offered.push(consumer);
      }
      const sdp = writeSubscribeOffer(
        this.sections.map((s) => ({
          mid: s.mid,
          kind: s.kind,
          codecs: s.codecs,
          sender: s.consumer && {
            ssrc: s.consumer.ssrc,
            rtxSsrc: s.consumer.rtxSsrc,
            cname: s.consumer.producer.streamId,
            streamId: s.consumer.producer.streamId,
            trackId: msidToken(s.consumer.producerId),
          },
        })),
        ice.localParameters,
        this.origin,
      );
      this.origin.version++;
      this.offeredSections = this.sections.length;
      this.offeredConsumers = offered;
      const tracks: OfferedTrack[] = offered.map((c) => ({ mid: c.mid, producerId: c.producerId }));
      this.emit({ type: 'offer', sdp, tracks });
    });
  }
}
