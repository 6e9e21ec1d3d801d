import { rtpSeq, rtpSsrc, rtpTimestamp, setRtpPayloadType, setRtpSeq, setRtpSsrc, setRtpTimestamp } from './rtpHeader';
import { seqDelta } from './seq';

/** After this many packets into a segment, late packets from before its start can no longer arrive. */
const SEGMENT_GUARD_PACKETS = 1000;
/** A start timestamp further than this past the last one sent is not believed (seconds). */
const MAX_START_AHEAD_SECONDS = 10;

/**
 * One consumer's outgoing stream: rewrites SSRC, payload type, sequence number and timestamp of
 * the source's packets in place, so the receiver sees one continuous stream although the source
 * behind it may change (producer restarted with a new SSRC, simulcast layer switched, paused and
 * resumed). Each change starts a "segment": its first packet follows the last one sent (sequence
 * number + 1, timestamp + the time elapsed at `clockRate`, or the timestamp the caller worked out
 * from Sender Reports), so the receiver sees no gap beyond real loss; packets from before the
 * change that arrive late are refused.
 */
export class RtpStreamRewriter {
  /** Packets and payload octets sent, for this stream's Sender Reports. */
  packetCount = 0;
  octetCount = 0;
  private sourceSsrc = -1;
  private previousSourceSsrc = -1;
  private seqOffset = 0;
  private tsOffset = 0;
  private started = false;
  private resyncPending = false;
  /** The output timestamp the next segment starts at, -1: from the time elapsed. */
  private startTs = -1;
  /** The newest packet sent, in the receiver's numbering, and when. */
  private lastSeq = 0;
  private lastTs = 0;
  private lastSentMs = 0;
  /** The current segment's first source and output sequence numbers, and how many it spans (saturating). */
  private segmentSourceSeq = 0;
  private segmentOutSeq = 0;
  private segmentPackets = 0;

  constructor(
    readonly ssrc: number,
    readonly payloadType: number,
    readonly clockRate: number,
  ) {}

  /**
   * The next packet starts a new segment, even from the same source (after a pause, a layer
   * switch). `startTs`: the output timestamp that packet should get, when the caller knows it
   * (a simulcast switch mapped through both layers' Sender Reports, so the stream's timestamps
   * stay tied to capture time and the receiver's lip sync holds); used if it is after the last
   * timestamp sent, else the time elapsed since the last packet decides.
   */
  resync(startTs = -1): void {
    this.resyncPending = true;
    this.startTs = startTs;
  }

  /**
   * Rewrites the header of a source packet (already copied into this consumer's buffer) in place.
   * `payloadSize` counts towards the Sender Report's octet count. Returns false, leaving `buf`
   * unchanged, if the packet must not be sent (it belongs to before the current segment).
   */
  rewrite(buf: Uint8Array, payloadSize: number, nowMs: number): boolean {
    const ssrc = rtpSsrc(buf);
    const seq = rtpSeq(buf);
    const ts = rtpTimestamp(buf);
    if (ssrc !== this.sourceSsrc || this.resyncPending) {
      if (ssrc === this.previousSourceSsrc && !this.resyncPending) return false;
      this.startSegment(ssrc, seq, ts, nowMs);
    } else if (this.segmentPackets < SEGMENT_GUARD_PACKETS && seqDelta(seq, this.segmentSourceSeq) < 0) {
      return false;
    }
    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    if (seqDelta(outSeq, this.lastSeq) > 0) {
      this.lastSeq = outSeq;
      this.lastTs = outTs;
      this.lastSentMs = nowMs;
      if (this.segmentPackets < SEGMENT_GUARD_PACKETS) {
        this.segmentPackets = Math.min(SEGMENT_GUARD_PACKETS, seqDelta(outSeq, this.segmentOutSeq) + 1);
      }
    }
    setRtpSsrc(buf, this.ssrc);
    setRtpPayloadType(buf, this.payloadType);
    setRtpSeq(buf, outSeq);
    setRtpTimestamp(buf, outTs);
    this.packetCount++;
    this.octetCount += payloadSize;
    return true;
  }

  /**
   * Rewrites a retransmission of a packet sent earlier (from the producer's cache) with the
   * current offsets, leaving the stream's state alone. False if it is not from the current segment.
   */
  rewriteRetransmission(buf: Uint8Array): boolean {
    if (rtpSsrc(buf) !== this.sourceSsrc || this.resyncPending) return false;
    const outSeq = (rtpSeq(buf) + this.seqOffset) & 0xffff;
    if (!this.inSegment(outSeq)) return false;
    setRtpSsrc(buf, this.ssrc);
    setRtpPayloadType(buf, this.payloadType);
    setRtpSeq(buf, outSeq);
    setRtpTimestamp(buf, (rtpTimestamp(buf) + this.tsOffset) >>> 0);
    return true;
  }

  /**
   * The source sequence number behind `outSeq` (as NACKed by the receiver), or -1 if it was not
   * sent in the current segment (within its last SEGMENT_GUARD_PACKETS).
   */
  sourceSeq(outSeq: number): number {
    return this.inSegment(outSeq) ? (outSeq - this.seqOffset) & 0xffff : -1;
  }

  /** The current source's SSRC, or -1 before the first packet. */
  get currentSourceSsrc(): number {
    return this.sourceSsrc;
  }

  /** Added to the source's RTP timestamps (mod 2^32); what Sender Report translation needs. */
  get timestampOffset(): number {
    return this.tsOffset;
  }

  /** Sent in this segment: at or before the newest, and no further back than the segment's start. */
  private inSegment(outSeq: number): boolean {
    const back = seqDelta(this.lastSeq, outSeq);
    return this.started && back >= 0 && back < this.segmentPackets;
  }

  private startSegment(ssrc: number, seq: number, ts: number, nowMs: number): void {
    if (this.started) {
      const elapsed = Math.max(1, Math.round(((nowMs - this.lastSentMs) * this.clockRate) / 1000));
      const ahead = (this.startTs - this.lastTs) | 0;
      const start = this.startTs >= 0 && ahead > 0 && ahead < MAX_START_AHEAD_SECONDS * this.clockRate ? this.startTs : this.lastTs + elapsed;
      this.seqOffset = (this.lastSeq + 1 - seq) & 0xffff;
      this.tsOffset = (start - ts) >>> 0;
    } else {
      this.started = true;
      this.lastSeq = (seq - 1) & 0xffff; // so the first packet counts as the newest
    }
    if (ssrc !== this.sourceSsrc) this.previousSourceSsrc = this.sourceSsrc;
    this.sourceSsrc = ssrc;
    this.resyncPending = false;
    this.startTs = -1;
    this.segmentSourceSeq = seq;
    this.segmentOutSeq = (seq + this.seqOffset) & 0xffff;
    this.segmentPackets = 0;
  }
}
