import type { MediaKind, TrackInfo, TrackSource } from '@confab/protocol';
import type { TrackViewer } from './AdaptiveStream';

/** Whether the server is forwarding a remote video: 'paused' when it holds it back (bandwidth). */
export type StreamState = 'active' | 'paused';
export type StreamPauseReason = 'bandwidth' | 'hidden';

/** A track another participant publishes. `mediaStreamTrack` is set while subscribed. */
export class RemoteTrack {
  readonly id: string;
  readonly source: TrackSource;
  readonly kind: MediaKind;
  readonly participantId: string;
  muted: boolean;
  /** The media, once it arrived (TrackSubscribed); undefined again after TrackUnsubscribed. */
  mediaStreamTrack?: MediaStreamTrack;
  /** @internal The receiver the media arrives on, for stats. */
  receiver?: RTCRtpReceiver;
  private state: StreamState = 'active';
  private pauseReason: StreamPauseReason | undefined = undefined;
  private readonly elements = new Set<HTMLMediaElement>();
  private viewer: TrackViewer | undefined = undefined;

  constructor(info: TrackInfo, participantId: string) {
    this.id = info.id;
    this.source = info.source;
    this.kind = info.kind;
    this.participantId = participantId;
    this.muted = info.muted;
    this.mediaStreamTrack = undefined;
    this.receiver = undefined;
  }

  get isSubscribed(): boolean {
    return this.mediaStreamTrack !== undefined;
  }

  /** 'paused' while the server holds this video back (RoomEvent.TrackStreamStateChanged); else 'active'. */
  get streamState(): StreamState {
    return this.state;
  }

  /** Why it is paused ('bandwidth': the link cannot carry even the lowest layer); undefined while active. */
  get streamPauseReason(): StreamPauseReason | undefined {
    return this.pauseReason;
  }

  /** The elements this track is attached to. */
  get attachedElements(): readonly HTMLMediaElement[] {
    return [...this.elements];
  }

  /**
   * Plays the track in `element` (a new <video>/<audio> if none is given) and, for video with
   * adaptive stream on, reports the element's size and visibility to the server, so it sends a
   * layer that fits, and nothing while no attached element is visible. Detach it when done.
   */
  attach(element?: HTMLMediaElement): HTMLMediaElement {
    const el = element ?? (document.createElement(this.kind) as HTMLMediaElement);
    if (!element) el.autoplay = true;
    this.elements.add(el);
    if (this.mediaStreamTrack) showIn(el, this.mediaStreamTrack);
    if (this.kind === 'video') this.viewer?.observe(this.id, el);
    return el;
  }

  /** Stops playing in `element` (every attached element if none is given); returns the detached ones. */
  detach(element?: HTMLMediaElement): HTMLMediaElement[] {
    const detached = element ? (this.elements.has(element) ? [element] : []) : [...this.elements];
    for (const el of detached) {
      this.elements.delete(el);
      this.viewer?.unobserve(this.id, el);
      if (this.mediaStreamTrack && plays(el, this.mediaStreamTrack)) el.srcObject = null;
    }
    return detached;
  }

  /** @internal Adaptive stream watches the attached elements (video only). */
  setViewer(viewer: TrackViewer | undefined): void {
    if (this.kind !== 'video' || viewer === this.viewer) return;
    for (const el of this.elements) this.viewer?.unobserve(this.id, el);
    this.viewer = viewer;
    for (const el of this.elements) viewer?.observe(this.id, el);
  }

  /** @internal New media arrived (or it went away): attached elements follow. */
  setMedia(track: MediaStreamTrack | undefined, receiver: RTCRtpReceiver | undefined): void {
    this.mediaStreamTrack = track;
    this.receiver = receiver;
    if (!track) this.setStreamState('active', undefined); // the next subscription starts afresh
    else for (const el of this.elements) showIn(el, track);
  }

  /** @internal The server's `stream_state`; true if it changed. */
  setStreamState(state: StreamState, reason: StreamPauseReason | undefined): boolean {
    const nextReason = state === 'paused' ? reason : undefined;
    if (state === this.state && nextReason === this.pauseReason) return false;
    this.state = state;
    this.pauseReason = nextReason;
    return true;
  }
}

function plays(element: HTMLMediaElement, track: MediaStreamTrack): boolean {
  const current = element.srcObject;
  return typeof MediaStream === 'function' && current instanceof MediaStream && current.getTracks().includes(track);
}

function showIn(element: HTMLMediaElement, track: MediaStreamTrack): void {
  if (typeof MediaStream !== 'function' || plays(element, track)) return;
  element.srcObject = new MediaStream([track]);
  element.play?.().catch(() => undefined); // autoplay rules: the app decides what to do about sound
}
