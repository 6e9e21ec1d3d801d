/**
 * Real-looking RTP payloads whose integrity a receiver can check: every payload carries a 32-bit
 * counter followed by bytes derived from it, so any corruption or mix-up is detected.
 * Video payloads are VP8 (RFC 7741): a one-byte payload descriptor, then a VP8 frame header whose
 * P bit marks keyframes (with the 0x9d012a start code and dimensions, as a real encoder writes).
 */

const VP8_DESCRIPTOR_START = 0x10; // X=0, N=0, S=1 (start of partition), PID=0
const WIDTH = 640;
const HEIGHT = 480;

export function vp8Payload(counter: number, keyFrame: boolean, bodyLength = keyFrame ? 900 : 240): Buffer {
  const header = keyFrame ? 10 : 3;
  const payload = Buffer.alloc(1 + header + 4 + bodyLength);
  payload[0] = VP8_DESCRIPTOR_START;
  // Frame tag: bit 0 = P (0 for keyframes), bits 1-3 version, bit 4 show_frame, then partition size.
  const size0 = 4 + bodyLength;
  payload[1] = ((size0 & 0x7) << 5) | 0x10 | (keyFrame ? 0 : 1);
  payload.writeUInt16LE((size0 >> 3) & 0xffff, 2);
  if (keyFrame) {
    payload[4] = 0x9d;
    payload[5] = 0x01;
    payload[6] = 0x2a;
    payload.writeUInt16LE(WIDTH, 7);
    payload.writeUInt16LE(HEIGHT, 9);
  }
  fillBody(payload, 1 + header, counter);
  return payload;
}

export function opusPayload(counter: number, bodyLength = 80): Buffer {
  const payload = Buffer.alloc(1 + 4 + bodyLength);
  payload[0] = 0x78; // TOC: SILK-only wideband 20 ms, one frame
  fillBody(payload, 1, counter);
  return payload;
}

/** Is this VP8 payload the start of a keyframe? (descriptor per RFC 7741 4.2, P bit per RFC 6386 9.1) */
export function isVp8KeyFrame(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const descriptor = payload[0]!;
  let offset = 1;
  if (descriptor & 0x80) {
    const ext = payload[offset++]!;
    if (ext & 0x80) offset += payload[offset]! & 0x80 ? 2 : 1; // I: picture id, 7 or 15 bits
    if (ext & 0x40) offset++; // L: TL0PICIDX
    if (ext & 0x30) offset++; // T or K: TID/KEYIDX
  }
  const startOfFrame = (descriptor & 0x10) !== 0 && (descriptor & 0x07) === 0;
  return startOfFrame && offset < payload.length && (payload[offset]! & 0x01) === 0;
}

/** Checks a payload built by vp8Payload/opusPayload; returns its counter, or undefined if corrupt. */
export function checkPayload(kind: 'audio' | 'video', payload: Buffer): number | undefined {
  const start = kind === 'audio' ? 1 : 1 + ((payload[1] ?? 1) & 0x01 ? 3 : 10);
  if (payload.length < start + 4) return undefined;
  const counter = payload.readUInt32BE(start);
  for (let i = start + 4; i < payload.length; i++) {
    if (payload[i] !== ((counter + i) & 0xff)) return undefined;
  }
  return counter;
}

function fillBody(payload: Buffer, start: number, counter: number): void {
  payload.writeUInt32BE(counter >>> 0, start);
  for (let i = start + 4; i < payload.length; i++) payload[i] = (counter + i) & 0xff;
}
