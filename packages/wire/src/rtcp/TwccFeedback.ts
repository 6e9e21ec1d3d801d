import { readU16, readU32, writeU16, writeU24, writeU32 } from './bytes';
import { RtcpType, RtpfbFormat, ensureRoom, writeRtcpHeader } from './rtcpHeader';

/** Per-packet status symbols (draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1.1). */
export const TwccSymbol = {
  NotReceived: 0,
  /** Received, delta 0..255 ticks of 250 µs (one byte). */
  SmallDelta: 1,
  /** Received, delta -32768..32767 ticks (two bytes, signed). */
  LargeDelta: 2,
} as const;

const FIXED_SIZE = 20;
const MAX_RUN = 0x1fff;

/**
 * One transport-wide congestion control feedback packet (RTPFB FMT 15), as parsed or to be
 * written: the arrival status of `statusCount` packets from `baseSeq`, and for each received one
 * its arrival time as a delta in 250 µs ticks from the previous received packet (the first from
 * `referenceTime` * 64 ms). One instance is reused; its arrays are allocated once.
 *
 *  base sequence number | packet status count | reference time (24) | fb pkt count (8)
 *  packet chunks (16 bits each) ... | recv deltas (8 or 16 bits each) ... | padding
 */
export class TwccFeedback {
  senderSsrc = 0;
  mediaSsrc = 0;
  baseSeq = 0;
  statusCount = 0;
  /** 24-bit signed, in 64 ms units. */
  referenceTime = 0;
  /** The feedback packet's own 8-bit counter. */
  feedbackCount = 0;
  /** TwccSymbol of packet i (baseSeq + i). */
  readonly symbols: Uint8Array;
  /** Receive delta of packet i in 250 µs ticks (meaningful only when received). */
  readonly deltas: Int32Array;

  /** `capacity`: the most packets one feedback may describe (the 16-bit count allows 65535). */
  constructor(readonly capacity = 0xffff) {
    this.symbols = new Uint8Array(capacity);
    this.deltas = new Int32Array(capacity);
  }

  /**
   * Parses the packet at `at` (content end `end`, RtcpCursor.offset / .end). False, with the
   * fields in an unspecified state, if it is not TWCC feedback or is malformed: no packets,
   * more than `capacity`, chunks or deltas cut short, or the reserved two-bit symbol.
   */
  read(buf: Uint8Array, at: number, end: number): boolean {
    if (buf[at + 1] !== RtcpType.RTPFB || (buf[at]! & 0x1f) !== RtpfbFormat.TWCC || end - at < FIXED_SIZE) return false;
    const count = readU16(buf, at + 14);
    if (count === 0 || count > this.capacity) return false;
    this.senderSsrc = readU32(buf, at + 4);
    this.mediaSsrc = readU32(buf, at + 8);
    this.baseSeq = readU16(buf, at + 12);
    this.statusCount = count;
    this.referenceTime = ((buf[at + 16]! << 24) | (buf[at + 17]! << 16) | (buf[at + 18]! << 8)) >> 8;
    this.feedbackCount = buf[at + 19]!;
    const symbols = this.symbols;
    let i = at + FIXED_SIZE;
    let n = 0;
    while (n < count) {
      if (i + 2 > end) return false;
      const chunk = readU16(buf, i);
      i += 2;
      if ((chunk & 0x8000) === 0) {
        const symbol = (chunk >> 13) & 0x03;
        if (symbol === 3) return false;
        const stop = Math.min(count, n + (chunk & MAX_RUN));
        while (n < stop) symbols[n++] = symbol;
      } else if ((chunk & 0x4000) === 0) {
        for (let bit = 13; bit >= 0 && n < count; bit--) symbols[n++] = (chunk >> bit) & 0x01;
      } else {
        for (let shift = 12; shift >= 0 && n < count; shift -= 2) {
          const symbol = (chunk >> shift) & 0x03;
          if (symbol === 3) return false;
          symbols[n++] = symbol;
        }
      }
    }
    const deltas = this.deltas;
    for (n = 0; n < count; n++) {
      const symbol = symbols[n]!;
      if (symbol === TwccSymbol.SmallDelta) {
        if (i + 1 > end) return false;
        deltas[n] = buf[i++]!;
      } else if (symbol === TwccSymbol.LargeDelta) {
        if (i + 2 > end) return false;
        deltas[n] = (readU16(buf, i) << 16) >> 16;
        i += 2;
      } else {
        deltas[n] = 0;
      }
    }
    return true;
  }

