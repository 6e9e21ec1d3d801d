import type { AppendFile } from './AppendFile';
import { EbmlBuilder, MkvId, UNKNOWN_SIZE_8, writeId, writeSize } from './ebml';

/**
 * One track written live as Matroska (WebM for VP8/VP9/AV1/Opus, Matroska for H264), with no
 * transcoding: frames go in as the depacketizer completes them.
 *
 * Why our own writer rather than a muxing library: the one well-kept candidate, mediabunny
 * (webm-muxer's successor), is a browser-first toolkit whose Matroska output in append-only mode
 * gives up duration and cues, and otherwise holds each cluster until it is complete before handing
 * it to the target; its API is promise-per-packet, a cost on a media worker's packet loop. What a
 * recorder needs is small (one track, SimpleBlocks, no lacing) and its one hard contract, crash
 * safety, depends on the byte layout, so we write that layout ourselves (~300 lines):
 *
 * - Live layout: Segment and every Cluster start with the "unknown size" marker, so a file cut
 *   anywhere between two blocks is a valid file up to its last block (ffmpeg, mkvtoolnix, browsers
 *   all read it). Blocks reach the kernel every flush interval of the owner (AppendFile).
 * - A clean stop fills in what only the end knows, in place: Cues (appended), the Segment's and
 *   each Cluster's size, and a SeekHead and an Info with the Duration written over a region that
 *   was reserved for them (a Void) at the start.
 *
 * Timestamps are milliseconds (TimestampScale 1 ms) from the track's first frame; clusters start
 * at video key frames (so cues point at decodable places) and at least every CLUSTER_MAX_MS.
 */

export type MkvCodec = 'vp8' | 'vp9' | 'av1' | 'h264' | 'opus';

export interface MkvTrack {
  codec: MkvCodec;
  /** Video: the first key frame's picture size. */
  width?: number;
  height?: number;
  /** Audio: channels in the decoder's output (Opus over RTP: always 2). */
  channels?: number;
  sampleRate?: number;
  /** H264: the AVCDecoderConfigurationRecord; Opus: built here when absent. */
  codecPrivate?: Uint8Array;
}

const CODEC_IDS: Record<MkvCodec, string> = { vp8: 'V_VP8', vp9: 'V_VP9', av1: 'V_AV1', h264: 'V_MPEG4/ISO/AVC', opus: 'A_OPUS' };
/** Bytes reserved at the segment's start for SeekHead + Info with Duration (about 120 used). */
const HEAD_RESERVE = 192;
/** A cluster's block timestamps are signed 16-bit ms from the cluster's; stay well inside. */
const CLUSTER_MAX_MS = 5000;
/** Video: a key frame starts a new cluster once the current one is this old. */
const CLUSTER_MIN_VIDEO_MS = 1000;
/** SimpleBlock header: ID, 4-byte size, track number, timestamp, flags. */
const BLOCK_OVERHEAD = 1 + 4 + 1 + 2 + 1;
/** Cluster start: ID, unknown size, Timestamp element (ID, size, up to 8 bytes). */
const CLUSTER_OVERHEAD = 4 + 8 + 1 + 1 + 8;
/** Opus over RTP has no header; decoders start cold, and 80 ms of pre-roll settles them after a seek. */
const OPUS_SEEK_PRE_ROLL_NS = 80_000_000;

export function isWebmCodec(codec: MkvCodec): boolean {
  return codec !== 'h264';
}

export function fileExtension(codec: MkvCodec): string {
  return isWebmCodec(codec) ? 'webm' : 'mkv';
}

/** An OpusHead (RFC 7845 5.1) for `channels` at 48 kHz, no pre-skip, mapping family 0. */
export function opusHead(channels: number, sampleRate = 48000): Uint8Array {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = channels;
  head.writeUInt16LE(0, 10);
  head.writeUInt32LE(sampleRate, 12);
  head.writeInt16LE(0, 16);
  head[18] = 0;
  return head;
}

export class MatroskaWriter {
  /** Frames written; the timestamp of the first and the last (ms, the file's timeline). */
  frames = 0;
  firstMs = -1;
  lastMs = -1;
  private video = false;
  private segmentSizeAt = -1;
  private segmentDataAt = -1;
  private tracksAt = -1;
  private clusterMs = -1;
  /** Each cluster's offset (for its size at the end); cue points: [time, cluster offset]. */
  private readonly clusters: number[] = [];
  private readonly cues: number[] = [];
  /** The last frame's duration guess, for the file's Duration. */
  private lastStepMs = 0;
  private finished = false;

