import type { CompositePlan, PlacedFile, Rect, Segment } from './compositeLayout';

/**
 * The ffmpeg command line that turns a plan into one MP4: H264 + AAC, `+faststart`.
 *
 * Every input is placed on the recording's clock with `-itsoffset` (its manifest start), so the
 * filters see all tracks on one timeline. Video: one plain canvas as long as the meeting, to the
 * frame; segment boundaries are snapped to its frame grid. Over it, one layer per place something
 * is shown, enabled for the segments that show it there: tile backgrounds, each camera or screen
 * (scaled once per tile size), names. The filter count grows with the places, not with the
 * segments, and every filter moves along the same timeline, so memory stays flat however long the
 * meeting or however often its layout changes. Audio: each track is padded with silence from 0 and
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

  const segments = plan.segments
    .map((segment) => ({ segment, from: Math.round((segment.startMs * fps) / 1000), to: Math.round((segment.endMs * fps) / 1000) }))
    .filter((s) => s.to > s.from);
  const totalFrames = Math.round((plan.durationMs * fps) / 1000);
  const graph: string[] = [];
  /** A segment's frames as times, half a frame in, so each frame's own time falls clearly inside or outside. */
  const span = (from: number, to: number): [number, number] => [(from - 0.5) / fps, (to - 0.5) / fps];

  // One layer per place a thing is shown, switched on for the segments that show it there: tile
  // backgrounds, then pictures (one overlay per file and place), then names. Everything runs along one
  // timeline, so no filter waits on a part of the meeting not reached yet (per-segment branches joined
  // by concat would hold every decoded frame of the later segments in memory).
  const tiles = new Map<string, { rect: Rect; spans: Spans }>();
  const pictures = new Map<string, { index: number; rect: Rect; spans: Spans }>();
  for (const { segment, from, to } of segments) {
    for (const tile of segment.tiles) placeIn(tiles, JSON.stringify(tile.rect), { rect: tile.rect }, span(from, to));
    for (const { file, rect } of shown(segment)) {
      const index = input(file);
      placeIn(pictures, `${index}:${JSON.stringify(rect)}`, { index, rect }, span(from, to));
    }
  }
  const audioInputs = plan.audio.map(input);

  // Each input scaled once per tile size, only while shown at that size (and a second before: the
  // latest picture is there when it appears), then to each place of that size.
  const sizes = new Map<number, Map<string, Array<{ key: string; spans: Spans }>>>();
  for (const [key, p] of pictures) {
    const bySize = sizes.get(p.index) ?? new Map<string, Array<{ key: string; spans: Spans }>>();
    sizes.set(p.index, bySize);
    const size = `${p.rect.w}x${p.rect.h}`;
    bySize.set(size, [...(bySize.get(size) ?? []), { key, spans: p.spans }]);
  }
  const labelOf = new Map<string, string>();
  for (const [index, bySize] of sizes) {
    const sizeLabels = [...bySize.keys()].map((size) => `i${index}_${size}`);
    graph.push(`[${index}:v]${fanOut(sizeLabels)}`);
    [...bySize].forEach(([size, places], n) => {
      const [w, h] = size.split('x');
      const shownSpans = places.flatMap((p) => p.spans.map(([a, b]): [number, number] => [Math.max(0, a - LEAD_IN_SECONDS), b]));
      const labels = places.map((p, k) => {
        const label = `${sizeLabels[n]}_${k}`;
        labelOf.set(p.key, label);
        return label;
      });
      graph.push(`[${sizeLabels[n]}]select='${during(shownSpans)}',scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease:force_divisible_by=2,${fanOut(labels)}`);
    });
  }

  const canvas = [`color=c=${BACKGROUND}:s=${plan.width}x${plan.height}:r=${fps}`, `trim=end_frame=${totalFrames}`, 'format=yuv420p'];
  for (const { rect, spans } of tiles.values()) canvas.push(`drawbox=x=${rect.x}:y=${rect.y}:w=${rect.w}:h=${rect.h}:color=${TILE}:t=fill:enable='${during(spans)}'`);
  let layer = 'canvas';
  graph.push(`${canvas.join(',')}[${layer}]`);
  [...pictures].forEach(([key, { rect, spans }], n) => {
    // Centred in its place; the tile's colour shows around a picture of another shape. After the file ends, the tile stays.
    graph.push(`[${layer}][${labelOf.get(key)}]overlay=x=${rect.x}+(${rect.w}-w)/2:y=${rect.y}+(${rect.h}-h)/2:eof_action=pass:enable='${during(spans)}'[l${n}]`);
    layer = `l${n}`;
  });
  const mosaic = `[${layer}]null`;

  const { names, textFiles } = encoding.names ? nameLayers(segments, span) : { names: [], textFiles: new Map<string, string>() };
  graph.push(`${mosaic}${names.length ? `,${names.join(',')}` : ''}[video]`);

  graph.push(audioMix(audioInputs, decimal(plan.durationMs / 1000)));

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

