import type { MkvTrack } from '../MatroskaWriter';
import { FrameBuffer, type Depacketizer, type FrameHandler } from './Depacketizer';
import { h264PictureSize } from './h264Sps';

const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const STAP_A = 24;
const FU_A = 28;
/** Each NAL unit in a frame gets a 4-byte big-endian length (AVCC, what Matroska's V_MPEG4/ISO/AVC stores). */
const LENGTH_SIZE = 4;

/**
 * H264 (RFC 6184, packetization-mode 0 or 1) into access units: single NAL unit packets,
 * STAP-A aggregates split, FU-A fragments joined; an access unit ends at the marker bit (or the
 * timestamp changing). Out comes AVCC: each NAL unit prefixed with its length. The newest SPS and
 * PPS make the codec private data (AVCDecoderConfigurationRecord); they also stay in the stream,
 * so a resolution change mid-recording decodes. A key frame is an access unit with an IDR slice.
 */
export class H264Depacketizer implements Depacketizer {
  track: MkvTrack | null = null;
  private readonly frame = new FrameBuffer();
  private timestamp = -1;
  /** The access unit at `timestamp` lost a packet: nothing of it is kept. */
  private broken = false;
  private keyFrame = false;
  /** Offset of the length field of the FU-A NAL unit being joined, -1: none open. */
  private fragmentAt = -1;
  private sps: Uint8Array | null = null;
  private pps: Uint8Array | null = null;

  constructor(private readonly onFrame: FrameHandler) {}

  push(buf: Uint8Array, start: number, end: number, rtpTimestamp: number, marker: boolean, afterLoss: boolean): void {
    if (rtpTimestamp !== this.timestamp) {
      if (!afterLoss) this.emit();
      this.reset(rtpTimestamp);
    }
    // Packets lost before this one may have been this access unit's first: none of it is kept.
    if (afterLoss) this.broken = true;
    if (!this.broken && end > start) this.readPayload(buf, start, end);
    if (marker) {
      this.emit();
      this.reset(rtpTimestamp);
      this.broken = true; // anything more at this timestamp is a stray
    }
  }

  private readPayload(buf: Uint8Array, start: number, end: number): void {
    const type = buf[start]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.closeFragment(false);
      this.addNal(buf, start, end);
    } else if (type === STAP_A) {
      this.closeFragment(false);
      let i = start + 1;
      while (i + 2 <= end) {
        const size = (buf[i]! << 8) | buf[i + 1]!;
        i += 2;
        if (size === 0 || i + size > end) {
          this.broken = true;
          return;
        }
        this.addNal(buf, i, i + size);
        i += size;
      }
    } else if (type === FU_A && start + 2 <= end) {
      this.readFragment(buf, start, end);
    } else {
      this.broken = true; // STAP-B, MTAP, FU-B: not in packetization-mode 1
    }
  }

  private readFragment(buf: Uint8Array, start: number, end: number): void {
    const header = buf[start + 1]!;
    const first = (header & 0x80) !== 0;
    const last = (header & 0x40) !== 0;
    const frame = this.frame;
    if (first) {
      this.closeFragment(false);
      this.fragmentAt = frame.reserve(LENGTH_SIZE + 1);
      frame.length += LENGTH_SIZE;
      frame.buf[frame.length++] = (buf[start]! & 0xe0) | (header & 0x1f);
      if ((header & 0x1f) === NAL_IDR) this.keyFrame = true;
    } else if (this.fragmentAt < 0) {
      this.broken = true; // a fragment whose start we never saw
      return;
    }
    frame.append(buf, start + 2, end);
    if (last) this.closeFragment(true);
  }

  /** Ends the open FU-A NAL unit: writes its length, or (`complete` false) marks the unit broken. */
  private closeFragment(complete: boolean): void {
    const at = this.fragmentAt;
    if (at < 0) return;
    this.fragmentAt = -1;
    if (!complete) {
      this.broken = true;
      return;
    }
    const frame = this.frame;
    frame.buf.writeUInt32BE(frame.length - at - LENGTH_SIZE, at);
    const type = frame.buf[at + LENGTH_SIZE]! & 0x1f;
    if (type === NAL_SPS || type === NAL_PPS) this.parameterSet(type, frame.buf.subarray(at + LENGTH_SIZE, frame.length));
  }

  private addNal(buf: Uint8Array, start: number, end: number): void {
    const frame = this.frame;
    const at = frame.reserve(LENGTH_SIZE);
    frame.buf.writeUInt32BE(end - start, at);
    frame.length += LENGTH_SIZE;
    frame.append(buf, start, end);
    const type = buf[start]! & 0x1f;
    if (type === NAL_IDR) this.keyFrame = true;
    else if (type === NAL_SPS || type === NAL_PPS) this.parameterSet(type, buf.subarray(start, end));
  }

  private parameterSet(type: number, nal: Uint8Array): void {
    const previous = type === NAL_SPS ? this.sps : this.pps;
    if (previous !== null && Buffer.compare(previous, nal) === 0) return;
    if (type === NAL_SPS) this.sps = Uint8Array.from(nal);
    else this.pps = Uint8Array.from(nal);
    this.updateTrack();
  }

  private updateTrack(): void {
    const sps = this.sps;
    const pps = this.pps;
    if (sps === null || pps === null || sps.length < 4) return;
    const size = h264PictureSize(sps);
    if (size === null) return;
    const record = Buffer.alloc(11 + sps.length + pps.length);
    record[0] = 1;
    record[1] = sps[1]!; // profile
    record[2] = sps[2]!; // constraint flags
    record[3] = sps[3]!; // level
    record[4] = 0xfc | (LENGTH_SIZE - 1);
    record[5] = 0xe0 | 1; // one SPS
    record.writeUInt16BE(sps.length, 6);
    record.set(sps, 8);
    record[8 + sps.length] = 1; // one PPS
    record.writeUInt16BE(pps.length, 9 + sps.length);
    record.set(pps, 11 + sps.length);
    this.track = { codec: 'h264', width: size.width, height: size.height, codecPrivate: record };
  }

  private emit(): void {
    if (this.fragmentAt >= 0) this.closeFragment(false);
    if (!this.broken && this.frame.length > 0) this.onFrame(this.frame.buf, this.frame.length, this.timestamp, this.keyFrame);
  }

  private reset(rtpTimestamp: number): void {
    this.timestamp = rtpTimestamp;
    this.frame.length = 0;
    this.fragmentAt = -1;
    this.broken = false;
    this.keyFrame = false;
  }
}
