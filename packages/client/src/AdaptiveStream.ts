import { ElementVisibility } from './ElementVisibility';
import { TrackSettingsScheduler, type TrackSettings } from './TrackSettingsScheduler';

/** What a RemoteTrack tells about the elements it is attached to. */
export interface TrackViewer {
  observe(trackId: string, element: Element): void;
  unobserve(trackId: string, element: Element): void;
}

/**
 * Adaptive stream for one room: the elements remote videos are attached to, watched in the page
 * (ElementVisibility), folded into `track_settings` (TrackSettingsScheduler) and sent.
 */
export class AdaptiveStream implements TrackViewer {
  private readonly scheduler: TrackSettingsScheduler;
  private readonly visibility: ElementVisibility;
  /** Which track each watched element shows. */
  private readonly shows = new Map<Element, string>();

  constructor(send: (settings: TrackSettings) => void, debounceMs?: number) {
    this.scheduler = new TrackSettingsScheduler(send, debounceMs === undefined ? {} : { debounceMs });
    this.visibility = new ElementVisibility(
      (element, view) => {
        const trackId = this.shows.get(element);
        if (trackId !== undefined) this.scheduler.update(trackId, element, view);
      },
      (visible) => this.scheduler.setPageVisible(visible),
    );
  }

  observe(trackId: string, element: Element): void {
    const previous = this.shows.get(element);
    if (previous === trackId) return;
    if (previous !== undefined) {
      // The element now shows another track: the old one loses it, the new one gets fresh reports.
      this.scheduler.remove(previous, element);
      this.visibility.unobserve(element);
    }
    this.shows.set(element, trackId);
    this.visibility.observe(element);
  }

  unobserve(trackId: string, element: Element): void {
    if (this.shows.get(element) !== trackId) return;
    this.shows.delete(element);
    this.visibility.unobserve(element);
    this.scheduler.remove(trackId, element);
  }

  /** The track is gone: stop watching its elements, send nothing more about it. */
  forget(trackId: string): void {
    for (const [element, shown] of this.shows) {
      if (shown !== trackId) continue;
      this.shows.delete(element);
      this.visibility.unobserve(element);
    }
    this.scheduler.forget(trackId);
  }

  /** A new server session (after a rejoin or resume): it needs every track's settings again. */
  resendAll(): void {
    this.scheduler.resendAll();
  }

  dispose(): void {
    this.visibility.dispose();
    this.scheduler.dispose();
    this.shows.clear();
  }
}