type Spans = Array<[number, number]>;
type SegmentFrames = { segment: Segment; from: number; to: number };

/**
 * Names, drawn over the whole video, one drawtext per person and place: large on a plain tile, a
 * small label on a camera. Each name goes to a file of its own for drawtext to read.
 */
function nameLayers(segments: SegmentFrames[], span: (from: number, to: number) => [number, number]): { names: string[]; textFiles: Map<string, string> } {
  const textFiles = new Map<string, string>();
  const nameFiles = new Map<string, string>();
  const places = new Map<string, { file: string; rect: Rect; camera: boolean; spans: Spans }>();
  for (const { segment, from, to } of segments) {
    for (const tile of segment.tiles) {
      if (tile.name.trim() === '') continue;
      let file = nameFiles.get(tile.participantId);
      if (file === undefined) {
        file = `.composite-name-${nameFiles.size}.txt`;
        nameFiles.set(tile.participantId, file);
        textFiles.set(file, tile.name);
      }
      const camera = tile.camera !== null;
      placeIn(places, `${file}|${JSON.stringify(tile.rect)}|${camera}`, { file, rect: tile.rect, camera }, span(from, to));
    }
  }
  return { names: [...places.values()].map((p) => nameText(p.file, p.rect, p.camera, p.spans)), textFiles };
}

/** Every microphone padded with silence from 0 and through its gaps by its timestamps, mixed at its own level, cut to the meeting. */
function audioMix(inputs: number[], duration: string): string {
  if (inputs.length === 0) return `anullsrc=r=48000:cl=stereo,atrim=end=${duration}[audio]`;
  const tracks = inputs.map((index, k) => `[${index}:a]aresample=48000:async=1:min_hard_comp=0.01:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=stereo[a${k}]`);
  const mixed = inputs.length === 1 ? '[a0]anull' : `${inputs.map((_, k) => `[a${k}]`).join('')}amix=inputs=${inputs.length}:duration=longest:dropout_transition=0:normalize=0`;
  return [...tracks, `${mixed},apad=whole_dur=${duration},atrim=end=${duration}[audio]`].join(';\n');
}

/** Adds `at` to the place under `key`, making the place first if it is new. */
function placeIn<T extends object>(places: Map<string, T & { spans: Spans }>, key: string, place: T, at: [number, number]): void {
  let found = places.get(key);
  if (!found) places.set(key, (found = { ...place, spans: [] }));
  found.spans.push(at);
}

/** One stream to `labels`: split when more than one. */
function fanOut(labels: string[]): string {
  return labels.length === 1 ? `null[${labels[0]}]` : `split=${labels.length}${labels.map((l) => `[${l}]`).join('')}`;
}

/** An expression true while `t` is in any of the spans (seconds), overlapping ones merged. */
function during(spans: Spans): string {
  const merged: Spans = [];
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged.map(([a, b]) => `gte(t,${decimal(a)})*lt(t,${decimal(b)})`).join('+');
}

/** What a segment shows, screen first, in the order the filter graph lays them over. */
function shown(segment: Segment): Array<{ file: PlacedFile; rect: Rect }> {
  const list: Array<{ file: PlacedFile; rect: Rect }> = [];
  if (segment.screen && segment.screenRect) list.push({ file: segment.screen, rect: segment.screenRect });
  for (const tile of segment.tiles) if (tile.camera) list.push({ file: tile.camera, rect: tile.rect });
  return list;
}

/** A person's name read from a file (no escaping of what people call themselves): centred and large on a plain tile, a label on a camera. */
function nameText(file: string, rect: Rect, onCamera: boolean, spans: Spans): string {
  const common = `drawtext=textfile=${file}:expansion=none:fontcolor=white:enable='${during(spans)}'`;
  if (onCamera) {
    const fontSize = Math.max(12, Math.round(rect.h / 14));
    return `${common}:fontsize=${fontSize}:box=1:boxcolor=black@0.5:boxborderw=${Math.round(fontSize / 4)}:x=${rect.x}+${Math.round(fontSize / 2)}:y=${rect.y + rect.h}-text_h-${Math.round(fontSize / 2)}`;
  }
  const fontSize = Math.max(12, Math.round(Math.min(rect.h / 8, rect.w / 12)));
  return `${common}:fontsize=${fontSize}:x=${rect.x}+(${rect.w}-text_w)/2:y=${rect.y}+(${rect.h}-text_h)/2`;
}

function seconds(ms: number): string {
  return decimal(ms / 1000);
}

function decimal(n: number): string {
  return n.toFixed(6).replace(/\.?0+$/, '') || '0';
}
