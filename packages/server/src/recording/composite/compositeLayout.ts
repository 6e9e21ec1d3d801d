import type { RecordedTrack, RecordingManifest } from '../manifest';

/**
 * The composite's layout over time, planned from a recording's manifest alone (no ffmpeg here):
 * the meeting is cut into segments wherever who is present, whose camera plays, or whether a
 * screen is shared changes; each segment has one layout. A grid of everyone present, or, while a
 * screen is shared, the screen large with everyone in a strip below it.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A stretch of time in ms on the recording's clock. */
export interface Interval {
  startMs: number;
  endMs: number;
}

/** A video file placed on the recording's clock: its timeline's 0 is at `startMs`. */
export interface PlacedFile {
  file: string;
  startMs: number;
}

/** One person's place on screen: their camera when it plays, their name on a plain tile when not. */
export interface Tile {
  rect: Rect;
  participantId: string;
  name: string;
  camera: PlacedFile | null;
}

export interface Segment extends Interval {
  /** The shared screen, drawn large in `screenRect`; null: a grid. */
  screen: PlacedFile | null;
  screenRect: Rect | null;
  tiles: Tile[];
}

export interface CompositePlan {
  width: number;
  height: number;
  durationMs: number;
  segments: Segment[];
  /** Every audio file, to be mixed, each at its place. */
  audio: PlacedFile[];
}

export interface LayoutOptions {
  width: number;
  height: number;
  /** Stretches without camera frames in each camera file, on the file's own timeline (ms from its start). */
  cameraGaps?: ReadonlyMap<string, readonly Interval[]>;
}

/** Height of the camera strip under a shared screen, as a share of the picture. */
const STRIP_SHARE = 0.2;
/** Pixels between tiles. */
const GAP = 4;

/** The meeting's length in ms: to its stop, or (cut short by a crash) to the last thing it saw. */
export function meetingDuration(manifest: RecordingManifest): number {
  if (manifest.stoppedAt !== null) return Math.max(0, Date.parse(manifest.stoppedAt) - manifest.startedAtMs);
  const ends = [...manifest.tracks.map((t) => t.endMs ?? 0), ...manifest.participants.map((p) => p.leftMs ?? p.joinedMs)];
  return Math.max(0, ...ends);
}

export function planComposite(manifest: RecordingManifest, options: LayoutOptions): CompositePlan {
  const durationMs = meetingDuration(manifest);
  const played = manifest.tracks.filter((t) => t.startMs !== null && t.frames > 0);
  const span = (t: RecordedTrack): Interval => ({ startMs: t.startMs!, endMs: Math.min(t.endMs ?? durationMs, durationMs) });
  const cameras = played.filter((t) => t.source === 'camera').map((t) => ({ track: t, on: minus(span(t), shifted(options.cameraGaps?.get(t.file) ?? [], t.startMs!)) }));
  const screens = played.filter((t) => t.source === 'screen').map((t) => ({ track: t, on: span(t) }));
  const people = presence(manifest, played, durationMs);

  const cuts = new Set<number>([0, durationMs]);
  for (const p of people) for (const i of p.present) cuts.add(i.startMs).add(i.endMs);
  for (const c of cameras) for (const i of c.on) cuts.add(i.startMs).add(i.endMs);
  for (const s of screens) cuts.add(s.on.startMs).add(s.on.endMs);
  const times = [...cuts].filter((t) => t >= 0 && t <= durationMs).sort((a, b) => a - b);

  const segments: Segment[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const startMs = times[i]!;
    const endMs = times[i + 1]!;
    if (endMs <= startMs) continue;
    const mid = (startMs + endMs) / 2;
    const here = people.filter((p) => p.present.some((x) => covers(x, mid)));
    const screen = latest(screens.filter((s) => covers(s.on, mid)).map((s) => s.track));
    const cameraOf = (participantId: string) => latest(cameras.filter((c) => c.track.participantId === participantId && c.on.some((x) => covers(x, mid))).map((c) => c.track));
    const screenRect = screen ? { x: 0, y: 0, w: options.width, h: even(options.height * (1 - STRIP_SHARE)) } : null;
    const rects = screenRect ? stripRects(here.length, options.width, options.height, screenRect.h) : gridRects(here.length, options.width, options.height);
    const tiles = here.map((p, n) => {
      const camera = cameraOf(p.participantId);
      return { rect: rects[n]!, participantId: p.participantId, name: p.name, camera: camera && placed(camera) };
    });
    const segment: Segment = { startMs, endMs, screen: screen && placed(screen), screenRect, tiles };
    const previous = segments.at(-1);
    if (previous && sameLayout(previous, segment)) previous.endMs = endMs;
    else segments.push(segment);
  }
  if (segments.length === 0 && durationMs > 0) segments.push({ startMs: 0, endMs: durationMs, screen: null, screenRect: null, tiles: [] });

  const audio = played.filter((t) => t.kind === 'audio').map(placed);
  return { width: options.width, height: options.height, durationMs, segments, audio };
}

