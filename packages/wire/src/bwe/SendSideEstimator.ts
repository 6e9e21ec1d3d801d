import type { TwccFeedback } from '../rtcp/TwccFeedback';
import { AckedBitrate } from './AckedBitrate';
import { AimdRateControl } from './AimdRateControl';
import { BandwidthUsage } from './BandwidthUsage';
import { LossBasedEstimate, LOW_LOSS, type LossReport } from './LossBasedEstimate';
import { PacketResults } from './PacketResults';
import { ProbePlanner } from './ProbePlanner';
import { probeDurationMs, ProbeResult } from './ProbeResult';
import { QueueDelay } from './QueueDelay';
import { SendHistory } from './SendHistory';
import { TrendlineEstimator } from './TrendlineEstimator';

export interface SendSideEstimatorOptions {
  /** bps before any feedback (default 1 Mbps). */
  startBps?: number;
  /** The estimate never goes below this (default 100 kbps). */
  minBps?: number;
  maxBps?: number;
  /** Packets remembered for feedback (a power of two, default 4096). */
  historySize?: number;
  /** Where the packets sent are numbered and remembered (of historySize packets), if not in a history of its own. */
  history?: SendHistory;
}

/** Loss sets the estimate (lossLimited) when the loss-based one is below this share of the delay-based ... */
const LOSS_LIMITED_SHARE = 0.9;
/** ... and loss brought it down within this long. */
const LOSS_MEMORY_MS = 10_000;
/** The estimate falling below this share of what it was is congestion: probing waits (ProbePlanner.backOff). */
const BACK_OFF_DROP = 0.9;
/**
 * A standing queue that lets through less than this share of what we send into it measures the
 * link (QueueDelay.narrowerThan) ...
 */
const NARROW_SHARE = 0.5;
/** ... and sets the estimate when that is below this share of it (a cut worth making). */
const NARROW_CUT = 0.7;
/** A probe that measured this much more than the estimate replaces it (less is noise). */
const PROBE_JUMP = 1.0;
/**
 * After a probe into a bottleneck, its bytes wait in the bottleneck's queue, and media sent behind
 * them are dropped until it has drained: with the media at 85 % of a link (after the delay-based
 * cut), a 10 kB probe's excess takes ~500 ms to leave a 1 Mbit/s link's queue.
 */
const PROBE_QUEUE_DRAIN_MS = 500;
/** Every report for this long found packets waiting this long in a queue: the link is full (congested). */
const STANDING_QUEUE_MS = 30;
const STANDING_QUEUE_CONFIRM_MS = 1000;

/**
 * The send-side bandwidth estimate towards one receiver, from its transport-cc feedback: the
 * minimum of a delay-based estimate (trendline + overuse detector + AIMD rate control) and a
 * loss-based one, never below the floor; probe clusters whose measured rate beats it raise it at
 * once. Pure: the caller numbers its packets through `history`, passes reports in, and asks
 * `planProbe` when it would like more. Everything is allocated up front.
 */
export class SendSideEstimator {
  readonly history: SendHistory;
  readonly trendline = new TrendlineEstimator();
  readonly acked: AckedBitrate;
  readonly delayBased: AimdRateControl;
  readonly lossBased: LossBasedEstimate;
  readonly planner = new ProbePlanner();
  /** How long what we send now waits in queues on the way (from the newest reported packet). */
  readonly queueDelay = new QueueDelay();
  private readonly results: PacketResults;
  private readonly probes = new ProbeResult();
  private readonly lossReport: LossReport = { received: 0, lost: 0, shadowedReceived: 0, shadowedLost: 0, receivedBytes: 0, bytes: 0, firstSendMs: NaN, lastSendMs: NaN };
  /** The current estimate, bits/s. */
  estimate: number;
  /**
   * Packets sent between these times (ms) went out beside a probe cluster, or while the link still
   * carried its bytes: their loss is the probe's answer (ProbeResult), not media loss.
   */
  private probeShadowFromMs = Infinity;
  private probeShadowToMs = -Infinity;
  /** Since when every report has found a queue of STANDING_QUEUE_MS or more (-1: the last did not). */
  private queuedSinceMs = -1;
  /** Reports processed, and reports that named at least one packet we sent. */
  reports = 0;
  usefulReports = 0;
  /** True once a report named a packet of ours (before that the estimate is only the start value). */
  get estimating(): boolean {
    return this.usefulReports > 0;
  }

