/**
 * Remote microphones, each through its own <audio autoplay> element outside the tiles, so hiding
 * or muting a video never silences anyone.
 */
import { h } from './dom';

export class AudioSinks {
  readonly el: HTMLElement;
  private readonly sinks = new Map<string, { audio: HTMLAudioElement; track: MediaStreamTrack }>();
  private blocked = false;
  /** The chosen audio output (setSinkId), or '' for the system default. */
  private speakerId = '';
  private readonly retry = (): void => this.resumeAll();

  /** `onBlocked` runs once when the browser refuses to autoplay sound (no user gesture yet). */
  constructor(private readonly onBlocked: () => void) {
    this.el = h('div', { class: 'audio-sinks', 'aria-hidden': 'true' });
  }

  /** Plays `track` for participant `key`; null removes it. */
  set(key: string, track: MediaStreamTrack | null): void {
    const existing = this.sinks.get(key);
    if (existing && existing.track === track) return;
    if (existing) {
      existing.audio.srcObject = null;
      existing.audio.remove();
      this.sinks.delete(key);
    }
    if (!track) return;
    const audio = h('audio', { autoplay: true, 'data-participant-id': key });
    audio.autoplay = true;
    audio.srcObject = new MediaStream([track]);
    this.el.appendChild(audio);
    this.sinks.set(key, { audio, track });
    this.route(audio);
    this.play(audio);
  }

  /** Plays everyone through `deviceId` where the browser can choose outputs (setSinkId). */
  setSpeaker(deviceId: string): void {
    this.speakerId = deviceId;
    for (const { audio } of this.sinks.values()) this.route(audio);
  }

  /** Retries every sink; call from a user gesture after autoplay was blocked. */
  resumeAll(): void {
    this.blocked = false;
    document.removeEventListener('pointerdown', this.retry, true);
    document.removeEventListener('keydown', this.retry, true);
    for (const { audio } of this.sinks.values()) this.play(audio);
  }

  destroy(): void {
    document.removeEventListener('pointerdown', this.retry, true);
    document.removeEventListener('keydown', this.retry, true);
    for (const { audio } of this.sinks.values()) {
      audio.srcObject = null;
      audio.remove();
    }
    this.sinks.clear();
    this.el.remove();
  }

  private route(audio: HTMLAudioElement): void {
    const withSink = audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };
    if (!this.speakerId || typeof withSink.setSinkId !== 'function' || withSink.sinkId === this.speakerId) return;
    // A device unplugged since it was chosen: the system default keeps playing.
    withSink.setSinkId(this.speakerId).catch(() => undefined);
  }

  private play(audio: HTMLAudioElement): void {
    audio.play().catch((err: unknown) => {
      if ((err as { name?: string } | null)?.name !== 'NotAllowedError' || this.blocked) return;
      this.blocked = true;
      document.addEventListener('pointerdown', this.retry, true);
      document.addEventListener('keydown', this.retry, true);
      this.onBlocked();
    });
  }
}
