import type { CompositePlan, PlacedFile, Rect, Segment } from './compositeLayout';

/**
 * The ffmpeg command line that turns a plan into one MP4: H264 + AAC, `+faststart`.
 *
 * Every input is placed on the recording's clock with `-itsoffset` (its manifest start), so the
 * filters see all tracks on one timeline. Video: each segment is a plain canvas of its exact
 * number of frames (boundaries snapped to the frame grid, so segments add up to the meeting without
 * drift), with name tiles drawn on it and each camera or screen trimmed to the segment and laid
 * over its tile; the segments are concatenated. Audio: each track is padded with silence from 0 and
 * through its gaps by its timestamps (`aresample` with `first_pts=0`), then all are mixed.
 *
 * Runs with cwd = the recording's folder: inputs, the output, the graph and the name files are bare
 * names, so nothing in the graph needs escaping (a name is read from its file by drawtext).
 */

export interface CompositeEncoding {
  fps: number;
  /** x264 preset and quality (docs/recording.md "Cost" says how they were chosen). */
  preset: string;
  crf: number;
  audioBitrate: string;
  /** Threads for each decoder, the filters and the encoder: the job stays on about one core. */
  threads: number;
  /** Draw people's names on their tiles (needs a font through fontconfig); plain tiles otherwise. */
  names: boolean;
}

export const DEFAULT_ENCODING: CompositeEncoding = { fps: 30, preset: 'veryfast', crf: 23, audioBitrate: '128k', threads: 1, names: true };

export interface CompositeCommand {
  args: string[];
  /** Files to write beside the inputs before running: the filter graph, and each person's name for drawtext. */
  textFiles: Map<string, string>;
  /** The filter graph (also in `textFiles`): a long meeting's is far past the 128 KB one argument may have. */
  graph: string;
}

/** Where the filter graph goes, beside the inputs. */
export const GRAPH_FILE = '.composite-graph.txt';

const BACKGROUND = '0x202124';
const TILE = '0x3c4043';
/** Camera frames kept from before a segment starts, so its first frames show the latest picture, not an empty tile. */
const LEAD_IN_SECONDS = 1;

