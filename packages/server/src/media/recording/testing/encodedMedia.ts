/**
 * Real encoded media for recorder tests, made with ffmpeg (cached in the OS temp folder by its
 * parameters): VP8 in IVF, H264 Annex B with an access unit delimiter before each picture, Opus in
 * Ogg. Each is read back into frames with their RTP timestamps.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EncodedFrame {
  data: Buffer;
  /** RTP timestamp from 0 (90 kHz video, 48 kHz Opus). */
  timestamp: number;
  keyFrame: boolean;
}

const CACHE = join(tmpdir(), 'confab-recording-fixtures');

function cached(ext: string, args: string[]): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `${createHash('sha256').update(args.join(' ')).digest('hex').slice(0, 16)}.${ext}`);
  if (existsSync(path)) return path;
  const work = `${path}.${process.pid}.tmp.${ext}`;
  execFileSync('ffmpeg', ['-v', 'error', ...args, '-y', work]);
  renameSync(work, path);
  return path;
}

/** testsrc2 at `size` (640x360), 30 fps, VP8 at `bitrate` (500k), a key frame every `gop` frames. */
export function vp8Frames(seconds: number, gop = 60, size = '640x360', bitrate = '500k'): EncodedFrame[] {
  const path = cached('ivf', ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-t', String(seconds), '-c:v', 'libvpx', '-b:v', bitrate, '-deadline', 'realtime', '-cpu-used', '8', '-g', String(gop), '-keyint_min', String(gop), '-auto-alt-ref', '0', '-f', 'ivf']);
  const ivf = readFileSync(path);
  const rateNum = ivf.readUInt32LE(16);
  const rateDen = ivf.readUInt32LE(20);
  const frames: EncodedFrame[] = [];
  for (let at = ivf.readUInt16LE(6); at + 12 <= ivf.length; ) {
    const size = ivf.readUInt32LE(at);
    const pts = Number(ivf.readBigUInt64LE(at + 4));
    const data = ivf.subarray(at + 12, at + 12 + size);
    frames.push({ data, timestamp: Math.round((pts * rateDen * 90000) / rateNum), keyFrame: (data[0]! & 1) === 0 });
    at += 12 + size;
  }
  return frames;
}

/** testsrc2 at `size` (640x360), 30 fps, H264 constrained baseline (what browsers send), SPS/PPS before each IDR. */
export function h264Frames(seconds: number, gop = 60, size = '640x360'): EncodedFrame[] {
  const path = cached('h264', ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-t', String(seconds), '-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'ultrafast', '-tune', 'zerolatency', '-b:v', '500k', '-g', String(gop), '-x264-params', 'aud=1:repeat-headers=1', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264']);
  const stream = readFileSync(path);
  const frames: EncodedFrame[] = [];
  let nals: Buffer[] = [];
  const endFrame = (): void => {
    if (nals.length === 0) return;
    frames.push({ data: Buffer.concat(nals.map((n) => Buffer.concat([Buffer.from([0, 0, 0, 1]), n]))), timestamp: frames.length * 3000, keyFrame: nals.some((n) => (n[0]! & 0x1f) === 5) });
    nals = [];
  };
  for (const nal of splitAnnexB(stream)) {
    if ((nal[0]! & 0x1f) === 9) endFrame(); // an access unit delimiter starts the next picture
    else nals.push(nal);
  }
  endFrame();
  return frames;
}

/** The NAL units of an Annex B stream (start codes removed). */
export function splitAnnexB(stream: Buffer): Buffer[] {
  const starts: Array<[number, number]> = [];
  for (let i = 0; i + 3 <= stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push([i + 3, i > 0 && stream[i - 1] === 0 ? i - 1 : i]);
      i += 2;
    }
  }
  return starts.map(([from], k) => stream.subarray(from, k + 1 < starts.length ? starts[k + 1]![1] : stream.length));
}

/** A 440 Hz tone with a click every second, 48 kHz, as 20 ms Opus frames. */
export function opusFrames(seconds: number): EncodedFrame[] {
  const path = cached('ogg', ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:beep_factor=4:duration=${seconds}`, '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '20', '-application', 'voip', '-f', 'ogg']);
  const packets = oggPackets(readFileSync(path)).slice(2); // OpusHead, OpusTags
  return packets.map((data, i) => ({ data, timestamp: i * 960, keyFrame: true }));
}

/** The packets of an Ogg stream (one logical stream), joined across pages. */
function oggPackets(ogg: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  for (let at = 0; at + 27 <= ogg.length; ) {
    if (ogg.toString('latin1', at, at + 4) !== 'OggS') throw new Error(`no Ogg page at ${at}`);
    const segments = ogg[at + 26]!;
    let data = at + 27 + segments;
    for (let s = 0; s < segments; s++) {
      const lace = ogg[at + 27 + s]!;
      partial.push(ogg.subarray(data, data + lace));
      data += lace;
      if (lace < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = data;
  }
  return packets;
}
