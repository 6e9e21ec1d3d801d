/**
 * Real-looking RTP payloads whose integrity a receiver can check: every payload carries a 32-bit
 * counter followed by bytes derived from it, so any corruption or mix-up is detected.
 * Video payloads are VP8 (RFC 7741): a one-byte payload descriptor, then a VP8 frame header whose
 * P bit marks keyframes (with the 0x9d012a start code and dimensions, as a real encoder writes).
 */

import { frameHeaderSize, writeFrameHeader } from '@confab/loadtest';

const VP8_DESCRIPTOR_START = 0x10; // X=0, N=0, S=1 (start of partition), PID=0
const WIDTH = 640;
const HEIGHT = 480;

export function vp8Payload(counter: number, keyFrame: boolean, bodyLength = keyFrame ? 900 : 240): Buffer {
  const header = frameHeaderSize(keyFrame);
  const payload = Buffer.alloc(1 + header + 4 + bodyLength);
  payload[0] = VP8_DESCRIPTOR_START;
  writeFrameHeader(payload, 1, keyFrame, 4 + bodyLength, WIDTH, HEIGHT);
  fillBody(payload, 1 + header, counter);
  return payload;
}

export function opusPayload(counter: number, bodyLength = 80): Buffer {
  const payload = Buffer.alloc(1 + 4 + bodyLength);
  payload[0] = 0x78; // TOC: SILK-only wideband 20 ms, one frame
  fillBody(payload, 1, counter);
  return payload;
}


/** Checks a payload built by vp8Payload/opusPayload; returns its counter, or undefined if corrupt. */
export function checkPayload(kind: 'audio' | 'video', payload: Buffer): number | undefined {
  const start = kind === 'audio' ? 1 : 1 + frameHeaderSize(((payload[1] ?? 1) & 0x01) === 0);
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