export function buildCompositeCommand(plan: CompositePlan, output: string, encoding: CompositeEncoding = DEFAULT_ENCODING): CompositeCommand {
  const { fps, threads } = encoding;
  const size = `${plan.width}x${plan.height}`;
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-progress', 'pipe:1', '-nostats'];
  const inputs = new Map<string, number>();
  const input = (f: PlacedFile): number => {
    let index = inputs.get(f.file);
    if (index === undefined) {
      index = inputs.size;
      inputs.set(f.file, index);
      // -reinit_filter 0: a simulcast layer switch changes the frame size; scale copes, a rebuilt graph would restart the canvas.
      args.push('-threads', String(threads), '-reinit_filter', '0', '-itsoffset', seconds(f.startMs), '-i', f.file);
    }
    return index;
  };

  const frames = plan.segments
    .map((s) => ({ segment: s, from: Math.round((s.startMs * fps) / 1000), to: Math.round((s.endMs * fps) / 1000) }))
    .filter((s) => s.to > s.from);
  // Each video input feeds every segment that shows it: count the uses first, to split it that many ways.
  const uses = new Map<number, number>();
  const videoOf = frames.map(({ segment }) => videoFiles(segment).map((f) => {
    const index = input(f);
    uses.set(index, (uses.get(index) ?? 0) + 1);
    return index;
  }));
  const audioInputs = plan.audio.map(input);

  const graph: string[] = [];
  const branch = new Map<number, string[]>();
  for (const [index, count] of uses) {
    const labels = Array.from({ length: count }, (_, n) => `v${index}_${n}`);
    branch.set(index, labels);
    graph.push(count === 1 ? `[${index}:v]null[${labels[0]}]` : `[${index}:v]split=${count}${labels.map((l) => `[${l}]`).join('')}`);
  }
  const textFiles = new Map<string, string>();
  const nameFiles = new Map<string, string>();
  const nameFile = (participantId: string, name: string): string => {
    let file = nameFiles.get(participantId);
    if (file === undefined) {
      file = `.composite-name-${nameFiles.size}.txt`;
      nameFiles.set(participantId, file);
      textFiles.set(file, name);
    }
    return file;
  };

  frames.forEach(({ segment, from, to }, n) => {
    const start = from / fps;
    const end = to / fps;
    let canvas = `c${n}`;
    const chain = [`color=c=${BACKGROUND}:s=${size}:r=${fps}`, `trim=end_frame=${to - from}`, 'format=yuv420p'];
    for (const tile of segment.tiles) {
      chain.push(`drawbox=x=${tile.rect.x}:y=${tile.rect.y}:w=${tile.rect.w}:h=${tile.rect.h}:color=${TILE}:t=fill`);
      if (encoding.names && tile.name.trim() !== '') chain.push(nameText(nameFile(tile.participantId, tile.name), tile.rect));
    }
    graph.push(`${chain.join(',')}[${canvas}]`);
    const shown: Array<{ file: PlacedFile; rect: Rect }> = [];
    if (segment.screen && segment.screenRect) shown.push({ file: segment.screen, rect: segment.screenRect });
    for (const tile of segment.tiles) if (tile.camera) shown.push({ file: tile.camera, rect: tile.rect });
    shown.forEach(({ rect }, k) => {
      const index = videoOf[n]![k]!;
      const source = branch.get(index)!.shift()!;
      const picture = `p${n}_${k}`;
      graph.push(
        `[${source}]trim=start=${decimal(Math.max(0, start - LEAD_IN_SECONDS))}:end=${decimal(end)},setpts=PTS-${decimal(start)}/TB,` +
          `scale=w=${rect.w}:h=${rect.h}:force_original_aspect_ratio=decrease:force_divisible_by=2[${picture}]`,
      );
      const next = `c${n}_${k}`;
      // Centred in the tile; the tile's colour shows around a picture of another shape. After the file ends, the tile stays.
      graph.push(`[${canvas}][${picture}]overlay=x=${rect.x}+(${rect.w}-w)/2:y=${rect.y}+(${rect.h}-h)/2:eof_action=pass[${next}]`);
      canvas = next;
    });
    graph.push(`[${canvas}]null[s${n}]`);
  });
  graph.push(frames.length === 1 ? '[s0]null[video]' : `${frames.map((_, n) => `[s${n}]`).join('')}concat=n=${frames.length}:v=1:a=0[video]`);

  const duration = decimal(plan.durationMs / 1000);
  if (audioInputs.length === 0) {
    graph.push(`anullsrc=r=48000:cl=stereo,atrim=end=${duration}[audio]`);
  } else {
    audioInputs.forEach((index, k) => graph.push(`[${index}:a]aresample=48000:async=1:min_hard_comp=0.01:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo[a${k}]`));
    const mixed = audioInputs.length === 1 ? '[a0]anull' : `${audioInputs.map((_, k) => `[a${k}]`).join('')}amix=inputs=${audioInputs.length}:duration=longest:dropout_transition=0:normalize=0`;
    graph.push(`${mixed},apad=whole_dur=${duration},atrim=end=${duration}[audio]`);
  }

  const script = graph.join(';\n');
  textFiles.set(GRAPH_FILE, script);
  args.push(
    '-filter_complex_script', GRAPH_FILE,
    '-filter_complex_threads', String(threads),
    '-map', '[video]', '-map', '[audio]',
    '-c:v', 'libx264', '-preset', encoding.preset, '-crf', String(encoding.crf), '-pix_fmt', 'yuv420p', '-r', String(fps), '-threads', String(threads),
    '-c:a', 'aac', '-b:a', encoding.audioBitrate,
    '-movflags', '+faststart',
    '-y', output,
  );
  return { args, textFiles, graph: script };
}

/** The files a segment shows, screen first, in the order the filter graph lays them over. */
function videoFiles(segment: Segment): PlacedFile[] {
  const files: PlacedFile[] = [];
  if (segment.screen) files.push(segment.screen);
  for (const tile of segment.tiles) if (tile.camera) files.push(tile.camera);
  return files;
}

/** A name centred in its tile, read from a file: no escaping of what people call themselves. */
function nameText(file: string, rect: Rect): string {
  const fontSize = Math.max(12, Math.round(Math.min(rect.h / 8, rect.w / 12)));
  return `drawtext=textfile=${file}:expansion=none:fontcolor=white:fontsize=${fontSize}:x=${rect.x}+(${rect.w}-text_w)/2:y=${rect.y}+(${rect.h}-text_h)/2`;
}

function seconds(ms: number): string {
  return decimal(ms / 1000);
}

function decimal(n: number): string {
  return n.toFixed(6).replace(/\.?0+$/, '') || '0';
}
