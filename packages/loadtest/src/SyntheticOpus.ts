import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import { MediaClock } from './MediaClock';
import { NOISE, random16, random32, type SentStats, type SyntheticSource } from './SyntheticSource';

export interface OpusOptions {
  /** Mean payload size in bytes (varies by +-10). Default 100. */
  payloadBytes?: number;
}

const FRAME_MS = 20;
const SAMPLES_PER_FRAME = 960; // 20 ms at 48 kHz
/** TOC byte: config 15 (hybrid, fullband, 20 ms), mono, one frame, as Chrome sends speech. */
const TOC = 0x78;

/** Opus-looking audio: one ~100-byte packet every 20 ms (50 packets/s). */
export class SyntheticOpus implements SyntheticSource {
  readonly kind = 'audio';
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  payloadType: number | undefined;
  readonly sent: SentStats = { packets: 0, bytes: 0, frames: 0, keyFrames: 0 };

  private readonly clock = new MediaClock(FRAME_MS, () => this.frame());
  private readonly payloads: Buffer[];
  private sequenceNumber = random16();
  private timestamp = random32();

  constructor(options: OpusOptions = {}) {
    const mean = options.payloadBytes ?? 100;
    // A few dozen prepared payloads, reused round-robin: no allocation per packet but the header.
    this.payloads = Array.from({ length: 32 }, (_, i) => {
      const size = Math.max(2, mean - 10 + ((i * 7) % 21));
      const payload = Buffer.from(NOISE.subarray(i * 128, i * 128 + size));
      payload[0] = TOC;
      return payload;
    });
  }

  start(): void {
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
  }

  requestKeyFrame(): void {}

  private frame(): void {
    const payload = this.payloads[this.sent.frames % this.payloads.length]!;
    const header = new RtpHeader({
      payloadType: this.payloadType ?? 111,
      sequenceNumber: this.sequenceNumber,
      timestamp: this.timestamp,
      marker: this.sent.frames === 0,
    });
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.timestamp = (this.timestamp + SAMPLES_PER_FRAME) >>> 0;
    this.sent.frames++;
    this.sent.packets++;
    this.sent.bytes += payload.length;
    this.track.writeRtp(new RtpPacket(header, payload));
  }
}
