import { rtpSeq, rtpSsrc, rtpTimestamp, setRtpPayloadType, setRtpSeq, setRtpSsrc, setRtpTimestamp } from './rtpHeader';
import { seqDelta } from './seq';

/** After this many packets into a segment, late packets from before its start can no longer arrive. */
const SEGMENT_GUARD_PACKETS = 1000;
/** A start timestamp further than this past the last one sent is not believed (seconds). */
const MAX_START_AHEAD_SECONDS = 10;

/**
 * Where an RtpStreamRewriter keeps its state in its Float64Array (every value is exact in a
 * double). The native fan-out (packages/srtp/native/rtp_fanout.c) reads and advances the same
 * fields in place for the steady case, so the order here is a contract with that file.
 */
export const REWRITER_STATE = {
  ssrc: 0,
  payloadType: 1,
  clockRate: 2,
  packetCount: 3,
  octetCount: 4,
  sourceSsrc: 5,
  previousSourceSsrc: 6,
  seqOffset: 7,
  tsOffset: 8,
  started: 9,
  resyncPending: 10,
  /** The output timestamp the next segment starts at, -1: from the time elapsed. */
  startTs: 11,
  /** The newest packet sent, in the receiver's numbering, and when. */
  lastSeq: 12,
  lastTs: 13,
  lastSentMs: 14,
  /** The current segment's first source and output sequence numbers, and how many it spans (saturating). */
  segmentSourceSeq: 15,
  segmentOutSeq: 16,
  segmentPackets: 17,
  size: 18,
} as const;

const SSRC = REWRITER_STATE.ssrc;
const PAYLOAD_TYPE = REWRITER_STATE.payloadType;
const CLOCK_RATE = REWRITER_STATE.clockRate;
const PACKET_COUNT = REWRITER_STATE.packetCount;
const OCTET_COUNT = REWRITER_STATE.octetCount;
const SOURCE_SSRC = REWRITER_STATE.sourceSsrc;
const PREVIOUS_SOURCE_SSRC = REWRITER_STATE.previousSourceSsrc;
const SEQ_OFFSET = REWRITER_STATE.seqOffset;
const TS_OFFSET = REWRITER_STATE.tsOffset;
const STARTED = REWRITER_STATE.started;
const RESYNC_PENDING = REWRITER_STATE.resyncPending;
const START_TS = REWRITER_STATE.startTs;
const LAST_SEQ = REWRITER_STATE.lastSeq;
const LAST_TS = REWRITER_STATE.lastTs;
const LAST_SENT_MS = REWRITER_STATE.lastSentMs;
const SEGMENT_SOURCE_SEQ = REWRITER_STATE.segmentSourceSeq;
const SEGMENT_OUT_SEQ = REWRITER_STATE.segmentOutSeq;
const SEGMENT_PACKETS = REWRITER_STATE.segmentPackets;

/**
 * One consumer's outgoing stream: rewrites SSRC, payload type, sequence number and timestamp of
 * the source's packets in place, so the receiver sees one continuous stream although the source
 * behind it may change (producer restarted with a new SSRC, simulcast layer switched, paused and
 * resumed). Each change starts a "segment": its first packet follows the last one sent (sequence
 * number + 1, timestamp + the time elapsed at `clockRate`, or the timestamp the caller worked out
 * from Sender Reports), so the receiver sees no gap beyond real loss; packets from before the
 * change that arrive late are refused.
 *
 * The state lives in `state[base, base + REWRITER_STATE.size)`: its own array by default, or a
 * row of the native fan-out's (moveState), which continues the same stream in place.
 */
export class RtpStreamRewriter {
  private s: Float64Array;
  private b: number;

  constructor(ssrc: number, payloadType: number, clockRate: number) {
    this.s = new Float64Array(REWRITER_STATE.size);
    this.b = 0;
    const s = this.s;
    s[SSRC] = ssrc;
    s[PAYLOAD_TYPE] = payloadType;
    s[CLOCK_RATE] = clockRate;
    s[SOURCE_SSRC] = -1;
    s[PREVIOUS_SOURCE_SSRC] = -1;
    s[START_TS] = -1;
  }

  /** Copies the state to `state[base, ...)` and keeps it there from now on. */
  moveState(state: Float64Array, base: number): void {
    if (state === this.s && base === this.b) return;
    state.set(this.s.subarray(this.b, this.b + REWRITER_STATE.size), base);
    this.s = state;
    this.b = base;
  }

  get ssrc(): number {
    return this.s[this.b + SSRC]!;
  }

  get payloadType(): number {
    return this.s[this.b + PAYLOAD_TYPE]!;
  }

  get clockRate(): number {
    return this.s[this.b + CLOCK_RATE]!;
  }

  /** Packets and payload octets sent, for this stream's Sender Reports. */
  get packetCount(): number {
    return this.s[this.b + PACKET_COUNT]!;
  }

  get octetCount(): number {
    return this.s[this.b + OCTET_COUNT]!;
  }

  /**
   * The next packet starts a new segment, even from the same source (after a pause, a layer
   * switch). `startTs`: the output timestamp that packet should get, when the caller knows it
   * (a simulcast switch mapped through both layers' Sender Reports, so the stream's timestamps
   * stay tied to capture time and the receiver's lip sync holds); used if it is after the last
   * timestamp sent, else the time elapsed since the last packet decides.
   */
  resync(startTs = -1): void {
    this.s[this.b + RESYNC_PENDING] = 1;
    this.s[this.b + START_TS] = startTs;
  }

