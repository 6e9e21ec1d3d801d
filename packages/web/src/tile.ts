/**
 * One video tile. Markup contract (e2e tests rely on it):
 *   <div class="tile" data-participant-name="Alice" data-source="camera" [data-local="true"]>
 *     <video autoplay playsinline [muted]>   plays that participant's camera (or screen)
 *   A remote video the server paused for bandwidth: `data-stream-state="paused"` on the tile and a
 *   visible "Paused for bandwidth" notice over it (`.tile-paused`); both go when it is active again.
 *   A raised hand: `data-hand="raised"` and a visible hand (`.tile-hand`, "Hand raised"); a
 *   moderator's menu for this person: the button "More actions for <name>" (`.tile-menu`).
 */
import type { RemoteTrack, StreamState } from '@confab/client';
import { h } from './dom';
import { icon } from './icons';
import { hueForName, initials } from './names';
import type { ConnectionQuality } from '@confab/client';

export type TileSource = 'camera' | 'screen';

export interface TileOptions {
  name: string;
  source: TileSource;
  local: boolean;
  /** Opens the moderator's menu for this person under its button (shown with `setModerable(true)`). */
  onMenu?: (anchor: HTMLElement) => void;
}

export class Tile {
  readonly el: HTMLElement;
  private readonly video: HTMLVideoElement;
  private readonly avatar: HTMLElement;
  private readonly nameEl: HTMLElement;
  private readonly micEl: HTMLElement;
  private readonly qualityEl: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly reconnectingEl: HTMLElement;
  private readonly pausedEl: HTMLElement;
  private readonly handEl: HTMLElement;
  private readonly moderatorEl: HTMLElement;
  private readonly menuButton: HTMLButtonElement | null;
  /** The remote track whose size and visibility this tile's <video> reports (adaptive stream). */
  private remote: RemoteTrack | null = null;
  private track: MediaStreamTrack | null = null;
  private videoOff = true;
  private hasFrames = false;
  private nameValue: string;

