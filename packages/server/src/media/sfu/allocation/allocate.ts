/**
 * Sharing one subscriber's bandwidth among the tracks it receives (pure logic, no I/O): audio
 * first, then screen shares, then the active speaker's camera, then the other cameras. No video
 * gets a layer taller than the tile it is drawn in, a hidden one gets nothing, and one that
 * cannot get even its lowest layer is paused for bandwidth. Runs a few times per second, not per
 * packet.
 */

/** Lower goes first. Audio is not ranked: it always goes, before any video. */
export const enum VideoPriority {
  Screen = 0,
  Speaker = 1,
  Camera = 2,
}

/** One encoding as the allocator sees it. */
export interface AllocationLayer {
  /** Picture height in pixels; 0 while unknown (then assumed from its position: 720, 360, 180 ...). */
  height: number;
  /** Measured bits per second, at its peak (a key frame's burst included); 0 while unknown or silent (then assumed from its position). */
  bitrate: number;
  /** Measured without a key frame's burst (BitrateMeter.steady); 0 or absent: `bitrate`. Keeping a layer is judged on it. */
  steadyBitrate?: number;
  /** Sending, or silent only because we asked it to be (dynacast). */
  available: boolean;
  /** Packets of it arrived lately (available or not: a publisher may send what dynacast has not asked for yet). */
  flowing: boolean;
}

export interface AllocationTrack {
  kind: 'audio' | 'video';
  priority: VideoPriority;
  visible: boolean;
  /** The rendered height in device pixels; 0: not told, take the top layer. */
  height: number;
  /** Low to high. */
  layers: AllocationLayer[];
  /** The layer forwarded now (-1: none), to climb one layer per round when bandwidth is limited. */
  current: number;
  /** Out: the layer to send (-1: nothing). */
  target: number;
  /** Out: visible, but not even the lowest layer fits. */
  pausedForBandwidth: boolean;
  /**
   * Out: moving down while the link is overloaded: stop the current layer now rather than at the
   * target's key frame (until then it would only be lost, and delay that key frame behind it).
   */
  dropCurrent: boolean;
}

/** What an audio track costs while it has not been measured (Opus at its usual rate, with headers). */
const AUDIO_BITRATE = 48_000;
/** What the top layer of a camera costs while unmeasured; each layer below a quarter of the one above. */
const TOP_LAYER_BITRATE = 2_000_000;
/** The top layer's height while unknown; each layer below half of the one above (scaleResolutionDownBy 2). */
const TOP_LAYER_HEIGHT = 720;
/**
 * What is sent now is more than this many times what the link carries: a video moving down stops
 * its current layer at once. Below it the current layer keeps flowing until the target's key
 * frame, so a switch shows no gap (a tile made smaller, a moderate drop of the estimate).
 */
const OVERLOAD = 2;
/**
 * A video that is flowing keeps its lowest layer, and the layer it receives, while the budget
 * covers this share of it: the estimate dips below the link after every congestion signal (to
 * 0.85x what got through), and a layer's measured rate jumps for a second with every key frame
 * (the publisher makes one on every layer when any subscriber asks: measured, a 720p layer from
 * 2.6 to 3.5 Mbit/s); pausing or stepping down for each would cost seconds of picture.
 */
const KEEP_SHARE = 0.75;
/**
 * The same, while the link has shown no congestion (AllocationSignal): an uncapped link's estimate
 * only runs somewhat ahead of what is sent, so the key frames another subscriber's switch brings on
 * every layer can take a layer's rate past it (measured: 720p at 3.5 Mbit/s against a 2.44 Mbit/s
 * estimate, and the uncapped viewer stepped down to 360p for 7 frames).
 */
const KEEP_SHARE_UNCONFIRMED = 0.5;
/** A video paused for bandwidth resumes once the budget covers its lowest layer with this much to spare (no flapping). */
const RESUME_HEADROOM = 1.25;

export function layerBitrate(track: AllocationTrack, index: number): number {
  const measured = track.layers[index]!.bitrate;
  if (measured > 0) return measured;
  return TOP_LAYER_BITRATE / 4 ** (track.layers.length - 1 - index);
}

/** What keeping layer `index` costs: its steady rate where known. */
function keepBitrate(track: AllocationTrack, index: number): number {
  const steady = track.layers[index]!.steadyBitrate ?? 0;
  return steady > 0 ? steady : layerBitrate(track, index);
}

export function layerHeight(track: AllocationTrack, index: number): number {
  const known = track.layers[index]!.height;
  if (known > 0) return known;
  return TOP_LAYER_HEIGHT / 2 ** (track.layers.length - 1 - index);
}

/**
 * The layer the tile is drawn for, whatever is being sent or affordable: the smallest at least as
 * tall as the tile (the top one if none is), -1 when hidden. Dynacast keeps it on at the publisher.
 */
export function tileLayer(track: AllocationTrack): number {
  if (!track.visible || track.layers.length === 0) return -1;
  if (track.height > 0) for (let i = 0; i < track.layers.length; i++) if (layerHeight(track, i) >= track.height) return i;
  return track.layers.length - 1;
}

/**
 * The layer the tile asks for, whatever the bandwidth: the smallest available one at least as
 * tall as the tile (the top available one if none is), -1 when hidden. With no layer available
 * (nothing received yet) the layers count as they are, so the choice is ready when they come.
 * A video that was flowing when its publisher fell silent (no layer flows: a network outage;
 * layers switched off by dynacast count as available, so they would be wanted) keeps its layer,
 * or a lower one if the tile shrank meanwhile: chasing layers that are not there only makes the
 * subscriber switch twice when the publisher comes back (measured: up to the tile's layer at the
 * first key frame, down again 100-300 ms later).
 */
