import type { NativeSendStates } from '@confab/srtp';
import { SendHistory, SendSideEstimator, stampTransportCcSeq, TwccFeedback } from '@confab/wire';
import type { MediaLogger } from '../logger';
import type { MediaCounters } from '../MediaCounters';
import { BOTTLENECK_DRAIN_MS, Pacer, PACER_STATE, type PacerOutput } from './Pacer';
import type { PacketSlots } from './PacketSlots';
import { SEND_STATE, sendStateSize } from './sendState';

/** The pacer lets video out at this multiple of the estimate (room for key frames, not for floods) ... */
export const PACING_FACTOR = 2.5;
/**
 * ... or of this one while loss sets the estimate: the link has shown where it drops, and a key
 * frame sent faster than that is partly lost, retransmitted and late (the 180p key frame after a
 * 400 kbit/s cap, at 2.5x: a third of it lost; a bottleneck's queue may hold only 50 ms).
 */
const PACING_FACTOR_AT_BOTTLENECK = 1.1;
/**
 * ... and never slower than this multiple of what is being offered: pacing below the media's own
 * rate only builds a standing queue and drops. Lowering the media is the allocator's job (it
 * chooses layers within availableBitrate); the pacer smooths bursts.
 */
const OFFERED_HEADROOM = 1.5;
/**
 * When loss first shows a bottleneck (the estimate cut to below this share of what it was), what
 * the pacer sent ahead of the new rate is written off down to what the bottleneck's queue holds
 * now (the queuing delay measured, within these bounds): more is either through or lost.
 * Measured under a 400 kbit/s cap: NACKs of the lost top layer answered at once before the cut
 * left 16-20 kB owed, the first 180p key frame held ~300 ms behind it.
 */
const CUT_SHARE = 0.7;
/**
 * After such a cut the pacer keeps to the new estimate this long, whatever its signal: a cap shows
 * first as delay, and pacing at what was offered the second before (4 Mbit/s into 400 kbit/s)
 * queued the lower layer's key frame behind the old layer's packets (a picture still for 833 ms).
 */
const CUT_PACING_MS = 1000;
const QUEUE_MIN_MS = 20;
const QUEUE_MAX_MS = BOTTLENECK_DRAIN_MS;
/** The owner hears of a new estimate when it moved at least this much since the last time it heard. */
const NOTIFY_CHANGE = 0.05;
/** SRTP's authentication tag, counted in what the estimator thinks left (the tag is on the wire too; send_state.c too). */
const SRTP_TAG = 16;
/** Packets remembered for feedback: ~8 s at 2.5 Mbps, ~2 s at 10 Mbps. */
const HISTORY = 2048;
/** Where the estimate starts, and what the allocator shares out until it has one (allocatableBitrate). */
const START_BPS = 1_000_000;
const OFFERED_WINDOW_MS = 1000;

/** One parser for every transport of the thread: reports are read synchronously, one at a time. */
const feedback = new TwccFeedback(HISTORY * 2);

/** What the bandwidth side needs from its transport. */
export interface BandwidthOwner {
  /** Protects `slot[0, length)` and sends it; the bytes that left, 0 if nothing did. */
  protectAndSend(slot: Buffer, length: number): number;
  /** A padding-only packet for probing (on an RTX stream), see PacerOutput.writePadding. */
  writePadding(slot: Buffer, padding: number): number;
  /** The estimate moved by more than 5%. */
  bandwidthChanged(): void;
}

export interface BandwidthStats {
  /** bits/s, Infinity until estimated. */
  availableBitrate: number;
  /** Loss of the last batch of reports, 0..1. */
  lossRatio: number;
  /** Transport-cc reports that named our packets. */
  reports: number;
  probes: number;
  pacerQueueMs: number;
  /** Video packets the pacer held back (spread) so far, and of those dropped. */
  pacerQueued: number;
  pacerDropped: number;
}

/**
 * The send side of congestion control towards one subscriber: every RTP packet gets the next
 * transport-wide sequence number (once the subscriber negotiated transport-cc), the subscriber's
 * reports feed a SendSideEstimator, whose estimate sets the pacer's rate and is what the
 * allocator may use; probes go out when more is wanted than the estimate allows.
 */
