/**
 * Sender and receiver reports (RFC 3550 6.4). Readers take the packet's header offset `at` and its
 * content end (RtcpCursor.offset / .end) and fill caller-owned objects, so a receiver reuses one
 * of each; writers return the offset after what they wrote.
 */
import { readU32, writeU32 } from './bytes';
import { RtcpType, ensureRoom, writeRtcpHeader } from './rtcpHeader';

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (0-255). */
  fractionLost: number;
  /** Cumulative packets lost: 24-bit signed (duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received: cycles << 16 | highest. */
  highestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (LSR), 0 if none. */
  lastSr: number;
  /** Delay since that SR (DLSR) in 1/65536 s. */
  delaySinceLastSr: number;
}

export interface SenderInfo {
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export function newReportBlock(): ReportBlock {
  return { ssrc: 0, fractionLost: 0, cumulativeLost: 0, highestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 };
}

export function newSenderInfo(): SenderInfo {
  return { ssrc: 0, ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0 };
}

export const REPORT_BLOCK_SIZE = 24;
const SR_FIXED_SIZE = 28;
const RR_FIXED_SIZE = 8;
/** The 5-bit report count. */
export const MAX_REPORT_BLOCKS = 31;

/** Reads an SR's sender info; false if the packet is not an SR or too short for its report count. */
export function readSenderInfo(buf: Uint8Array, at: number, end: number, out: SenderInfo): boolean {
  if (buf[at + 1] !== RtcpType.SR || end - at < SR_FIXED_SIZE + (buf[at]! & 0x1f) * REPORT_BLOCK_SIZE) return false;
  out.ssrc = readU32(buf, at + 4);
  out.ntpSeconds = readU32(buf, at + 8);
  out.ntpFraction = readU32(buf, at + 12);
  out.rtpTimestamp = readU32(buf, at + 16);
  out.packetCount = readU32(buf, at + 20);
  out.octetCount = readU32(buf, at + 24);
  return true;
}

/**
 * Where the report blocks of an SR or RR start, or -1 if the packet is neither or is too short
 * for its report count. Block i is at `reportBlocksOffset() + i * REPORT_BLOCK_SIZE`, i < count.
 */
export function reportBlocksOffset(buf: Uint8Array, at: number, end: number): number {
  const type = buf[at + 1];
  const fixed = type === RtcpType.SR ? SR_FIXED_SIZE : type === RtcpType.RR ? RR_FIXED_SIZE : -1;
  if (fixed < 0 || end - at < fixed + (buf[at]! & 0x1f) * REPORT_BLOCK_SIZE) return -1;
  return at + fixed;
}

/** Reads the report block at `blockAt` (bounds already checked by reportBlocksOffset). */
export function readReportBlock(buf: Uint8Array, blockAt: number, out: ReportBlock): void {
  out.ssrc = readU32(buf, blockAt);
  out.fractionLost = buf[blockAt + 4]!;
  out.cumulativeLost = ((buf[blockAt + 5]! << 24) | (buf[blockAt + 6]! << 16) | (buf[blockAt + 7]! << 8)) >> 8;
  out.highestSeq = readU32(buf, blockAt + 8);
  out.jitter = readU32(buf, blockAt + 12);
  out.lastSr = readU32(buf, blockAt + 16);
  out.delaySinceLastSr = readU32(buf, blockAt + 20);
}

export function writeReportBlock(buf: Uint8Array, at: number, block: ReportBlock): number {
  ensureRoom(buf, at, REPORT_BLOCK_SIZE);
  writeU32(buf, at, block.ssrc);
  buf[at + 4] = block.fractionLost & 0xff;
  const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost));
  buf[at + 5] = (lost >> 16) & 0xff;
  buf[at + 6] = (lost >> 8) & 0xff;
  buf[at + 7] = lost & 0xff;
  writeU32(buf, at + 8, block.highestSeq);
  writeU32(buf, at + 12, block.jitter);
  writeU32(buf, at + 16, block.lastSr);
  writeU32(buf, at + 20, block.delaySinceLastSr);
  return at + REPORT_BLOCK_SIZE;
}

export function senderReportSize(blocks: number): number {
  return SR_FIXED_SIZE + blocks * REPORT_BLOCK_SIZE;
}

export function receiverReportSize(blocks: number): number {
  return RR_FIXED_SIZE + blocks * REPORT_BLOCK_SIZE;
}

export function writeSenderReport(buf: Uint8Array, at: number, info: SenderInfo, blocks: readonly ReportBlock[] = []): number {
  checkBlockCount(blocks.length);
  const size = senderReportSize(blocks.length);
  ensureRoom(buf, at, size);
  writeRtcpHeader(buf, at, blocks.length, RtcpType.SR, size);
  writeU32(buf, at + 4, info.ssrc);
  writeU32(buf, at + 8, info.ntpSeconds);
  writeU32(buf, at + 12, info.ntpFraction);
  writeU32(buf, at + 16, info.rtpTimestamp);
  writeU32(buf, at + 20, info.packetCount);
  writeU32(buf, at + 24, info.octetCount);
  let offset = at + SR_FIXED_SIZE;
  for (const block of blocks) offset = writeReportBlock(buf, offset, block);
  return offset;
}

/** An RR; with no blocks it is the empty RR that starts a compound packet (RFC 3550 6.4.2). */
export function writeReceiverReport(buf: Uint8Array, at: number, senderSsrc: number, blocks: readonly ReportBlock[] = []): number {
  checkBlockCount(blocks.length);
  const size = receiverReportSize(blocks.length);
  ensureRoom(buf, at, size);
  writeRtcpHeader(buf, at, blocks.length, RtcpType.RR, size);
  writeU32(buf, at + 4, senderSsrc);
  let offset = at + RR_FIXED_SIZE;
  for (const block of blocks) offset = writeReportBlock(buf, offset, block);
  return offset;
}

function checkBlockCount(count: number): void {
  if (count > MAX_REPORT_BLOCKS) throw new RangeError(`at most ${MAX_REPORT_BLOCKS} report blocks per packet, got ${count}`);
}

/** The middle 32 bits of an NTP timestamp (the LSR field, RFC 3550 6.4.1). */
export function compactNtp(ntpSeconds: number, ntpFraction: number): number {
  return (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
}