  /**
   * Rewrites the header of a source packet (already copied into this consumer's buffer) in place.
   * `payloadSize` counts towards the Sender Report's octet count. Returns false, leaving `buf`
   * unchanged, if the packet must not be sent (it belongs to before the current segment).
   */
  rewrite(buf: Uint8Array, payloadSize: number, nowMs: number): boolean {
    const s = this.s;
    const b = this.b;
    const ssrc = rtpSsrc(buf);
    const seq = rtpSeq(buf);
    const ts = rtpTimestamp(buf);
    const resyncPending = s[b + RESYNC_PENDING] !== 0;
    if (ssrc !== s[b + SOURCE_SSRC] || resyncPending) {
      if (ssrc === s[b + PREVIOUS_SOURCE_SSRC] && !resyncPending) return false;
      this.startSegment(ssrc, seq, ts, nowMs);
    } else if (s[b + SEGMENT_PACKETS]! < SEGMENT_GUARD_PACKETS && seqDelta(seq, s[b + SEGMENT_SOURCE_SEQ]!) < 0) {
      return false;
    }
    const outSeq = (seq + s[b + SEQ_OFFSET]!) & 0xffff;
    const outTs = (ts + s[b + TS_OFFSET]!) >>> 0;
    if (seqDelta(outSeq, s[b + LAST_SEQ]!) > 0) {
      s[b + LAST_SEQ] = outSeq;
      s[b + LAST_TS] = outTs;
      s[b + LAST_SENT_MS] = nowMs;
      if (s[b + SEGMENT_PACKETS]! < SEGMENT_GUARD_PACKETS) {
        s[b + SEGMENT_PACKETS] = Math.min(SEGMENT_GUARD_PACKETS, seqDelta(outSeq, s[b + SEGMENT_OUT_SEQ]!) + 1);
      }
    }
    setRtpSsrc(buf, s[b + SSRC]!);
    setRtpPayloadType(buf, s[b + PAYLOAD_TYPE]!);
    setRtpSeq(buf, outSeq);
    setRtpTimestamp(buf, outTs);
    s[b + PACKET_COUNT] = s[b + PACKET_COUNT]! + 1;
    s[b + OCTET_COUNT] = s[b + OCTET_COUNT]! + payloadSize;
    return true;
  }

  /**
   * Rewrites a retransmission of a packet sent earlier (from the producer's cache) with the
   * current offsets, leaving the stream's state alone. False if it is not from the current segment.
   */
  rewriteRetransmission(buf: Uint8Array): boolean {
    const s = this.s;
    const b = this.b;
    if (rtpSsrc(buf) !== s[b + SOURCE_SSRC] || s[b + RESYNC_PENDING] !== 0) return false;
    const outSeq = (rtpSeq(buf) + s[b + SEQ_OFFSET]!) & 0xffff;
    if (!this.inSegment(outSeq)) return false;
    setRtpSsrc(buf, s[b + SSRC]!);
    setRtpPayloadType(buf, s[b + PAYLOAD_TYPE]!);
    setRtpSeq(buf, outSeq);
    setRtpTimestamp(buf, (rtpTimestamp(buf) + s[b + TS_OFFSET]!) >>> 0);
    return true;
  }

  /**
   * The source sequence number behind `outSeq` (as NACKed by the receiver), or -1 if it was not
   * sent in the current segment (within its last SEGMENT_GUARD_PACKETS).
   */
  sourceSeq(outSeq: number): number {
    return this.inSegment(outSeq) ? (outSeq - this.s[this.b + SEQ_OFFSET]!) & 0xffff : -1;
  }

  /** The current source's SSRC, or -1 before the first packet. */
  get currentSourceSsrc(): number {
    return this.s[this.b + SOURCE_SSRC]!;
  }

  /** Added to the source's RTP timestamps (mod 2^32); what Sender Report translation needs. */
  get timestampOffset(): number {
    return this.s[this.b + TS_OFFSET]!;
  }

  /** Sent in this segment: at or before the newest, and no further back than the segment's start. */
  private inSegment(outSeq: number): boolean {
    const s = this.s;
    const b = this.b;
    const back = seqDelta(s[b + LAST_SEQ]!, outSeq);
    return s[b + STARTED] !== 0 && back >= 0 && back < s[b + SEGMENT_PACKETS]!;
  }

  private startSegment(ssrc: number, seq: number, ts: number, nowMs: number): void {
    const s = this.s;
    const b = this.b;
    if (s[b + STARTED] !== 0) {
      const clockRate = s[b + CLOCK_RATE]!;
      const lastTs = s[b + LAST_TS]!;
      const startTs = s[b + START_TS]!;
      const elapsed = Math.max(1, Math.round(((nowMs - s[b + LAST_SENT_MS]!) * clockRate) / 1000));
      const ahead = (startTs - lastTs) | 0;
      const start = startTs >= 0 && ahead > 0 && ahead < MAX_START_AHEAD_SECONDS * clockRate ? startTs : lastTs + elapsed;
      s[b + SEQ_OFFSET] = (s[b + LAST_SEQ]! + 1 - seq) & 0xffff;
      s[b + TS_OFFSET] = (start - ts) >>> 0;
    } else {
      s[b + STARTED] = 1;
      s[b + LAST_SEQ] = (seq - 1) & 0xffff; // so the first packet counts as the newest
    }
    if (ssrc !== s[b + SOURCE_SSRC]) s[b + PREVIOUS_SOURCE_SSRC] = s[b + SOURCE_SSRC]!;
    s[b + SOURCE_SSRC] = ssrc;
    s[b + RESYNC_PENDING] = 0;
    s[b + START_TS] = -1;
    s[b + SEGMENT_SOURCE_SEQ] = seq;
    s[b + SEGMENT_OUT_SEQ] = (seq + s[b + SEQ_OFFSET]!) & 0xffff;
    s[b + SEGMENT_PACKETS] = 0;
  }
}