export class SubscriberBandwidth implements PacerOutput {
  readonly pacer: Pacer;
  /** This transport's send state in the native fan-out's registry (NativeSendStates), -1: none. */
  readonly sendStateId: number;
  /** SEND_STATE: the pacer's gate, the offered bytes, the numbering and the history, shared with the native fan-out. */
  private readonly state = new Float64Array(sendStateSize(HISTORY));
  private readonly history = new SendHistory(HISTORY, 0, this.state.subarray(SEND_STATE.history));
  /** Null until the subscriber negotiates transport-cc. */
  private estimator: SendSideEstimator | null = null;
  /** The subscriber's answer came (negotiated()): whether it takes transport-cc is known. */
  private answered = false;
  private available = Infinity;
  private notified = 0;
  /** Until then the pacer keeps to the estimate as at a bottleneck: it was just cut sharply (on any signal). */
  private cutUntilMs = -Infinity;
  private wanted = NaN;
  /** Since when bytes are counted in SEND_STATE.offeredBytes, and the rate of the last complete window. */
  private offeredSinceMs = 0;
  private offeredBps = 0;

  constructor(
    private readonly owner: BandwidthOwner,
    slots: PacketSlots,
    counters: MediaCounters,
    private readonly logger: MediaLogger,
    private readonly label: string,
    /** The native fan-out's registry of send states; null: packets are only sent from TypeScript. */
    private readonly sendStates: NativeSendStates | null = null,
  ) {
    this.pacer = new Pacer(this, slots, counters, this.state.subarray(SEND_STATE.pacer, SEND_STATE.pacer + PACER_STATE.size));
    this.state[SEND_STATE.sealId] = -1;
    this.sendStateId = sendStates?.register(this.state, HISTORY) ?? -1;
  }

  /** Where the native fan-out queues our copies for the seal and the send (sendState.ts); `sealId` -1: nowhere. */
  setSendTarget(sealId: number, ip4: number, port: number): void {
    const state = this.state;
    state[SEND_STATE.sealId] = sealId;
    state[SEND_STATE.ip4] = ip4;
    state[SEND_STATE.port] = port;
  }

  /** What the seal adds to each packet (SrtpSession.rtpOverhead), known once the keys are. */
  set sealOverhead(bytes: number) {
    this.state[SEND_STATE.sealOverhead] = bytes;
  }

  /** bits/s the estimate allows for media towards the subscriber; Infinity until estimated. */
  get availableBitrate(): number {
    return this.available;
  }

  /**
   * What the allocator shares out: the estimate, and before the subscriber's first transport-cc
   * feedback the estimator's start value (so too before the answer says whether it takes
   * transport-cc, as browsers do; without it: Infinity, everyone gets their tile's layer). A
   * joiner's first key frames are then asked for on layers it will keep: sharing out Infinity gave
   * every camera its top layer, whose key frame the first estimate (the start value, 30-50 ms after
   * the connection) stopped at once, and the picture came only with the next layer's key frame,
   * behind the publisher's request window (measured: 240-300 ms more).
   */
  get allocatableBitrate(): number {
    if (this.available !== Infinity) return this.available;
    if (!this.answered) return START_BPS;
    return this.estimator?.estimate ?? Infinity;
  }

  /** The link has shown that it is full (SendSideEstimator.congested); false until estimated. */
  congestionConfirmed(nowMs: number): boolean {
    return this.estimator?.congested(nowMs) ?? false;
  }

  /** The subscriber's answer says whether (under which id) it takes transport-wide-cc. */
  negotiated(transportCcId: number): void {
    const id = transportCcId > 0 && transportCcId < 15 ? transportCcId : 0;
    this.answered = true;
    if (id > 0) this.estimator ??= new SendSideEstimator({ historySize: HISTORY, startBps: START_BPS, history: this.history });
    this.state[SEND_STATE.transportCcId] = this.estimator !== null ? id : 0;
  }

  /** The allocator's want (bits/s): probing goes on while it is above the estimate. NaN: what is offered. */
  setWantedBitrate(bps: number): void {
    this.wanted = bps;
  }

  /** A packet from a consumer at `nowMs`: video is paced, audio and retransmissions go at once. */
  send(slot: Buffer, length: number, paced: boolean, nowMs: number): boolean {
    this.state[SEND_STATE.offeredBytes] = this.state[SEND_STATE.offeredBytes]! + length;
    if (!paced) return this.pacer.sendNow(slot, length, nowMs);
    return this.pacer.send(slot, length, nowMs);
  }