  constructor(private readonly file: AppendFile) {}

  get headerWritten(): boolean {
    return this.segmentDataAt >= 0;
  }

  /** The EBML header, the Segment (unknown size), the reserved head, and Tracks. Once, before frames. */
  writeHeader(track: MkvTrack): void {
    if (this.headerWritten) throw new Error('Matroska header written twice');
    this.video = track.codec !== 'opus';
    const b = new EbmlBuilder();
    b.start(MkvId.Ebml)
      .uint(MkvId.EbmlVersion, 1)
      .uint(MkvId.EbmlReadVersion, 1)
      .uint(MkvId.EbmlMaxIdLength, 4)
      .uint(MkvId.EbmlMaxSizeLength, 8)
      .string(MkvId.DocType, isWebmCodec(track.codec) ? 'webm' : 'matroska')
      .uint(MkvId.DocTypeVersion, 4)
      .uint(MkvId.DocTypeReadVersion, 2)
      .end();
    b.id(MkvId.Segment);
    this.segmentSizeAt = this.file.length + b.length;
    b.raw(UNKNOWN_SIZE_8);
    this.segmentDataAt = this.file.length + b.length;
    const head = this.head(-1);
    b.raw(head);
    this.tracksAt = this.file.length + b.length;
    b.start(MkvId.Tracks).start(MkvId.TrackEntry);
    b.uint(MkvId.TrackNumber, 1).uint(MkvId.TrackUid, 1).uint(MkvId.TrackType, this.video ? 1 : 2).uint(MkvId.FlagLacing, 0);
    b.string(MkvId.CodecId, CODEC_IDS[track.codec]);
    if (track.codec === 'opus') {
      const channels = track.channels ?? 2;
      b.bytes(MkvId.CodecPrivate, track.codecPrivate ?? opusHead(channels, track.sampleRate));
      b.uint(MkvId.CodecDelay, 0).uint(MkvId.SeekPreRoll, OPUS_SEEK_PRE_ROLL_NS);
      b.start(MkvId.Audio).float(MkvId.SamplingFrequency, track.sampleRate ?? 48000).uint(MkvId.Channels, channels).end();
    } else {
      if (track.codecPrivate !== undefined) b.bytes(MkvId.CodecPrivate, track.codecPrivate);
      b.start(MkvId.Video).uint(MkvId.PixelWidth, track.width ?? 0).uint(MkvId.PixelHeight, track.height ?? 0).end();
    }
    b.end().end();
    this.file.append(b.toBuffer());
  }

  /**
   * Appends one frame, `data[start, end)`, at `timeMs` on the file's timeline (rounded to ms;
   * never before the previous frame). `keyFrame`: decodable on its own (every Opus frame is).
   */
  writeFrame(timeMs: number, keyFrame: boolean, data: Uint8Array, start: number, end: number): void {
    if (!this.headerWritten || this.finished) return;
    let t = Math.round(timeMs);
    // Strictly increasing: two frames at one instant (a simulcast switch-up repeats the capture
    // instant of the lower layer's last frame) would make players and ffmpeg complain of the dts.
    if (this.lastMs >= 0 && t <= this.lastMs) t = this.lastMs + 1;
    if (this.lastMs >= 0 && t > this.lastMs) this.lastStepMs = t - this.lastMs;
    const size = end - start;
    const age = t - this.clusterMs;
    if (this.clusterMs < 0 || age >= CLUSTER_MAX_MS || (this.video && keyFrame && age >= CLUSTER_MIN_VIDEO_MS)) this.startCluster(t, keyFrame || !this.video);
    const { buf, at } = this.file.stage(BLOCK_OVERHEAD + size);
    let i = writeId(buf, at, MkvId.SimpleBlock);
    i = writeSize(buf, i, 4 + size, 4);
    buf[i++] = 0x81; // track 1
    buf.writeInt16BE(t - this.clusterMs, i);
    i += 2;
    buf[i++] = keyFrame ? 0x80 : 0;
    buf.set(data.subarray(start, end), i);
    this.file.commit(BLOCK_OVERHEAD + size);
    if (this.firstMs < 0) this.firstMs = t;
    this.lastMs = t;
    this.frames++;
  }