export function wantedLayer(track: AllocationTrack): number {
  if (!track.visible || track.layers.length === 0) return -1;
  if (track.current >= 0 && !track.layers.some((l) => l.flowing)) return Math.min(track.current, tileLayer(track));
  const anyAvailable = track.layers.some((l) => l.available);
  let best = -1;
  for (let i = 0; i < track.layers.length; i++) {
    if (anyAvailable && !track.layers[i]!.available) continue;
    best = i;
    if (track.height > 0 && layerHeight(track, i) >= track.height) break;
  }
  return best;
}

function lowestAvailable(track: AllocationTrack, upTo: number): number {
  for (let i = 0; i <= upTo; i++) if (track.layers[i]!.available) return i;
  return upTo;
}

/**
 * Whether the link has shown that it is full: it drops what we send above the estimate, or holds
 * a standing queue. Only then is a video that is flowing paused. On the delay signal alone it keeps
 * its lowest layer: a receiver whose CPU is busy stamps packets late, which reads as queueing, and
 * pausing on it would lower what gets through and so the next estimate (measured: 1 Mbit/s to 313
 * kbit/s in 3 s with no loss, a dozen flowing videos paused). LiveKit likewise wants more than one
 * falling estimate before it pauses.
 */
export interface AllocationSignal {
  congestionConfirmed: boolean;
}

/**
 * Sets `target` and `pausedForBandwidth` of every track for `availableBitrate` bits/s (Infinity:
 * no estimate yet, everyone gets what their tile wants). Two passes in priority order: first each
 * visible video its lowest layer while that fits (the rest are paused; one already flowing stays
 * while 3/4 of its lowest layer fits, or while the link has not shown it is full: AllocationSignal;
 * one paused resumes when 5/4 of it fits), then each one up towards
 * the layer its tile wants with what is left (the layer it receives stays while 3/4 of it fits, 1/2
 * while the link has not shown it is full). When bandwidth is limited, a video climbs at most one
 * layer above the one it receives per round (a new estimate is proven layer by layer). When what
 * is sent now is more than twice the estimate, videos moving down drop their current layer at once,
 * and on a link shown to be full no layer above the lowest is kept on less than its peak.
 */
export function allocate(tracks: readonly AllocationTrack[], availableBitrate: number, signal: AllocationSignal = { congestionConfirmed: true }): void {
  let budget = availableBitrate;
  let sending = 0;
  for (const track of tracks) {
    track.dropCurrent = false;
    if (track.kind !== 'audio') {
      if (track.current >= 0 && track.current < track.layers.length) sending += layerBitrate(track, track.current);
      continue;
    }
    track.target = 0;
    track.pausedForBandwidth = false;
    const cost = track.layers.length > 0 && track.layers[0]!.bitrate > 0 ? track.layers[0]!.bitrate : AUDIO_BITRATE;
    budget -= cost;
    sending += cost;
  }
  const overloaded = sending > OVERLOAD * availableBitrate;
  const keepShare = signal.congestionConfirmed ? KEEP_SHARE : KEEP_SHARE_UNCONFIRMED;
  // A link given more than twice what it carries, and shown to be full, is no dip of the estimate:
  // a layer above the lowest stays only if all of its peak fits. (Its steady rate lags an encoder
  // still ramping the layer up: a 720p layer that read 163 kbit/s 0.4 s before a 400 kbit/s cap was
  // kept at the first cut, read 957 kbit/s 0.4 s later, and meanwhile took the estimate down to
  // 247 kbit/s.)
  const strict = overloaded && signal.congestionConfirmed;
  const videos = tracks.filter((t) => t.kind === 'video').sort((a, b) => a.priority - b.priority);
  const wanted = videos.map(wantedLayer);
  for (let v = 0; v < videos.length; v++) {
    const track = videos[v]!;
    const wasPaused = track.pausedForBandwidth;
    track.pausedForBandwidth = false;
    track.target = -1;
    const want = wanted[v]!;
    if (want < 0) continue;
    const lowest = lowestAvailable(track, want);
    const cost = layerBitrate(track, lowest);
    const needed = track.current >= 0 ? KEEP_SHARE * cost : wasPaused ? RESUME_HEADROOM * cost : cost;
    if (needed <= budget || (track.current >= 0 && !signal.congestionConfirmed)) {
      track.target = lowest;
      budget -= cost;
    } else {
      track.pausedForBandwidth = true;
    }
  }
  for (let v = 0; v < videos.length; v++) {
    const track = videos[v]!;
    const want = wanted[v]!;
    if (track.target < 0) continue;
    for (let i = want; i > track.target; i--) {
      if (!track.layers[i]!.available && track.layers.some((l) => l.available)) continue;
      const keeping = i === track.current && !strict;
      const extra = (keeping ? keepBitrate(track, i) : layerBitrate(track, i)) - layerBitrate(track, track.target);
      if ((keeping ? keepShare * extra : extra) <= budget) {
        budget -= extra;
        track.target = i;
        break;
      }
    }
    if (Number.isFinite(availableBitrate) && track.current >= 0 && track.target > track.current + 1) track.target = track.current + 1;
  }
  if (overloaded) for (const track of videos) track.dropCurrent = track.current >= 0 && track.target < track.current;
}