  /** PacerOutput: numbers, protects and sends. */
  sendNow(slot: Buffer, length: number, cluster: number, nowMs: number): number {
    const id = this.state[SEND_STATE.transportCcId]!;
    if (id > 0) {
      const history = this.history;
      const stamped = stampTransportCcSeq(slot, length, id, history.nextSeq);
      if (stamped > 0) {
        history.add(nowMs, stamped + SRTP_TAG, cluster);
        length = stamped;
      }
    }
    return this.owner.protectAndSend(slot, length);
  }

  writePadding(slot: Buffer, padding: number): number {
    return this.owner.writePadding(slot, padding);
  }

  /** A transport-cc report at `buf[at, end)` (an RtcpCursor's packet). */
  onFeedback(buf: Buffer, at: number, end: number, nowMs: number): void {
    const estimator = this.estimator;
    if (estimator === null || !feedback.read(buf, at, end)) return;
    estimator.onFeedback(feedback, nowMs);
    if (!estimator.estimating) return;
    const estimate = estimator.estimate;
    const before = this.available;
    this.available = estimate;
    // Infinity before the first estimate: that is no cut.
    const cut = estimate < CUT_SHARE * before && before !== Infinity;
    if (cut) this.cutUntilMs = nowMs + CUT_PACING_MS;
    this.pace(nowMs);
    if (cut && estimator.lossLimited(nowMs)) {
      const queuedMs = Math.min(Math.max(estimator.queueDelay.ms, QUEUE_MIN_MS), QUEUE_MAX_MS);
      this.pacer.forgive((estimate * queuedMs) / 8000);
    }
    if (this.notified === 0 || Math.abs(estimate - this.notified) > NOTIFY_CHANGE * this.notified) {
      this.notified = estimate;
      const pacer = this.pacer;
      this.logger.debug(
        { transport: this.label, bps: Math.round(estimate), loss: Math.round(estimator.lossRatio * 1000) / 1000, bottleneck: estimator.lossLimited(nowMs), paced: pacer.queuedTotal, pacerDropped: pacer.dropped },
        'bandwidth estimate',
      );
      this.owner.bandwidthChanged();
    }
  }

  /** Periodic: the offered rate, and a probe when more is wanted than the estimate allows. */
  tick(nowMs: number): void {
    if (nowMs - this.offeredSinceMs >= OFFERED_WINDOW_MS) {
      this.offeredBps = ((this.state[SEND_STATE.offeredBytes]! * 8000) / (nowMs - this.offeredSinceMs)) | 0;
      this.state[SEND_STATE.offeredBytes] = 0;
      this.offeredSinceMs = nowMs;
      if (this.estimator?.estimating) this.pace(nowMs);
    }
    const estimator = this.estimator;
    if (estimator === null || estimator.history.sent === 0) return;
    const wanted = Number.isNaN(this.wanted) ? this.offeredBps : this.wanted;
    const target = estimator.planProbe(nowMs, wanted);
    if (target > 0) {
      this.logger.debug({ transport: this.label, bps: Math.round(target), cluster: estimator.probeCluster, shadow: estimator.probeShadowed }, 'probe');
      this.pacer.probe(target, estimator.probeCluster, nowMs);
    }
  }

  /**
   * At a bottleneck the pacer keeps to it, whatever was offered in the last second (the allocator
   * has just lowered that) and for longer (Pacer's BOTTLENECK_DRAIN_MS); elsewhere it only smooths.
   */
  private pace(nowMs: number): void {
    if (this.estimator?.lossLimited(nowMs) || nowMs < this.cutUntilMs) this.pacer.setRate(this.available * PACING_FACTOR_AT_BOTTLENECK, BOTTLENECK_DRAIN_MS);
    else this.pacer.setRate(Math.max(this.available * PACING_FACTOR, this.offeredBps * OFFERED_HEADROOM));
  }

  stats(nowMs: number): BandwidthStats {
    return {
      availableBitrate: this.available,
      lossRatio: this.estimator?.lossRatio ?? 0,
      reports: this.estimator?.usefulReports ?? 0,
      probes: this.estimator?.planner.probes ?? 0,
      pacerQueueMs: this.pacer.queueMs(nowMs),
      pacerQueued: this.pacer.queuedTotal,
      pacerDropped: this.pacer.dropped,
    };
  }

  close(): void {
    this.pacer.close();
    if (this.sendStateId >= 0) this.sendStates!.unregister(this.sendStateId);
  }
}
