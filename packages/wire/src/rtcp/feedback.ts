/**
 * Feedback messages (RFC 4585 6.1): generic NACK (6.2.1), PLI (6.3.1), FIR (RFC 5104 4.3.1) and
 * REMB (draft-alvestrand-rmcat-remb). Readers take the packet's header offset `at` and content
 * end (RtcpCursor.offset / .end) and never read past `end`.
 *
 * Common layout: header (4), SSRC of packet sender (4), SSRC of media source (4), FCI.
 */
import { readU16, readU32, writeU16, writeU32 } from './bytes';
import { PsfbFormat, RtcpType, RtpfbFormat, ensureRoom, writeRtcpHeader } from './rtcpHeader';

const FEEDBACK_HEADER_SIZE = 12;

function isFeedback(buf: Uint8Array, at: number, end: number, type: number, format: number): boolean {
  return buf[at + 1] === type && (buf[at]! & 0x1f) === format && end - at >= FEEDBACK_HEADER_SIZE;
}

function writeFeedbackHeader(buf: Uint8Array, at: number, type: number, format: number, size: number, sender: number, media: number): void {
  ensureRoom(buf, at, size);
  writeRtcpHeader(buf, at, format, type, size);
  writeU32(buf, at + 4, sender);
  writeU32(buf, at + 8, media);
}

/**
 * The sequence numbers a generic NACK asks for, written to `out` (PID, then PID + 1 + i for each
 * set bit i of BLP), at most `out.length` of them. Returns how many, or -1 if the packet is not a
 * NACK or its FCI is not whole (PID, BLP) pairs.
 */
export function readNack(buf: Uint8Array, at: number, end: number, out: { [i: number]: number; readonly length: number }): number {
  if (!isFeedback(buf, at, end, RtcpType.RTPFB, RtpfbFormat.NACK) || (end - at - FEEDBACK_HEADER_SIZE) % 4 !== 0) return -1;
  let n = 0;
  for (let i = at + FEEDBACK_HEADER_SIZE; i < end && n < out.length; i += 4) {
    const pid = readU16(buf, i);
    const blp = readU16(buf, i + 2);
    out[n++] = pid;
    for (let bit = 0; bit < 16 && n < out.length; bit++) {
      if (blp & (1 << bit)) out[n++] = (pid + bit + 1) & 0xffff;
    }
  }
  return n;
}

/** How many (PID, BLP) items writeNack() makes of `seqs` (best when in increasing order). */
export function nackItemCount(seqs: ArrayLike<number>, count: number): number {
  let items = 0;
  let pid = -1;
  for (let i = 0; i < count; i++) {
    const seq = seqs[i]! & 0xffff;
    const bit = (seq - pid - 1) & 0xffff;
    if (pid < 0 || bit >= 16) {
      items++;
      pid = seq;
    }
  }
  return items;
}

export function nackSize(seqs: ArrayLike<number>, count: number): number {
  return FEEDBACK_HEADER_SIZE + 4 * nackItemCount(seqs, count);
}

/** A generic NACK for the first `count` of `seqs`; a sequence number within 16 after the current PID joins its BLP. */
export function writeNack(buf: Uint8Array, at: number, senderSsrc: number, mediaSsrc: number, seqs: ArrayLike<number>, count: number): number {
  const size = nackSize(seqs, count);
  writeFeedbackHeader(buf, at, RtcpType.RTPFB, RtpfbFormat.NACK, size, senderSsrc, mediaSsrc);
  let item = at + FEEDBACK_HEADER_SIZE - 4;
  let pid = -1;
  let blp = 0;
  for (let i = 0; i < count; i++) {
    const seq = seqs[i]! & 0xffff;
    const bit = (seq - pid - 1) & 0xffff;
    if (pid < 0 || bit >= 16) {
      if (pid >= 0) writeU16(buf, item + 2, blp);
      item += 4;
      pid = seq;
      blp = 0;
      writeU16(buf, item, pid);
    } else {
      blp |= 1 << bit;
    }
  }
  if (pid >= 0) writeU16(buf, item + 2, blp);
  return at + size;
}

export function isPli(buf: Uint8Array, at: number, end: number): boolean {
  return isFeedback(buf, at, end, RtcpType.PSFB, PsfbFormat.PLI);
}

export const PLI_SIZE = 12;

export function writePli(buf: Uint8Array, at: number, senderSsrc: number, mediaSsrc: number): number {
  writeFeedbackHeader(buf, at, RtcpType.PSFB, PsfbFormat.PLI, PLI_SIZE, senderSsrc, mediaSsrc);
  return at + PLI_SIZE;
}