  constructor(options: SendSideEstimatorOptions = {}) {
    const start = options.startBps ?? 1_000_000;
    const min = options.minBps ?? 100_000;
    const max = options.maxBps ?? 100_000_000;
    const size = options.historySize ?? 4096;
    if (options.history !== undefined && options.history.capacity !== size) throw new RangeError('SendSideEstimator: history must hold historySize packets');
    this.history = options.history ?? new SendHistory(size);
    this.results = new PacketResults(size);
    this.acked = new AckedBitrate(size);
    this.delayBased = new AimdRateControl(start, min, max);
    this.lossBased = new LossBasedEstimate(start, min);
    this.estimate = start;
  }

  /** One parsed transport-cc report received at `nowMs` (the sender's clock, like the send times). */
  onFeedback(fb: TwccFeedback, nowMs: number): number {
    this.reports++;
    const results = this.results;
    const n = results.read(fb, this.history);
    if (n === 0) return this.estimate;
    this.usefulReports++;
    let probeId = -1;
    let probeBps = NaN;
    let usage: BandwidthUsage = this.trendline.state;
    let overuseInShadow = false;
    let overuseOutside = false;
    const report = this.lossReport;
    report.shadowedReceived = report.shadowedLost = 0;
    report.receivedBytes = report.bytes = 0;
    report.firstSendMs = report.lastSendMs = NaN;
    for (let i = 0; i < n; i++) {
      const send = results.sendMs[i]!;
      const size = results.sizes[i]!;
      report.bytes += size;
      if (!(send >= report.firstSendMs)) report.firstSendMs = send;
      if (!(send <= report.lastSendMs)) report.lastSendMs = send;
      const arrival = results.arrivalMs[i]!;
      this.queueDelay.add(send, arrival, size);
      const cluster = results.clusters[i]!;
      const inShadowWindow = send >= this.probeShadowFromMs && send <= this.probeShadowToMs;
      const shadowed = cluster >= 0 || inShadowWindow;
      if (Number.isNaN(arrival)) {
        if (shadowed) report.shadowedLost++;
        continue;
      }
      if (shadowed) report.shadowedReceived++;
      report.receivedBytes += size;
      this.acked.add(arrival, size);
      if (cluster >= 0) {
        const rate = this.probes.add(cluster, send, arrival, size);
        if (!Number.isNaN(rate)) {
          probeId = cluster;
          probeBps = rate;
        }
      }
      if (this.trendline.update(send, arrival, nowMs)) {
        // Overuse anywhere in the report counts: it may be over again by the report's end.
        const state = this.trendline.state;
        if (state === BandwidthUsage.Overusing || usage !== BandwidthUsage.Overusing) usage = state;
        if (state === BandwidthUsage.Overusing) {
          if (inShadowWindow) overuseInShadow = true;
          else overuseOutside = true;
        }
      }
    }
    const ackedBps = this.acked.update();
    // Overuse that a probe's own queue caused (see planProbe) says the link is full at about the
    // estimate, not at what the media happened to send: cut from the estimate. From the acked rate
    // a camera-less moment took a 1 Mbit/s link's estimate to 549 kbit/s after each probe.
    const cutBase = overuseInShadow && !overuseOutside && ackedBps < this.estimate ? this.estimate : ackedBps;
    let delay = this.delayBased.update(usage, cutBase, nowMs);
    if (probeId >= 0) {
      this.planner.result(probeId, probeBps, nowMs);
      if (probeBps > delay * PROBE_JUMP && usage !== BandwidthUsage.Overusing) {
        this.delayBased.set(probeBps, nowMs);
        delay = this.delayBased.estimate;
        this.lossBased.raiseTo(delay);
      }
    }
    report.received = n - results.lost;
    report.lost = results.lost;
    const lossBefore = this.lossBased.estimate;
    let loss = this.lossBased.update(report, delay, ackedBps, nowMs);
    if (this.queueDelay.ms < STANDING_QUEUE_MS) this.queuedSinceMs = -1;
    else if (this.queuedSinceMs < 0) this.queuedSinceMs = nowMs;
    const narrow = this.queueDelay.narrowerThan(NARROW_SHARE);
    if (narrow < NARROW_CUT * Math.min(delay, lossBefore)) {
      loss = this.lossBased.measured(narrow, nowMs);
      this.queueDelay.restart();
    }
    const before = this.estimate;
    this.estimate = Math.max(Math.min(delay, loss), this.delayBased.min);
    if (this.estimate < BACK_OFF_DROP * before) this.planner.backOff(nowMs);
    return this.estimate;
  }

