import { isVp8KeyFrame } from '@confab/wire';
import { Vp8Descriptor, vp8KeyFrameHeight, vp8KeyFrameWidth } from '../../sfu/simulcast/vp8';
import type { MkvTrack } from '../MatroskaWriter';
import { FrameBuffer, type Depacketizer, type FrameHandler } from './Depacketizer';

/**
 * VP8 (RFC 7741): a frame is the payloads after each packet's descriptor, from the packet that
 * starts partition 0 (S=1, PID=0) to the one with the marker bit (or the last before the
 * timestamp changes, for a sender that sets no marker). The frame tag of the first packet says
 * whether it is a key frame and, if so, the picture size.
 */
export class Vp8Depacketizer implements Depacketizer {
  track: MkvTrack | null = null;
  private readonly descriptor = new Vp8Descriptor();
  private readonly frame = new FrameBuffer();
  private timestamp = 0;
  private keyFrame = false;

  constructor(private readonly onFrame: FrameHandler) {}

  push(buf: Uint8Array, start: number, end: number, rtpTimestamp: number, marker: boolean, afterLoss: boolean): void {
    const frame = this.frame;
    if (frame.length > 0 && (afterLoss || rtpTimestamp !== this.timestamp)) {
      if (!afterLoss) this.emit();
      frame.length = 0;
    }
    const d = this.descriptor;
    if (!d.read(buf, start, end)) return;
    if (frame.length === 0) {
      const b0 = buf[start]!;
      if ((b0 & 0x10) === 0 || (b0 & 0x07) !== 0) return; // not a frame's first packet: its start was lost
      this.timestamp = rtpTimestamp;
      this.keyFrame = isVp8KeyFrame(buf, start, end);
      if (this.keyFrame) this.readPictureSize(buf, d.payloadAt, end);
    }
    frame.append(buf, d.payloadAt, end);
    if (marker) {
      this.emit();
      frame.length = 0;
    }
  }

  private emit(): void {
    if (this.frame.length > 0) this.onFrame(this.frame.buf, this.frame.length, this.timestamp, this.keyFrame);
  }

  private readPictureSize(buf: Uint8Array, payloadAt: number, end: number): void {
    const width = vp8KeyFrameWidth(buf, payloadAt, end);
    const height = vp8KeyFrameHeight(buf, payloadAt, end);
    if (width > 0 && height > 0 && (this.track === null || this.track.width !== width || this.track.height !== height)) {
      this.track = { codec: 'vp8', width, height };
    }
  }
}
