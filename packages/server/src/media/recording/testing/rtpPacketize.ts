/**
 * Test-side RTP packetizers for encoded frames, as browsers packetize them: VP8 with a 4-byte
 * descriptor (15-bit picture id), H264 in packetization-mode 1 (SPS and PPS aggregated in a
 * STAP-A, small NAL units alone, large ones as FU-A), Opus one packet per frame.
 */
import type { EncodedFrame } from './encodedMedia';
import { splitAnnexB } from './encodedMedia';

const MAX_PAYLOAD = 1100;

export interface RtpStream {
  ssrc: number;
  payloadType: number;
  /** Added to every sequence number and timestamp (a stream starts anywhere in the 16/32-bit space). */
  seqBase: number;
  timestampBase: number;
}

export interface Packetized {
  packet: Buffer;
  /** Which frame it carries (its index in the frame list). */
  frame: number;
}

export function rtpPacket(s: RtpStream, seq: number, timestamp: number, marker: boolean, payload: Buffer): Buffer {
  const p = Buffer.alloc(12 + payload.length);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | s.payloadType;
  p.writeUInt16BE((s.seqBase + seq) & 0xffff, 2);
  p.writeUInt32BE((s.timestampBase + timestamp) >>> 0, 4);
  p.writeUInt32BE(s.ssrc >>> 0, 8);
  payload.copy(p, 12);
  return p;
}

function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

export function packetizeVp8(frames: readonly EncodedFrame[], s: RtpStream): Packetized[] {
  const out: Packetized[] = [];
  let seq = 0;
  frames.forEach((f, index) => {
    const parts = chunks(f.data, MAX_PAYLOAD - 4);
    parts.forEach((part, i) => {
      const descriptor = Buffer.from([0x80 | (i === 0 ? 0x10 : 0), 0x80, 0x80 | ((index >> 8) & 0x7f), index & 0xff]);
      out.push({ packet: rtpPacket(s, seq++, f.timestamp, i === parts.length - 1, Buffer.concat([descriptor, part])), frame: index });
    });
  });
  return out;
}

export function packetizeH264(frames: readonly EncodedFrame[], s: RtpStream): Packetized[] {
  const out: Packetized[] = [];
  let seq = 0;
  frames.forEach((f, index) => {
    const nals = splitAnnexB(f.data);
    const payloads: Buffer[] = [];
    const parameterSets = nals.filter((n) => [7, 8].includes(n[0]! & 0x1f));
    if (parameterSets.length > 0) {
      payloads.push(Buffer.concat([Buffer.from([(parameterSets[0]![0]! & 0xe0) | 24]), ...parameterSets.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]));
    }
    for (const nal of nals.filter((n) => ![7, 8].includes(n[0]! & 0x1f))) {
      if (nal.length <= MAX_PAYLOAD) {
        payloads.push(nal);
        continue;
      }
      const parts = chunks(nal.subarray(1), MAX_PAYLOAD - 2);
      parts.forEach((part, i) => {
        const fuHeader = (i === 0 ? 0x80 : 0) | (i === parts.length - 1 ? 0x40 : 0) | (nal[0]! & 0x1f);
        payloads.push(Buffer.concat([Buffer.from([(nal[0]! & 0xe0) | 28, fuHeader]), part]));
      });
    }
    payloads.forEach((payload, i) => out.push({ packet: rtpPacket(s, seq++, f.timestamp, i === payloads.length - 1, payload), frame: index }));
  });
  return out;
}

export function packetizeOpus(frames: readonly EncodedFrame[], s: RtpStream): Packetized[] {
  return frames.map((f, i) => ({ packet: rtpPacket(s, i, f.timestamp, i === 0, f.data), frame: i }));
}