  /** The target (bps) of a probe cluster to send now, numbered `probeCluster`; 0 for none. */
  planProbe(nowMs: number, wantedBps: number): number {
    const target = this.planner.plan(nowMs, this.estimate, wantedBps, this.lossLimited(nowMs));
    // A probe into a bottleneck loses many of its small padding packets and some of the media
    // behind them: counted as media loss, each failed probe cut the estimate and marked the link
    // congested, which paused videos after every probe into a standing cap. So the loss ratio
    // leaves out the probe's shadow, but only when the link lost nothing and kept no standing queue
    // before it: on a link already losing at the estimate, the probe's losses say the estimate is
    // too high. (One report's queue is not standing: a big frame or a busy receiver makes one.)
    if (target === 0) return 0;
    this.probeShadowed = this.lossBased.lossRatio < LOW_LOSS && !this.queueStanding(nowMs);
    if (this.probeShadowed) {
      this.probeShadowFromMs = nowMs;
      this.probeShadowToMs = nowMs + probeDurationMs(target) + PROBE_QUEUE_DRAIN_MS;
    }
    return target;
  }

  /** Whether the last probe planProbe returned leaves its shadow out of the loss ratio. */
  probeShadowed = false;

  get probeCluster(): number {
    return this.planner.clusterId;
  }

  /**
   * True while loss, not delay, sets the estimate: the link lost what we sent above it lately, so
   * the estimate is a measurement of a bottleneck, not a guess that may be low. (The loss-based
   * estimate trails the delay-based one a little on any clean link, as it climbs per batch of
   * reports: that alone is no bottleneck.)
   */
  lossLimited(nowMs: number): boolean {
    return this.lossBased.estimate < LOSS_LIMITED_SHARE * this.delayBased.estimate && this.lossBased.decreasedWithin(LOSS_MEMORY_MS, nowMs);
  }

  /**
   * The link has shown that it is full: loss sets the estimate (lossLimited), or every report for
   * STANDING_QUEUE_CONFIRM_MS found our packets waiting in a queue. A receiver that stalls now and
   * then (a busy CPU stamps its packets late) shows delays that come and go, which the delay-based
   * estimate reads as overuse, but no standing queue and no loss: what the estimate says then is
   * a guess, and the allocator does not pause a video on it.
   */
  congested(nowMs: number): boolean {
    return this.lossLimited(nowMs) || this.queueStanding(nowMs);
  }

  /** Every report for STANDING_QUEUE_CONFIRM_MS found a queue (one report's queue may be one big frame's). */
  private queueStanding(nowMs: number): boolean {
    return this.queuedSinceMs >= 0 && nowMs - this.queuedSinceMs >= STANDING_QUEUE_CONFIRM_MS;
  }

  /** The loss ratio of the last batch of reports (0..1). */
  get lossRatio(): number {
    return this.lossBased.lossRatio;
  }
}