interface Person {
  participantId: string;
  name: string;
  present: Interval[];
}

/** Who was there when, in order of first arrival: the manifest's joins and leaves, and anyone while a track of theirs plays. */
function presence(manifest: RecordingManifest, played: RecordedTrack[], durationMs: number): Person[] {
  const byId = new Map<string, Person>();
  const person = (participantId: string, name: string): Person => {
    let p = byId.get(participantId);
    if (!p) byId.set(participantId, (p = { participantId, name, present: [] }));
    return p;
  };
  const first = new Map<string, number>();
  for (const p of manifest.participants) {
    person(p.participantId, p.name).present.push({ startMs: p.joinedMs, endMs: p.leftMs ?? durationMs });
    first.set(p.participantId, Math.min(first.get(p.participantId) ?? Infinity, p.joinedMs));
  }
  for (const t of played) {
    person(t.participantId, t.participantName).present.push({ startMs: t.startMs!, endMs: t.endMs ?? durationMs });
    first.set(t.participantId, Math.min(first.get(t.participantId) ?? Infinity, t.startMs!));
  }
  return [...byId.values()].sort((a, b) => first.get(a.participantId)! - first.get(b.participantId)!);
}

/** Rows and columns as square as they come; a short last row is centred. */
export function gridRects(n: number, width: number, height: number): Rect[] {
  if (n === 0) return [];
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const w = even(width / cols - GAP);
  const h = even(height / rows - GAP);
  const rects: Rect[] = [];
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const left = (width - inRow * (w + GAP)) / 2;
    rects.push({ x: even(left + (i % cols) * (w + GAP) + GAP / 2), y: even(row * (h + GAP) + GAP / 2), w, h });
  }
  return rects;
}

/** One row of 16:9 tiles under the shared screen, centred; more people make them narrower. */
export function stripRects(n: number, width: number, height: number, top: number): Rect[] {
  if (n === 0) return [];
  const h = even(height - top - GAP);
  const w = even(Math.min((h * 16) / 9, width / n - GAP));
  const left = (width - n * (w + GAP)) / 2;
  return Array.from({ length: n }, (_, i) => ({ x: even(left + i * (w + GAP) + GAP / 2), y: even(top + GAP / 2), w, h }));
}

function placed(t: RecordedTrack): PlacedFile {
  return { file: t.file, startMs: t.startMs! };
}

/** The most recently started of `tracks` (a second screen share takes over the big area). */
function latest(tracks: RecordedTrack[]): RecordedTrack | null {
  return tracks.reduce<RecordedTrack | null>((best, t) => (best === null || t.startMs! > best.startMs! ? t : best), null);
}

function covers(i: Interval, t: number): boolean {
  return i.startMs <= t && t < i.endMs;
}

function shifted(intervals: readonly Interval[], by: number): Interval[] {
  return intervals.map((i) => ({ startMs: i.startMs + by, endMs: i.endMs + by }));
}

/** `whole` without the `holes` (sorted or not). */
export function minus(whole: Interval, holes: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let from = whole.startMs;
  for (const hole of [...holes].sort((a, b) => a.startMs - b.startMs)) {
    if (hole.endMs <= from || hole.startMs >= whole.endMs) continue;
    if (hole.startMs > from) out.push({ startMs: from, endMs: hole.startMs });
    from = Math.max(from, hole.endMs);
  }
  if (from < whole.endMs) out.push({ startMs: from, endMs: whole.endMs });
  return out;
}

function sameLayout(a: Segment, b: Segment): boolean {
  const key = (s: Segment) => JSON.stringify([s.screen, s.screenRect, s.tiles]);
  return key(a) === key(b);
}

function even(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}
