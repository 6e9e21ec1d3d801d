import type { MkvTrack } from '../MatroskaWriter';
import type { Depacketizer, FrameHandler } from './Depacketizer';

/** Opus (RFC 7587): one packet is one frame, each decodable on its own; a loss is a gap, nothing more. */
export class OpusDepacketizer implements Depacketizer {
  /** RTP Opus is always signalled as 2 channels at 48 kHz; the decoder upmixes a mono stream. */
  readonly track: MkvTrack = { codec: 'opus', channels: 2, sampleRate: 48000 };

  constructor(private readonly onFrame: FrameHandler) {}

  push(buf: Uint8Array, start: number, end: number, rtpTimestamp: number): void {
    if (end <= start) return; // DTX keeps the timestamp running with empty packets
    this.onFrame(buf.subarray(start), end - start, rtpTimestamp, true);
  }
}
