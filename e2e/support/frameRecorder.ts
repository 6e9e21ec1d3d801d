/**
 * What a person sees, frame by frame: every frame the page presents in each remote camera or
 * screen tile (requestVideoFrameCallback), with the page's time and the picture's size. From it,
 * when the picture changed size and the longest time it stood still, as the eye would judge.
 */
import type { PageReader, Source } from './observe';

/**
 * One presented frame: page time (ms, performance.now()), the decoded picture's height, and for
 * WebRTC video when its last packet arrived (page time) and its RTP timestamp (NaN if not given).
 */
export type Frame = [atMs: number, height: number, receivedMs: number, rtpTimestamp: number];

/**
 * An init script (openParticipant's `initScript`) that records, from the page's start, every frame
 * presented in a remote tile into `window.__frames["<name>|<source>"]` (tiles that appear later are
 * picked up within 100 ms), and when each tile showed "Paused for bandwidth" into
 * `window.__paused[...]` as [from, to or null]. A string, so that tsx adds no `__name()` the page
 * would not have.
 */
export const FRAME_RECORDER = `(() => {
  const frames = {};
  window.__frames = frames;
  const watched = new WeakSet();
  const watch = () => {
    for (const tile of document.querySelectorAll('[data-participant-name][data-source]')) {
      if (tile.getAttribute('data-local') === 'true') continue;
      const video = tile.querySelector('video');
      if (video === null || watched.has(video)) continue;
      watched.add(video);
      const key = tile.getAttribute('data-participant-name') + '|' + tile.getAttribute('data-source');
      const list = (frames[key] ??= []);
      const onFrame = (now, meta) => {
        list.push([now, meta.height, meta.receiveTime ?? NaN, meta.rtpTimestamp ?? NaN]);
        if (list.length > 20000) list.splice(0, 10000);
        if (video.isConnected) video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
  };
  setInterval(watch, 100);
  // When each tile said "Paused for bandwidth" (data-stream-state="paused") and stopped saying it.
  const paused = {};
  window.__paused = paused;
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      const tile = r.target;
      const key = tile.getAttribute('data-participant-name') + '|' + tile.getAttribute('data-source');
      const list = (paused[key] ??= []);
      const on = tile.getAttribute('data-stream-state') === 'paused';
      const open = list.length > 0 && list[list.length - 1][1] === null;
      if (on && !open) list.push([now, null]);
      if (!on && open) list[list.length - 1][1] = now;
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-stream-state'] });
})();`;

/** The page's clock now (ms), to cut recordings at a moment the test chose. */
export async function pageNow(page: PageReader): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** Frames of `name`'s `source` tile presented at or after `sinceMs` (page time). */
export async function framesSince(page: PageReader, name: string, sinceMs: number, source: Source = 'camera'): Promise<Frame[]> {
  return page.evaluate(
    ({ key, sinceMs }) => {
      const list = (window as Window & { __frames?: Record<string, Frame[]> }).__frames?.[key] ?? [];
      return list.filter(([at]) => at >= sinceMs);
    },
    { key: `${name}|${source}`, sinceMs },
  );
}

/** A stretch [from, to] (page time) when a tile said "Paused for bandwidth"; `to` Infinity while it still does. */
export type Pause = [fromMs: number, toMs: number];

/** When `name`'s `source` tile showed "Paused for bandwidth". */
export async function pausesOf(page: PageReader, name: string, source: Source = 'camera'): Promise<Pause[]> {
  const list = await page.evaluate(
    (key) => (window as Window & { __paused?: Record<string, [number, number | null][]> }).__paused?.[key] ?? [],
    `${name}|${source}`,
  );
  return list.map(([from, to]) => [from, to ?? Infinity]);
}

/**
 * The longest stretch without a new frame within [fromMs, toMs] outside `excused` (while the tile
 * said it was paused for bandwidth: a paused video is labelled, not frozen), counting the edges: a
 * picture that stopped before `toMs` froze until `toMs`.
 */
export function longestStill(frames: readonly Frame[], fromMs: number, toMs: number, excused: readonly Pause[] = []): number {
  const merged: Pause[] = [];
  for (const [a, b] of [...excused].sort((x, y) => x[0] - y[0])) {
    const tail = merged[merged.length - 1];
    if (tail !== undefined && a <= tail[1]) tail[1] = Math.max(tail[1], b);
    else merged.push([a, b]);
  }
  let last = fromMs;
  let longest = 0;
  const unpaused = (from: number, to: number): number => {
    let still = to - from;
    for (const [a, b] of merged) still -= Math.max(0, Math.min(to, b) - Math.max(from, a));
    return still;
  };
  for (const [at] of frames) {
    if (at < fromMs || at > toMs) continue;
    longest = Math.max(longest, unpaused(last, at));
    last = at;
  }
  return Math.max(longest, unpaused(last, toMs));
}

/** Stretches longer than `freezeMs` without a new frame within [fromMs, toMs] (edges counted as above). */
export function freezes(frames: readonly Frame[], fromMs: number, toMs: number, freezeMs: number): number[] {
  const out: number[] = [];
  let last = fromMs;
  for (const [at] of frames) {
    if (at < fromMs || at > toMs) continue;
    if (at - last > freezeMs) out.push(Math.round(at - last));
    last = at;
  }
  if (toMs - last > freezeMs) out.push(Math.round(toMs - last));
  return out;
}

/** The first frame at or after `fromMs` whose height passes `test`; its time, or NaN. */
export function firstFrameWhere(frames: readonly Frame[], fromMs: number, test: (height: number) => boolean): number {
  for (const [at, height] of frames) if (at >= fromMs && test(height)) return at;
  return NaN;
}

/**
 * A freeze as Chromium counts one (its inbound-rtp `freezeCount`, VideoQualityObserver): a frame
 * shown at least max(3 × the mean, mean + 150 ms) after the one before, the mean taken over the last
 * 30 intervals once there are 5. `heldBackMs`: how much later than its capture spacing (RTP
 * timestamps, 90 kHz) the frame that ended it arrived after the one before, which is what the
 * network and the server added to the freeze; the rest was made before them (the publisher's
 * camera or encoder made no frames) or after them (the viewer's own decoding and rendering).
 */
export interface Freeze {
  atMs: number;
  ms: number;
  heldBackMs: number;
}

export function chromiumFreezes(frames: readonly Frame[], fromMs: number, toMs: number): Freeze[] {
  const out: Freeze[] = [];
  const intervals: number[] = [];
  let sum = 0;
  let previous: Frame | undefined;
  for (const frame of frames) {
    if (frame[0] < fromMs || frame[0] > toMs) continue;
    if (previous !== undefined) {
      const ms = frame[0] - previous[0];
      const mean = sum / intervals.length;
      if (intervals.length >= 5 && ms >= Math.max(3 * mean, mean + 150)) {
        const capturedMs = ((frame[3] - previous[3]) >>> 0) / 90;
        out.push({ atMs: frame[0], ms, heldBackMs: frame[2] - previous[2] - capturedMs });
      }
      intervals.push(ms);
      sum += ms;
      if (intervals.length > 30) sum -= intervals.shift()!;
    }
    previous = frame;
  }
  return out;
}