  /** Bytes write() will take, padding included. */
  size(): number {
    let bytes = FIXED_SIZE + 2 * this.encodeChunks(null, 0);
    // A symbol's value is also its delta's size in bytes: 0, 1 or 2.
    for (let n = 0; n < this.statusCount; n++) bytes += this.symbols[n]!;
    return (bytes + 3) & ~3;
  }

  /**
   * Writes the packet at `at` and returns the offset after it. Chunks are chosen greedily (run
   * length for long runs, otherwise one-bit vectors unless a large delta needs two bits); the
   * length is padded to 32 bits with the P bit set, as libwebrtc does. Throws RangeError on a
   * delta out of its symbol's range or a buffer too small: programming errors.
   */
  write(buf: Uint8Array, at: number): number {
    const count = this.statusCount;
    if (count === 0 || count > this.capacity) throw new RangeError(`TWCC feedback needs 1-${this.capacity} packets, has ${count}`);
    const size = this.size();
    ensureRoom(buf, at, size);
    writeU32(buf, at + 4, this.senderSsrc);
    writeU32(buf, at + 8, this.mediaSsrc);
    writeU16(buf, at + 12, this.baseSeq);
    writeU16(buf, at + 14, count);
    writeU24(buf, at + 16, this.referenceTime & 0xffffff);
    buf[at + 19] = this.feedbackCount & 0xff;
    let i = at + FIXED_SIZE + 2 * this.encodeChunks(buf, at + FIXED_SIZE);
    for (let n = 0; n < count; n++) {
      const symbol = this.symbols[n]!;
      const delta = this.deltas[n]!;
      if (symbol === TwccSymbol.SmallDelta) {
        if (delta < 0 || delta > 0xff) throw new RangeError(`small TWCC delta out of range: ${delta}`);
        buf[i++] = delta;
      } else if (symbol === TwccSymbol.LargeDelta) {
        if (delta < -0x8000 || delta > 0x7fff) throw new RangeError(`large TWCC delta out of range: ${delta}`);
        writeU16(buf, i, delta & 0xffff);
        i += 2;
      }
    }
    const padding = at + size - i;
    if (padding > 0) {
      buf.fill(0, i, at + size - 1);
      buf[at + size - 1] = padding;
    }
    writeRtcpHeader(buf, at, RtpfbFormat.TWCC, RtcpType.RTPFB, size, padding > 0);
    return at + size;
  }

  /** Encodes the status chunks at `at` (or only counts them when `buf` is null); returns how many. */
  private encodeChunks(buf: Uint8Array | null, at: number): number {
    const symbols = this.symbols;
    const count = this.statusCount;
    let chunks = 0;
    let n = 0;
    while (n < count) {
      const symbol = symbols[n]!;
      let run = 1;
      while (n + run < count && run < MAX_RUN && symbols[n + run] === symbol) run++;
      let chunk: number;
      let covered: number;
      const window = Math.min(14, count - n);
      if (run >= 14) {
        chunk = (symbol << 13) | run;
        covered = run;
      } else if (noLargeDelta(symbols, n, window)) {
        chunk = 0x8000;
        for (let k = 0; k < window; k++) chunk |= symbols[n + k]! << (13 - k);
        covered = window;
      } else if (run >= 7) {
        chunk = (symbol << 13) | run;
        covered = run;
      } else {
        covered = Math.min(7, count - n);
        chunk = 0xc000;
        for (let k = 0; k < covered; k++) chunk |= symbols[n + k]! << (12 - 2 * k);
      }
      if (buf) writeU16(buf, at + chunks * 2, chunk);
      chunks++;
      n += covered;
    }
    return chunks;
  }
}

function noLargeDelta(symbols: Uint8Array, from: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (symbols[from + k] === TwccSymbol.LargeDelta) return false;
  return true;
}