  constructor(options: TileOptions) {
    const { name, source, local } = options;
    this.nameValue = name;
    this.video = h('video', { autoplay: true, playsinline: true, muted: true, class: 'tile-video' });
    // Audio plays through separate <audio> elements; the video element itself is always silent.
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.autoplay = true;
    if (local && source === 'camera') this.video.classList.add('mirrored');
    this.video.addEventListener('loadeddata', () => this.onFrames());
    this.video.addEventListener('resize', () => this.onFrames());

    this.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
    this.avatar.style.setProperty('--hue', String(hueForName(name)));
    const placeholder = h(
      'div',
      { class: 'tile-placeholder' },
      source === 'screen' ? h('div', { class: 'placeholder-screen' }, icon('screen', 'icon icon-lg'), h('span', null, 'Starting screen share…')) : this.avatar,
    );

    this.nameEl = h('span', { class: 'tile-name' }, name);
    this.micEl = h('span', { class: 'tile-mic', title: 'Microphone off', 'aria-label': 'Microphone off' }, icon('micOff', 'icon icon-xs'));
    this.statusEl = h('span', { class: 'tile-status', hidden: true });
    this.moderatorEl = h('span', { class: 'tile-moderator', title: 'Moderator', role: 'img', 'aria-label': 'Moderator', hidden: true }, icon('shield', 'icon icon-xs'));
    this.handEl = h('div', { class: 'tile-hand', role: 'img', 'aria-label': 'Hand raised', title: 'Hand raised', hidden: true }, icon('hand', 'icon'));
    const onMenu = options.onMenu;
    this.menuButton = onMenu
      ? h(
          'button',
          { type: 'button', class: 'icon-btn tile-menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-label': `More actions for ${name}`, title: `More actions for ${name}`, hidden: true },
          icon('more'),
        )
      : null;
    this.menuButton?.addEventListener('click', () => onMenu?.(this.menuButton as HTMLButtonElement));
    const suffix = source === 'screen' ? (local ? '’s screen (you)' : '’s screen') : local ? ' (you)' : '';
    const label = h(
      'div',
      { class: 'tile-label' },
      source === 'camera' ? this.micEl : h('span', { class: 'tile-screen-icon' }, icon('screen', 'icon icon-xs')),
      h('span', { class: 'tile-title' }, this.nameEl, suffix ? h('span', { class: 'tile-suffix' }, suffix) : null),
      source === 'camera' ? this.moderatorEl : null,
      this.statusEl,
    );
    this.qualityEl = h(
      'div',
      { class: 'quality', 'data-quality': 'excellent', title: 'Connection: excellent', 'aria-hidden': 'true' },
      h('i'),
      h('i'),
      h('i'),
    );

    this.reconnectingEl = h(
      'div',
      { class: 'tile-reconnecting', role: 'status', hidden: true },
      h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }),
      h('span', null, 'Reconnecting…'),
    );

    this.pausedEl = h(
      'div',
      { class: 'tile-paused', role: 'status', hidden: true },
      h('span', { class: 'tile-paused-glyph', 'aria-hidden': 'true' }),
      h('span', null, 'Paused for bandwidth'),
    );

    this.el = h(
      'div',
      {
        class: `tile tile-${source}`,
        'data-participant-name': name,
        'data-source': source,
        'data-local': local && source === 'camera' ? 'true' : null,
        'data-video': 'off',
      },
      this.video,
      placeholder,
      this.qualityEl,
      this.reconnectingEl,
      this.pausedEl,
      source === 'camera' ? this.handEl : null,
      this.menuButton,
      label,
    );
    this.el.style.setProperty('--hue', String(hueForName(name)));
    this.render();
  }

  get name(): string {
    return this.nameValue;
  }

  /** A participant may be renamed by the server; the label, avatar and data attribute follow. */
  setName(name: string): void {
    if (name === this.nameValue) return;
    this.nameValue = name;
    this.el.dataset.participantName = name;
    this.nameEl.textContent = name;
    this.menuButton?.setAttribute('aria-label', `More actions for ${name}`);
    if (this.menuButton) this.menuButton.title = `More actions for ${name}`;
    this.avatar.textContent = initials(name);
    this.avatar.style.setProperty('--hue', String(hueForName(name)));
    this.el.style.setProperty('--hue', String(hueForName(name)));
  }

  /** The track the <video> plays; replacing it restarts playback, the same track is a no-op. */
  setTrack(track: MediaStreamTrack | null): void {
    if (track === this.track) return;
    this.track = track;
    this.hasFrames = false;
    this.video.srcObject = track ? new MediaStream([track]) : null;
    if (track) this.play();
    this.render();
  }

  /** Camera muted or absent: show the initials avatar instead of video. */
  setVideoOff(off: boolean): void {
    if (off === this.videoOff) return;
    this.videoOff = off;
    if (!off) this.play();
    this.render();
  }

  setMicMuted(muted: boolean): void {
    this.micEl.hidden = !muted;
    this.el.classList.toggle('mic-muted', muted);
  }

  /** Speaking now (the server's active speakers): a ring whose strength follows the level, 0..1. */
  setSpeaking(speaking: boolean, level = 0): void {
    this.el.classList.toggle('speaking', speaking);
    this.el.style.setProperty('--speaking-level', speaking ? level.toFixed(2) : '0');
  }

  /** Holds the floor (the server's dominant speaker); the speaker layout features this tile. */
  setDominant(dominant: boolean): void {
    if (dominant) this.el.dataset.dominant = 'true';
    else delete this.el.dataset.dominant;
  }

  /** The participant's connection quality as the server judges it: 3, 2, 1 or no bars. */
  setQuality(quality: ConnectionQuality): void {
    this.qualityEl.dataset.quality = quality;
    this.qualityEl.title = `Connection: ${quality === 'lost' ? 'lost' : quality}`;
  }

  setStatus(status: string): void {
    const away = status !== 'online';
    this.statusEl.hidden = !away;
    this.statusEl.textContent = away ? status : '';
    this.statusEl.dataset.status = status;
  }

  setHandRaised(raised: boolean): void {
    this.handEl.hidden = !raised;
    if (raised) this.el.dataset.hand = 'raised';
    else delete this.el.dataset.hand;
  }

  setModerator(moderator: boolean): void {
    this.moderatorEl.hidden = !moderator;
  }

  /** Whether you (a moderator) get the menu for this person. */
  setModerable(moderable: boolean): void {
    if (this.menuButton) this.menuButton.hidden = !moderable;
  }

  /** Their connection dropped and the server waits for them to resume: say so over the (frozen) video. */
  setReconnecting(reconnecting: boolean): void {
    this.reconnectingEl.hidden = !reconnecting;
    if (reconnecting) this.el.dataset.connection = 'reconnecting';
    else delete this.el.dataset.connection;
  }

  /**
   * Shows a remote participant's video through the SDK: attached to `track`, the <video>'s real
   * size and visibility tell the server which layer to send (thumbnails small, the stage large).
   */
  setRemoteTrack(track: RemoteTrack | null): void {
    this.setTrack(track?.mediaStreamTrack ?? null);
    if (track === this.remote) return;
    this.remote?.detach(this.video);
    this.remote = track;
    track?.attach(this.video);
  }

  /** The server paused this video for bandwidth: say so instead of showing a frozen frame. */
  setStreamState(state: StreamState, reason?: string): void {
    const paused = state === 'paused' && reason !== 'hidden';
    this.pausedEl.hidden = !paused;
    if (paused) this.el.dataset.streamState = 'paused';
    else delete this.el.dataset.streamState;
  }

  destroy(): void {
    this.remote?.detach(this.video);
    this.remote = null;
    this.video.srcObject = null;
    this.el.remove();
  }

  private play(): void {
    this.video.play().catch(() => {
      // Autoplay of a muted video is always allowed; a rejection here means a newer
      // srcObject replaced this one, which plays on its own.
    });
  }

  private onFrames(): void {
    if (this.video.videoWidth > 0 && !this.hasFrames) {
      this.hasFrames = true;
      this.render();
    }
  }

  private render(): void {
    const showVideo = !!this.track && !this.videoOff && this.hasFrames;
    this.el.dataset.video = showVideo ? 'on' : 'off';
  }
}
