/**
 * Adaptive stream, the logic without the DOM: collects how each element showing a remote video is
 * rendered, folds that into one `track_settings` per track (the largest element's size, visible if
 * any element is) and decides when to send it. A visibility flip goes out at once; size changes
 * at most once per `debounceMs`, with the latest size; nothing is sent twice.
 */

/** How one element shows a track: its size in device pixels, and whether it is in the viewport. */
export interface ElementView {
  width: number;
  height: number;
  visible: boolean;
}

export interface TrackSettings {
  trackId: string;
  visible: boolean;
  width: number;
  height: number;
}

export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const DEFAULT_TRACK_SETTINGS_DEBOUNCE_MS = 200;

interface TrackState {
  readonly views: Map<object, ElementView>;
  sent: TrackSettings | undefined;
  timer: unknown;
}

export class TrackSettingsScheduler {
  private readonly tracks = new Map<string, TrackState>();
  private pageVisible = true;
  private readonly debounceMs: number;
  private readonly timers: SchedulerTimers;

  constructor(
    private readonly send: (settings: TrackSettings) => void,
    options: { debounceMs?: number; timers?: SchedulerTimers } = {},
  ) {
    this.debounceMs = options.debounceMs ?? DEFAULT_TRACK_SETTINGS_DEBOUNCE_MS;
    this.timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
  }

  /** `element` now shows `trackId` like this. */
  update(trackId: string, element: object, view: ElementView): void {
    const state = this.stateOf(trackId);
    state.views.set(element, { width: Math.max(0, Math.round(view.width)), height: Math.max(0, Math.round(view.height)), visible: view.visible });
    this.changed(trackId, state);
  }

  /** `element` no longer shows `trackId` (detached). With no element left the track counts as hidden. */
  remove(trackId: string, element: object): void {
    const state = this.tracks.get(trackId);
    if (!state || !state.views.delete(element)) return;
    this.changed(trackId, state);
  }

  /** The track is gone (unpublished or unsubscribed for good): forget it without sending. */
  forget(trackId: string): void {
    const state = this.tracks.get(trackId);
    if (!state) return;
    this.timers.clearTimeout(state.timer);
    this.tracks.delete(trackId);
  }

  /** The page was hidden (another tab, minimised) or shown again: every track flips at once. */
  setPageVisible(visible: boolean): void {
    if (visible === this.pageVisible) return;
    this.pageVisible = visible;
    for (const [trackId, state] of this.tracks) this.changed(trackId, state);
  }

  /** Sends every known track's current settings again (the server forgot them: a new session). */
  resendAll(): void {
    for (const [trackId, state] of this.tracks) {
      state.sent = undefined;
      this.changed(trackId, state);
    }
  }

  /** What is sent for `trackId` now, or undefined if no element ever showed it. */
  current(trackId: string): TrackSettings | undefined {
    const state = this.tracks.get(trackId);
    return state ? this.aggregate(trackId, state) : undefined;
  }

  dispose(): void {
    for (const state of this.tracks.values()) this.timers.clearTimeout(state.timer);
    this.tracks.clear();
  }

  private stateOf(trackId: string): TrackState {
    let state = this.tracks.get(trackId);
    if (!state) {
      state = { views: new Map(), sent: undefined, timer: undefined };
      this.tracks.set(trackId, state);
    }
    return state;
  }

  private changed(trackId: string, state: TrackState): void {
    const next = this.aggregate(trackId, state);
    const sent = state.sent;
    if (!sent || sent.visible !== next.visible) return this.flush(state, next);
    if (sent.width === next.width && sent.height === next.height) return;
    if (state.timer !== undefined) return; // already due; it reads the size when it fires
    state.timer = this.timers.setTimeout(() => {
      state.timer = undefined;
      if (this.tracks.get(trackId) !== state) return;
      const latest = this.aggregate(trackId, state);
      if (!sameSettings(latest, state.sent)) this.flush(state, latest);
    }, this.debounceMs);
  }

  private flush(state: TrackState, settings: TrackSettings): void {
    this.timers.clearTimeout(state.timer);
    state.timer = undefined;
    state.sent = settings;
    this.send(settings);
  }

  /**
   * Visible if any element with an area is in view; the size is the largest (by area) visible
   * element's, or, while none is visible, the largest element's (what it will need when shown).
   */
  private aggregate(trackId: string, state: TrackState): TrackSettings {
    let largest: ElementView | undefined;
    let largestVisible: ElementView | undefined;
    for (const view of state.views.values()) {
      const area = view.width * view.height;
      if (!largest || area > largest.width * largest.height) largest = view;
      if (view.visible && area > 0 && (!largestVisible || area > largestVisible.width * largestVisible.height)) largestVisible = view;
    }
    const size = largestVisible ?? largest;
    return { trackId, visible: !!largestVisible && this.pageVisible, width: size?.width ?? 0, height: size?.height ?? 0 };
  }
}

function sameSettings(a: TrackSettings, b: TrackSettings | undefined): boolean {
  return !!b && a.visible === b.visible && a.width === b.width && a.height === b.height;
}
