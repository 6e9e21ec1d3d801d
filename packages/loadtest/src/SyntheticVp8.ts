import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import { MediaClock } from './MediaClock';
import { NOISE, random16, random32, type SentStats, type SyntheticSource } from './SyntheticSource';
import { VP8_DESCRIPTOR_SIZE, writeDescriptor, writeFrameHeader } from './vp8';

export interface Vp8Options {
  /** Target bitrate in bits/s. Default 500 kbps. */
  bitrate?: number;
  fps?: number;
  /** A key frame every this many seconds (and on every PLI). Default 5. */
  keyFrameIntervalSeconds?: number;
  width?: number;
  height?: number;
  /** Largest RTP payload (descriptor included). Default 1100, as browsers pace. */
  maxPayloadBytes?: number;
  /** Where packets go instead of the track (a simulcast layer sends on its own SSRC). */
  onPacket?(header: RtpHeader, payload: Buffer): void;
  /**
   * Real VP8 to send instead of noise, for receivers that decode (a browser): the frames of an
   * encoding at this source's size, looped. A key frame request jumps to the recording's next key
   * frame, so it is answered on the next frame tick, as a browser's encoder answers one.
   */
  recording?(width: number, height: number): readonly RecordedVp8Frame[];
}

/** One encoded VP8 frame (the bitstream, frame tag first). */
export interface RecordedVp8Frame {
  data: Buffer;
  keyFrame: boolean;
}

/** How much bigger than an average frame a key frame is. */
const KEY_FRAME_FACTOR = 4;

/** VP8-looking video: frames sized to hit the bitrate, split into packets with real descriptors. */
export class SyntheticVp8 implements SyntheticSource {
  readonly kind = 'video';
  readonly track = new MediaStreamTrack({ kind: 'video' });
  payloadType: number | undefined;
  readonly sent: SentStats = { packets: 0, bytes: 0, frames: 0, keyFrames: 0 };

  private readonly clock: MediaClock;
  private readonly fps: number;
  private readonly keyFrameBytes: number;
  private readonly deltaFrameBytes: number;
  private readonly framesPerKeyFrame: number;
  private readonly width: number;
  private readonly height: number;
  private readonly maxPayload: number;
  private sequenceNumber = random16();
  private timestamp = random32();
  private pictureId = random16() & 0x7fff;
  private framesSinceKey = 0;
  private keyFrameRequested = true; // the first frame is a key frame
  private noiseOffset = 0;
  private readonly onPacket: Vp8Options['onPacket'];
  private readonly recording: readonly RecordedVp8Frame[] | undefined;
  private recordingAt = 0;

  constructor(options: Vp8Options = {}) {
    this.onPacket = options.onPacket;
    const bitrate = options.bitrate ?? 500_000;
    this.fps = options.fps ?? 30;
    this.width = options.width ?? 640;
    this.height = options.height ?? 480;
    this.maxPayload = options.maxPayloadBytes ?? 1100;
    this.framesPerKeyFrame = Math.max(1, Math.round((options.keyFrameIntervalSeconds ?? 5) * this.fps));
    const average = bitrate / 8 / this.fps;
    this.keyFrameBytes = Math.round(average * KEY_FRAME_FACTOR);
    // Delta frames carry what the periodic key frame leaves, so the average stays on target.
    const n = this.framesPerKeyFrame;
    this.deltaFrameBytes = Math.max(50, Math.round(n > 1 ? (n * average - this.keyFrameBytes) / (n - 1) : average));
    this.recording = options.recording?.(this.width, this.height);
    if (this.recording && !this.recording[0]?.keyFrame) throw new Error('a VP8 recording must start with a key frame');
    this.clock = new MediaClock(1000 / this.fps, () => this.frame());
  }

  start(): void {
    this.clock.start();
  }

  stop(): void {
    this.clock.stop();
  }

  requestKeyFrame(): void {
    this.keyFrameRequested = true;
  }

  private frame(): void {
    const key = this.keyFrameRequested || (!this.recording && this.framesSinceKey >= this.framesPerKeyFrame);
    this.keyFrameRequested = false;
    const recorded = this.recording ? this.nextRecordedFrame(key) : undefined;
    const isKey = recorded ? recorded.keyFrame : key;
    this.framesSinceKey = isKey ? 1 : this.framesSinceKey + 1;
    const frameBytes = recorded ? recorded.data.length : isKey ? this.keyFrameBytes : this.deltaFrameBytes;
    const perPacket = this.maxPayload - VP8_DESCRIPTOR_SIZE;
    const packets = Math.ceil(frameBytes / perPacket);
    const chunk = Math.ceil(frameBytes / packets); // even sizes, as browsers packetize
    let written = 0;
    for (let i = 0; i < packets; i++) {
      const size = Math.min(chunk, frameBytes - written);
      const payload = Buffer.allocUnsafe(VP8_DESCRIPTOR_SIZE + size);
      writeDescriptor(payload, i === 0, this.pictureId);
      if (recorded) recorded.data.copy(payload, VP8_DESCRIPTOR_SIZE, written, written + size);
      else {
        this.fillNoise(payload, VP8_DESCRIPTOR_SIZE, size);
        if (i === 0) writeFrameHeader(payload, VP8_DESCRIPTOR_SIZE, isKey, frameBytes, this.width, this.height);
      }
      const header = new RtpHeader({
        payloadType: this.payloadType ?? 96,
        sequenceNumber: this.sequenceNumber,
        timestamp: this.timestamp,
        marker: i === packets - 1,
      });
      this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
      this.sent.packets++;
      this.sent.bytes += payload.length;
      if (this.onPacket) this.onPacket(header, payload);
      else this.track.writeRtp(new RtpPacket(header, payload));
      written += size;
    }
    this.sent.frames++;
    if (isKey) this.sent.keyFrames++;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    this.timestamp = (this.timestamp + Math.round(90000 / this.fps)) >>> 0;
  }

  /** The recording's next frame, or (`key`) its next key frame; it loops. */
  private nextRecordedFrame(key: boolean): RecordedVp8Frame {
    const frames = this.recording!;
    let at = this.recordingAt % frames.length;
    if (key) while (!frames[at]!.keyFrame) at = (at + 1) % frames.length;
    this.recordingAt = at + 1;
    return frames[at]!;
  }

  private fillNoise(out: Buffer, offset: number, size: number): void {
    if (this.noiseOffset + size > NOISE.length) this.noiseOffset = 0;
    NOISE.copy(out, offset, this.noiseOffset, this.noiseOffset + size);
    this.noiseOffset += size + 17;
  }
}
