/** What ffprobe and ffmpeg say of a recorded file. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Probe {
  formatName: string;
  durationSeconds: number;
  codec: string;
  width?: number;
  height?: number;
  /** Each packet's presentation time, s, and whether it is a key frame. */
  packetTimes: number[];
  packetKeyFrames: boolean[];
}

/** ffprobe's view of the file's one stream; throws if ffprobe cannot read it. */
export async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_entries', 'packet=pts_time,flags', file]);
  const json = JSON.parse(stdout) as {
    format: { format_name: string; duration?: string };
    streams: Array<{ codec_name: string; width?: number; height?: number }>;
    packets: Array<{ pts_time: string; flags: string }>;
  };
  const stream = json.streams[0];
  if (stream === undefined) throw new Error(`${file}: no stream`);
  return {
    formatName: json.format.format_name,
    durationSeconds: Number(json.format.duration ?? Number.NaN),
    codec: stream.codec_name,
    width: stream.width,
    height: stream.height,
    packetTimes: json.packets.map((p) => Number(p.pts_time)),
    packetKeyFrames: json.packets.map((p) => p.flags.startsWith('K')),
  };
}

/** What `ffmpeg -v error -i <file> -f null -` prints: empty when every frame decodes cleanly. */
export async function decodeErrors(file: string): Promise<string> {
  const { stdout, stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-']);
  return `${stdout}${stderr}`.trim();
}
