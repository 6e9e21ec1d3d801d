import { SeqUnwrapper } from '../rtp/seq';

export interface NackGeneratorOptions {
  /** Most sequence numbers wanted at once; beyond it the stream needs a key frame instead. */
  maxListSize?: number;
  /** NACKs per sequence number before giving up on it. */
  maxRetries?: number;
  /** A sequence number missing for longer than this is given up (the decoder has moved on). */
  maxAgeMs?: number;
  /** Floor of the retry interval, which is otherwise the round-trip time. */
  minRetryIntervalMs?: number;
  /** A jump in sequence numbers beyond this (either way) is a restart, not loss. */
  maxJump?: number;
}

/**
 * Which packets of one incoming video stream to NACK, and when (RFC 4585 generic NACK): a gap in
 * sequence numbers adds the missing ones; the first NACK goes at the next collect(), a retry
 * once a round-trip time has passed without the packet; a sequence number is given up after
 * `maxRetries` NACKs or `maxAgeMs`. If too many go missing at once, the list keeps only what
 * follows the last key frame, and if that is still too many it is cleared and onPacket() asks
 * for a key frame. Storage is allocated once; time is passed in (ms, monotonic).
 */
export class NackGenerator {
  private readonly maxListSize: number;
  private readonly maxRetries: number;
  private readonly maxAgeMs: number;
  private readonly minRetryIntervalMs: number;
  private readonly maxJump: number;
  private readonly unwrapper = new SeqUnwrapper();
  /** The missing list, in increasing (unwrapped) sequence order, `size` entries long. */
  private readonly seqs: Float64Array;
  private readonly firstSeenMs: Float64Array;
  private readonly lastSentMs: Float64Array;
  private readonly tries: Uint8Array;
  private size = 0;
  private highest = -1;
  private lastKeyFrame = -1;

  constructor(options: NackGeneratorOptions = {}) {
    this.maxListSize = options.maxListSize ?? 500;
    this.maxRetries = Math.min(options.maxRetries ?? 10, 255);
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    this.minRetryIntervalMs = options.minRetryIntervalMs ?? 10;
    this.maxJump = options.maxJump ?? 3000;
    if (!Number.isInteger(this.maxListSize) || this.maxListSize < 1) throw new RangeError('NackGenerator maxListSize must be a positive integer');
    this.seqs = new Float64Array(this.maxListSize);
    this.firstSeenMs = new Float64Array(this.maxListSize);
    this.lastSentMs = new Float64Array(this.maxListSize);
    this.tries = new Uint8Array(this.maxListSize);
  }

  /** Sequence numbers currently wanted. */
  get missing(): number {
    return this.size;
  }

  /**
   * Notes a received packet (original or retransmission). Returns true when so many packets went
   * missing that NACKing them is pointless: request a key frame.
   */
  onPacket(seq: number, nowMs: number, isKeyFrame = false): boolean {
    const ext = this.unwrapper.unwrap(seq);
    if (this.highest < 0 || Math.abs(ext - this.highest) > this.maxJump) {
      this.size = 0;
      this.highest = ext;
      this.lastKeyFrame = isKeyFrame ? ext : -1;
      return false;
    }
    if (isKeyFrame && ext > this.lastKeyFrame) this.lastKeyFrame = ext;
    if (ext <= this.highest) {
      this.remove(ext);
      return false;
    }
    const gap = ext - this.highest - 1;
    const from = this.highest + 1;
    this.highest = ext;
    if (gap === 0) return false;
    if (this.size + gap > this.maxListSize) {
      this.dropBefore(this.lastKeyFrame);
      if (this.size + gap > this.maxListSize) {
        this.size = 0;
        return true;
      }
    }
    for (let s = from; s < ext; s++) {
      const i = this.size++;
      this.seqs[i] = s;
      this.firstSeenMs[i] = nowMs;
      this.lastSentMs[i] = 0;
      this.tries[i] = 0;
    }
    return false;
  }

  /**
   * Writes to `out` the sequence numbers to NACK now (16-bit, increasing), at most `out.length`,
   * and returns how many; drops those given up. `rttMs` spaces the retries.
   */
  collect(nowMs: number, rttMs: number, out: { [i: number]: number; readonly length: number }): number {
    const interval = Math.max(rttMs, this.minRetryIntervalMs);
    let n = 0;
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      const tries = this.tries[i]!;
      if (tries >= this.maxRetries || nowMs - this.firstSeenMs[i]! > this.maxAgeMs) continue;
      let sent = this.lastSentMs[i]!;
      let sentTries = tries;
      if (n < out.length && (tries === 0 || nowMs - sent >= interval)) {
        out[n++] = this.seqs[i]! & 0xffff;
        sent = nowMs;
        sentTries++;
      }
      this.seqs[kept] = this.seqs[i]!;
      this.firstSeenMs[kept] = this.firstSeenMs[i]!;
      this.lastSentMs[kept] = sent;
      this.tries[kept] = sentTries;
      kept++;
    }
    this.size = kept;
    return n;
  }

  private remove(ext: number): void {
    // Binary search: the list is sorted.
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.seqs[mid]!;
      if (value === ext) {
        this.seqs.copyWithin(mid, mid + 1, this.size);
        this.firstSeenMs.copyWithin(mid, mid + 1, this.size);
        this.lastSentMs.copyWithin(mid, mid + 1, this.size);
        this.tries.copyWithin(mid, mid + 1, this.size);
        this.size--;
        return;
      }
      if (value < ext) lo = mid + 1;
      else hi = mid - 1;
    }
  }

  /** Forgets entries older than `ext` (nothing after a key frame depends on them). */
  private dropBefore(ext: number): void {
    let k = 0;
    while (k < this.size && this.seqs[k]! < ext) k++;
    if (k === 0) return;
    this.seqs.copyWithin(0, k, this.size);
    this.firstSeenMs.copyWithin(0, k, this.size);
    this.lastSentMs.copyWithin(0, k, this.size);
    this.tries.copyWithin(0, k, this.size);
    this.size -= k;
  }
}
