/**
 * Just enough VP8 RTP payload (RFC 7741) to look real to an SFU: a payload descriptor with a
 * 15-bit PictureID on every packet, and on the first packet of a frame the VP8 frame tag (RFC 6386
 * 9.1) with the key-frame bit, plus the key-frame start code and dimensions. The rest is noise.
 */

export const VP8_DESCRIPTOR_SIZE = 4;

/** Writes the 4-byte descriptor: X=1, S on the first packet of the frame, PID=0; I=1 with M=1. */
export function writeDescriptor(out: Buffer, start: boolean, pictureId: number): void {
  out[0] = 0x80 | (start ? 0x10 : 0);
  out[1] = 0x80;
  out[2] = 0x80 | ((pictureId >> 8) & 0x7f);
  out[3] = pictureId & 0xff;
}

/** Size of the uncompressed header at the start of a frame: 3-byte tag, plus 7 bytes on key frames. */
export function frameHeaderSize(keyFrame: boolean): number {
  return keyFrame ? 10 : 3;
}

/** Writes the frame tag (and key-frame start code + size) at `out[offset]`. */
export function writeFrameHeader(out: Buffer, offset: number, keyFrame: boolean, frameSize: number, width: number, height: number): void {
  // first_part_size: pretend the first partition is a tenth of the frame (19 bits).
  const firstPartSize = Math.min(Math.max(1, Math.floor(frameSize / 10)), 0x7ffff);
  const tag = (firstPartSize << 5) | (1 << 4) /* show_frame */ | (0 << 1) /* version */ | (keyFrame ? 0 : 1);
  out[offset] = tag & 0xff;
  out[offset + 1] = (tag >> 8) & 0xff;
  out[offset + 2] = (tag >> 16) & 0xff;
  if (!keyFrame) return;
  out[offset + 3] = 0x9d;
  out[offset + 4] = 0x01;
  out[offset + 5] = 0x2a;
  out.writeUInt16LE(width & 0x3fff, offset + 6);
  out.writeUInt16LE(height & 0x3fff, offset + 8);
}

/** Parsed first bytes of a VP8 RTP payload (for receivers that want to spot key frames). */
export function isKeyFrameStart(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  let offset = 1;
  const b0 = payload[0]!;
  if (!(b0 & 0x10) || (b0 & 0x0f) !== 0) return false; // not the start of partition 0
  if (b0 & 0x80) {
    const b1 = payload[offset++] ?? 0;
    if (b1 & 0x80) offset += (payload[offset] ?? 0) & 0x80 ? 2 : 1;
    if (b1 & 0x40) offset += 1;
    if (b1 & 0x30) offset += 1;
  }
  const tag = payload[offset];
  return tag !== undefined && (tag & 0x01) === 0;
}