const FIR_ENTRY_SIZE = 8;
export const FIR_SIZE = FEEDBACK_HEADER_SIZE + FIR_ENTRY_SIZE;

/** Number of FCI entries of a FIR, or -1 if the packet is not a FIR or its entries are not whole. */
export function firEntryCount(buf: Uint8Array, at: number, end: number): number {
  if (!isFeedback(buf, at, end, RtcpType.PSFB, PsfbFormat.FIR)) return -1;
  const bytes = end - at - FEEDBACK_HEADER_SIZE;
  return bytes % FIR_ENTRY_SIZE === 0 ? bytes / FIR_ENTRY_SIZE : -1;
}

/** The SSRC asked for a full intra request by entry `i` (< firEntryCount()). */
export function firEntrySsrc(buf: Uint8Array, at: number, i: number): number {
  return readU32(buf, at + FEEDBACK_HEADER_SIZE + i * FIR_ENTRY_SIZE);
}

/** Command sequence number of entry `i`: the same for repeats of one request, +1 for a new one. */
export function firEntrySeqNr(buf: Uint8Array, at: number, i: number): number {
  return buf[at + FEEDBACK_HEADER_SIZE + i * FIR_ENTRY_SIZE + 4]!;
}

/** A FIR with one entry; the header's media SSRC is 0 as RFC 5104 4.3.1.2 requires. */
export function writeFir(buf: Uint8Array, at: number, senderSsrc: number, mediaSsrc: number, seqNr: number): number {
  writeFeedbackHeader(buf, at, RtcpType.PSFB, PsfbFormat.FIR, FIR_SIZE, senderSsrc, 0);
  writeU32(buf, at + 12, mediaSsrc);
  buf[at + 16] = seqNr & 0xff;
  buf[at + 17] = buf[at + 18] = buf[at + 19] = 0;
  return at + FIR_SIZE;
}

export interface Remb {
  senderSsrc: number;
  /** Bits per second. */
  bitrate: number;
  /** The SSRCs the estimate applies to; reused by readRemb() (length reset). */
  ssrcs: number[];
}

export function newRemb(): Remb {
  return { senderSsrc: 0, bitrate: 0, ssrcs: [] };
}

const REMB_ID = 0x52454d42; // 'REMB'

/** Reads a REMB into `out`; false if the packet is not a REMB or is truncated. */
export function readRemb(buf: Uint8Array, at: number, end: number, out: Remb): boolean {
  if (!isFeedback(buf, at, end, RtcpType.PSFB, PsfbFormat.AFB) || end - at < 20 || readU32(buf, at + 12) !== REMB_ID) return false;
  const count = buf[at + 16]!;
  if (end - at < 20 + count * 4) return false;
  const exponent = buf[at + 17]! >> 2;
  const mantissa = ((buf[at + 17]! & 0x03) << 16) | readU16(buf, at + 18);
  out.senderSsrc = readU32(buf, at + 4);
  out.bitrate = mantissa * 2 ** exponent;
  out.ssrcs.length = count;
  for (let i = 0; i < count; i++) out.ssrcs[i] = readU32(buf, at + 20 + i * 4);
  return true;
}

export function rembSize(ssrcCount: number): number {
  return 20 + ssrcCount * 4;
}

/** A REMB capping `ssrcs` (at most 255) to `bitrate` bps, rounded down to an 18-bit mantissa. */
export function writeRemb(buf: Uint8Array, at: number, senderSsrc: number, bitrate: number, ssrcs: readonly number[]): number {
  if (ssrcs.length > 255) throw new RangeError(`at most 255 SSRCs in a REMB, got ${ssrcs.length}`);
  const size = rembSize(ssrcs.length);
  writeFeedbackHeader(buf, at, RtcpType.PSFB, PsfbFormat.AFB, size, senderSsrc, 0);
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exponent = 0;
  while (mantissa >= 0x40000 && exponent < 63) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  mantissa = Math.min(mantissa, 0x3ffff);
  writeU32(buf, at + 12, REMB_ID);
  buf[at + 16] = ssrcs.length;
  buf[at + 17] = (exponent << 2) | (mantissa >>> 16);
  writeU16(buf, at + 18, mantissa & 0xffff);
  for (let i = 0; i < ssrcs.length; i++) writeU32(buf, at + 20 + i * 4, ssrcs[i]!);
  return at + size;
}
