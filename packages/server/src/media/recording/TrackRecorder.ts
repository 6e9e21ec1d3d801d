import { rtpCheck, rtpMarker, rtpPaddingSize, rtpSsrc, rtpTimestamp, type SenderInfo } from '@confab/wire';
import type { RecordedCodec, TrackRecordingResult } from '../types';
import { AppendFile } from './AppendFile';
import type { Depacketizer } from './codecs/Depacketizer';
import { H264Depacketizer } from './codecs/H264Depacketizer';
import { OpusDepacketizer } from './codecs/OpusDepacketizer';
import { Vp8Depacketizer } from './codecs/Vp8Depacketizer';
import { JitterBuffer } from './JitterBuffer';
import { fileExtension, MatroskaWriter } from './MatroskaWriter';
import { TrackClock, type SenderClock } from './TrackClock';

/** A gap in video is waited for this long (a NACKed packet's retransmission has time to come). */
const VIDEO_MAX_WAIT_MS = 200;
/** Audio: a late packet is worth less than steady output; Opus conceals what is missing. */
const AUDIO_MAX_WAIT_MS = 100;
/** Packets the jitter buffer holds: 2 s of a 2.5 Mbit/s stream in 1,200-byte packets. */
const VIDEO_CAPACITY = 512;
const AUDIO_CAPACITY = 64;
/** At most one key frame request per this many ms. */
const KEY_FRAME_REQUEST_MS = 500;
/** Written frames reach the kernel at least this often: what a crash can lose, beside the jitter wait. */
const FLUSH_INTERVAL_MS = 250;
/** ...or as soon as this much is staged. */
const FLUSH_BYTES = 256 * 1024;

export interface TrackRecorderOptions {
  /** The file's path without its extension (.webm or .mkv is added by codec). */
  pathWithoutExtension: string;
  codec: RecordedCodec;
  clockRate: number;
  /** The publisher's clock, shared by its tracks (lip sync through Sender Reports). */
  sender: SenderClock;
  /** Ask the publisher for a key frame (PLI/FIR); called at most every KEY_FRAME_REQUEST_MS. */
  requestKeyFrame(): void;
  /** Writing failed (disk full, directory gone): the recorder has stopped taking packets. Once. */
  onError(err: NodeJS.ErrnoException): void;
  /** The first frame is written: the track's start on the common clock so far (epoch ms). Once. */
  onFirstFrame?(startMs: number): void;
}

/**
 * Records one track to one file as its packets arrive, without transcoding: RTP packets (already
 * decrypted, header checked) -> JitterBuffer (order, bounded wait for a gap) -> the codec's
 * Depacketizer (complete frames only) -> TrackClock (time in the file, start on the common clock)
 * -> MatroskaWriter (live layout) -> AppendFile (asynchronous writes, flushed every 250 ms).
 *
 * Video starts at a key frame and, after a loss, drops frames until the next one (a frame that
 * refers to a lost one would decode into garbage), asking the publisher for it at most every
 * 500 ms. The caller drives time: receive() with each packet, tick() on a timer (a gap's wait runs
 * out, a key frame is asked again, staged bytes are flushed), stop() at the end.
 */
export class TrackRecorder {
  readonly file: string;
  private readonly clock: TrackClock;
  private readonly jitter: JitterBuffer;
  private readonly depacketizer: Depacketizer;
  private readonly writer: MatroskaWriter;
  private readonly video: boolean;
  private ssrc = -1;
  private waitingForKeyFrame: boolean;
  /**
   * A key frame is asked for: after a loss, or once a frame had to be dropped for want of one
   * (a recording that starts on a key frame asks for nothing).
   */
  private keyFrameWanted = false;
  private lastKeyFrameRequestMs = Number.NEGATIVE_INFINITY;
  private lastFlushMs = 0;
  /** Arrival of the first packet of the frame being assembled, and of the one before. */
  private frameTs = -1;
  private frameArrivalMs = 0;
  private previousFrameArrivalMs = 0;
  private stopped = false;
  private framesDropped = 0;
  private keyFrameRequests = 0;
  private error: NodeJS.ErrnoException | null = null;

  private constructor(
    private readonly options: TrackRecorderOptions,
    private readonly out: AppendFile,
  ) {
    this.file = out.path;
    this.video = options.codec !== 'opus';
    this.waitingForKeyFrame = this.video;
    this.clock = new TrackClock(options.clockRate, options.sender);
    this.writer = new MatroskaWriter(out);
    const onFrame = this.onFrame.bind(this);
    this.depacketizer = options.codec === 'vp8' ? new Vp8Depacketizer(onFrame) : options.codec === 'h264' ? new H264Depacketizer(onFrame) : new OpusDepacketizer(onFrame);
    this.jitter = this.video
      ? new JitterBuffer(VIDEO_CAPACITY, VIDEO_MAX_WAIT_MS, this.onPacket.bind(this))
      : new JitterBuffer(AUDIO_CAPACITY, AUDIO_MAX_WAIT_MS, this.onPacket.bind(this));
  }

  /** Creates the file (an unwritable directory rejects here). */
  static async create(options: TrackRecorderOptions): Promise<TrackRecorder> {
    const recorder = TrackRecorder.start(options);
    await recorder.opened;
    return recorder;
  }

  /**
   * Starts at once, taking packets while its file opens (`opened`; a rejection means nothing is
   * written): a track's first packets, which follow its publisher's answer within milliseconds,
   * are not lost to the file system's latency.
   */
  static start(options: TrackRecorderOptions): TrackRecorder {
    let recorder: TrackRecorder | null = null;
    const file = AppendFile.start(`${options.pathWithoutExtension}.${fileExtension(options.codec)}`, (err) => recorder?.fail(err));
    recorder = new TrackRecorder(options, file);
    return recorder;
  }