  /** The file's duration as a clean stop writes it: up to the end of the last frame. */
  get durationMs(): number {
    return this.lastMs < 0 ? 0 : this.lastMs + this.lastStepMs;
  }

  /**
   * A clean stop: Cues appended, then the sizes and the head written in place, and the file
   * closed. A failed disk leaves the live file as it is (still readable up to its last block).
   */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const file = this.file;
    if (!this.headerWritten) {
      await file.close();
      return;
    }
    const cuesAt = file.length;
    if (this.cues.length > 0) {
      const b = new EbmlBuilder().start(MkvId.Cues);
      for (let i = 0; i < this.cues.length; i += 2) {
        b.start(MkvId.CuePoint).uint(MkvId.CueTime, this.cues[i]!);
        b.start(MkvId.CueTrackPositions).uint(MkvId.CueTrack, 1).uint(MkvId.CueClusterPosition, this.cues[i + 1]! - this.segmentDataAt).end();
        b.end();
      }
      file.append(b.end().toBuffer());
    }
    const end = file.length;
    await file.drain();
    const size = Buffer.alloc(8);
    const patch = (at: number, n: number): Promise<void> => {
      writeSize(size, 0, n, 8);
      return file.patch(at, size);
    };
    for (let i = 0; i < this.clusters.length; i++) {
      const at = this.clusters[i]!;
      const next = i + 1 < this.clusters.length ? this.clusters[i + 1]! : cuesAt;
      await patch(at + 4, next - at - 12);
    }
    await patch(this.segmentSizeAt, end - this.segmentDataAt);
    await file.patch(this.segmentDataAt, this.head(this.cues.length > 0 ? cuesAt - this.segmentDataAt : -1));
    await file.close();
  }

  /**
   * The reserved region at the segment's start, exactly HEAD_RESERVE bytes: before the end an
   * Info without a Duration and padding; at the end a SeekHead (Info, Tracks, Cues) and the Info
   * with the Duration. `cuesPosition` -1: live (nothing known yet).
   */
  private head(cuesPosition: number): Buffer {
    const b = new EbmlBuilder();
    const live = cuesPosition < 0 && this.frames === 0;
    let infoAt = 0;
    if (!live) {
      // The Info's position depends on the SeekHead's size, which is fixed: 8-byte positions.
      const seeks: Array<[number, number]> = [[MkvId.Tracks, this.tracksAt - this.segmentDataAt]];
      if (cuesPosition >= 0) seeks.push([MkvId.Cues, cuesPosition]);
      const seekHeadSize = 12 + (seeks.length + 1) * (10 + 7 + 11);
      infoAt = seekHeadSize;
      b.start(MkvId.SeekHead);
      for (const [id, position] of [[MkvId.Info, infoAt] as [number, number], ...seeks]) {
        b.start(MkvId.Seek).bytes(MkvId.SeekId, idBytes(id)).uint64(MkvId.SeekPosition, position).end();
      }
      b.end();
      if (b.length !== seekHeadSize) throw new Error(`SeekHead is ${b.length} bytes, expected ${seekHeadSize}`);
    }
    b.start(MkvId.Info).uint(MkvId.TimestampScale, 1_000_000);
    if (!live) b.float(MkvId.Duration, this.durationMs);
    b.string(MkvId.MuxingApp, 'Confab').string(MkvId.WritingApp, 'Confab').end();
    b.void(HEAD_RESERVE - b.length);
    return b.toBuffer();
  }

  private startCluster(timeMs: number, cue: boolean): void {
    const at = this.file.length;
    this.clusters.push(at);
    if (cue) this.cues.push(timeMs, at);
    const { buf, at: i0 } = this.file.stage(CLUSTER_OVERHEAD);
    let i = writeId(buf, i0, MkvId.Cluster);
    buf.set(UNKNOWN_SIZE_8, i);
    i += 8;
    i = writeId(buf, i, MkvId.Timestamp);
    i = writeSize(buf, i, 8);
    buf.writeBigUInt64BE(BigInt(timeMs), i);
    i += 8;
    this.file.commit(i - i0);
    this.clusterMs = timeMs;
  }
}

function idBytes(id: number): Buffer {
  const out = Buffer.alloc(4);
  return out.subarray(0, writeId(out, 0, id));
}
