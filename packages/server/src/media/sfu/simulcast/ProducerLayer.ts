import { KeyFrameRequestMerger, type KeyFrameWindow, NackGenerator, newSenderInfo, PacketCache, ReceiveStats, type SenderInfo } from '@confab/wire';
import type { SfuProducer } from '../SfuProducer';
import { BitrateMeter } from './BitrateMeter';

/** One keyframe request to the publisher per layer per this many ms, however many subscribers ask. */
const KEY_FRAME_INTERVAL_MS = 500;
/** A layer dynacast just switched on counts as available this long before its first packet. */
export const LAYER_START_GRACE_MS = 3000;
/** Video packets kept for retransmission per layer: about 1.5 s of a 2 Mbps stream. */
const CACHE_PACKETS = 512;

/**
 * One encoding of a producer: the only one for a plain stream, one per rid for simulcast. Each has
 * its own SSRC (and RTX SSRC), learnt from the offer or from the rid extension, and everything
 * that is per RTP stream: reception statistics, loss detection, the retransmission cache, key frame
 * requests, the publisher's Sender Reports, and what it costs (bits per second, picture size).
 */
export class ProducerLayer {
  /** -1 until known. */
  ssrc = -1;
  rtxSsrc = -1;
  stats: ReceiveStats | null = null;
  /** Video with NACK negotiated: what to ask the publisher to resend. */
  nack: NackGenerator | null = null;
  /** Video: recent packets for subscribers' NACKs. */
  readonly cache: PacketCache | null;
  readonly keyFrames: KeyFrameRequestMerger;
  /** The publisher's last Sender Report about this layer, and how many it has sent. */
  readonly senderReport: SenderInfo = newSenderInfo();
  senderReports = 0;
  readonly bitrate = new BitrateMeter();
  /** The picture size of the last key frame (VP8 says it there), 0 while unknown. */
  width = 0;
  height = 0;
  /** When dynacast last asked the publisher to send this layer (-Infinity: never, or it is off). */
  turnedOnAtMs = Number.NEGATIVE_INFINITY;
  /** Dynacast has it off at the publisher: silence is ours, not the publisher's choice. */
  switchedOff = false;

  constructor(
    /** The track this layer belongs to (the packet path goes from SSRC to layer to producer). */
    readonly producer: SfuProducer,
    /** 0 = lowest. */
    readonly index: number,
    /** '' for a plain stream; the rid (or the SIM position) for simulcast. */
    readonly rid: string,
    video: boolean,
    private readonly clockRate: () => number,
    private readonly wantsNack: () => boolean,
    /** The track's encoder, which every layer's key frame requests go to. */
    encoder: KeyFrameWindow,
  ) {
    this.cache = video ? new PacketCache(CACHE_PACKETS) : null;
    this.keyFrames = new KeyFrameRequestMerger(KEY_FRAME_INTERVAL_MS, undefined, undefined, encoder);
  }

  /** A new media SSRC: a new stream (statistics, loss detection and cache start over). */
  setSsrc(ssrc: number): boolean {
    if (ssrc === this.ssrc) return false;
    this.ssrc = ssrc;
    this.stats = new ReceiveStats(ssrc, this.clockRate());
    this.nack = this.wantsNack() ? new NackGenerator() : null;
    this.cache?.clear();
    this.senderReports = 0;
    return true;
  }

  /** After a (re)negotiation: NACK on or off. */
  renegotiated(): void {
    if (!this.wantsNack()) this.nack = null;
    else if (this.nack === null && this.ssrc >= 0) this.nack = new NackGenerator();
  }

  /** Worth allocating to a subscriber: sending, or silent only because we switched it off (or just asked for it). */
  available(nowMs: number, startGraceMs: number): boolean {
    return this.bitrate.active(nowMs) || this.switchedOff || nowMs - this.turnedOnAtMs < startGraceMs;
  }
}

/** The highest layer below `target` that is being sent now (its bitrate is live), or -1. */
export function flowingLayerBelow(layers: readonly ProducerLayer[], target: number, nowMs: number): number {
  for (let i = target - 1; i >= 0; i--) if (layers[i]!.bitrate.active(nowMs)) return i;
  return -1;
}