  /** Settles once the file is open; rejects with why it could not be. */
  get opened(): Promise<void> {
    return this.out.opened;
  }

  /** One RTP packet `buf[0, len)` of the track, arrived at `arrivalMs` on the common clock (epoch ms). */
  receive(buf: Uint8Array, len: number, arrivalMs: number): void {
    if (this.stopped || this.error !== null) return;
    const ssrc = rtpSsrc(buf);
    if (ssrc !== this.ssrc) {
      // A new stream from the source (a restart): its numbering and timeline start over.
      if (this.ssrc >= 0) {
        this.jitter.reset();
        this.clock.reset();
        if (this.video) this.waitForKeyFrame();
      }
      this.ssrc = ssrc;
    }
    this.jitter.insert(buf, len, arrivalMs);
    if (this.keyFrameWanted) this.askForKeyFrame(arrivalMs);
    if (this.out.pending >= FLUSH_BYTES) this.flush(arrivalMs);
  }

  /** A Sender Report of the track's SSRC arrived at `arrivalMs` (common clock). */
  onSenderReport(report: SenderInfo, arrivalMs: number): void {
    if (report.ssrc !== this.ssrc) return;
    const ntpMs = (report.ntpSeconds - NTP_UNIX_OFFSET_S) * 1000 + (report.ntpFraction / 0x100000000) * 1000;
    this.clock.onSenderReport(ntpMs, report.rtpTimestamp, arrivalMs);
  }

  /** Periodic (every ~20-50 ms): gaps that waited long enough are skipped, key frames asked again, bytes flushed. */
  tick(nowMs: number): void {
    if (this.stopped || this.error !== null) return;
    this.jitter.drain(nowMs);
    if (this.keyFrameWanted) this.askForKeyFrame(nowMs);
    if (nowMs - this.lastFlushMs >= FLUSH_INTERVAL_MS) this.flush(nowMs);
  }

  /** The file's start on the common clock comes from the publisher's Sender Reports, not the first arrival. */
  get startByReports(): boolean {
    return this.clock.startByReports;
  }

  /** Writes what is held (gaps skipped), finalizes the file (duration, cues) and closes it. */
  async stop(): Promise<TrackRecordingResult> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.error === null) this.jitter.flush();
      await this.writer.finish();
    }
    const w = this.writer;
    const startMs = w.frames > 0 ? this.clock.startMs : Number.NaN;
    return {
      file: this.file,
      codec: this.options.codec,
      startMs,
      endMs: startMs + w.durationMs,
      frames: w.frames,
      bytes: this.out.length,
      framesDropped: this.framesDropped,
      packetsLost: this.jitter.skipped,
      keyFrameRequests: this.keyFrameRequests,
      error: this.error === null ? null : describeWriteError(this.error),
    };
  }

  private onPacket(buf: Buffer, len: number, arrivalMs: number, afterLoss: boolean): void {
    const headerLength = rtpCheck(buf, len);
    if (headerLength < 0) return;
    const ts = rtpTimestamp(buf);
    if (ts !== this.frameTs) {
      this.frameTs = ts;
      this.previousFrameArrivalMs = this.frameArrivalMs;
      this.frameArrivalMs = arrivalMs;
    }
    if (afterLoss && this.video) this.waitForKeyFrame();
    this.depacketizer.push(buf, headerLength, len - rtpPaddingSize(buf, len), ts, rtpMarker(buf), afterLoss);
  }

  private onFrame(data: Uint8Array, length: number, rtpTs: number, keyFrame: boolean): void {
    if (this.waitingForKeyFrame) {
      const track = this.depacketizer.track;
      if (!keyFrame || track === null) {
        this.framesDropped++;
        this.keyFrameWanted = true;
        return;
      }
      this.waitingForKeyFrame = false;
      this.keyFrameWanted = false;
      if (!this.writer.headerWritten) this.writer.writeHeader(track);
    } else if (!this.writer.headerWritten) {
      const track = this.depacketizer.track;
      if (track === null) return;
      this.writer.writeHeader(track);
    }
    const arrivalMs = rtpTs === this.frameTs ? this.frameArrivalMs : this.previousFrameArrivalMs;
    this.writer.writeFrame(this.clock.frameTime(rtpTs, arrivalMs), keyFrame, data, 0, length);
    if (this.writer.frames === 1) this.options.onFirstFrame?.(this.clock.startMs);
  }

  /** Frames are dropped until a key frame comes, which is asked for now (within the request spacing). */
  private waitForKeyFrame(): void {
    this.waitingForKeyFrame = true;
    this.keyFrameWanted = true;
  }

  private askForKeyFrame(nowMs: number): void {
    if (!this.waitingForKeyFrame) {
      this.keyFrameWanted = false;
      return;
    }
    if (nowMs - this.lastKeyFrameRequestMs < KEY_FRAME_REQUEST_MS) return;
    this.lastKeyFrameRequestMs = nowMs;
    this.keyFrameRequests++;
    this.options.requestKeyFrame();
  }

  private flush(nowMs: number): void {
    this.lastFlushMs = nowMs;
    this.out.flush();
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.error !== null) return;
    this.error = err;
    this.options.onError(err);
  }
}

/** `ENOSPC: no space left on device, write`: Node's message already starts with the code. */
export function describeWriteError(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.startsWith(err.code) ? `${err.code}: ${err.message}` : err.message;
}

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
