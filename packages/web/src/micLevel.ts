/** The pre-join's microphone level: an ARIA meter fed from the SDK's level meter. */
import { createAudioLevelMeter, type AudioLevelMeter } from '@confab/client';
import { h } from './dom';

const INTERVAL_MS = 60;

export class MicLevel {
  readonly el: HTMLElement;
  private readonly fill: HTMLElement;
  private meter: AudioLevelMeter | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private shown = -1;

  constructor() {
    this.fill = h('span', { class: 'meter-fill' });
    this.el = h('div', { class: 'meter', role: 'meter', 'aria-label': 'Microphone level', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, hidden: true }, this.fill);
    this.timer = setInterval(() => this.update(), INTERVAL_MS);
  }

  /** Meters `track` (null: none; the meter hides). The track itself is not stopped. */
  setTrack(track: MediaStreamTrack | null): void {
    this.meter?.stop();
    this.meter = track ? createAudioLevelMeter(track) : null;
    this.el.hidden = !track;
    this.update();
  }

  destroy(): void {
    clearInterval(this.timer);
    this.meter?.stop();
    this.meter = null;
  }

  private update(): void {
    const level = this.meter?.level() ?? 0;
    const value = Math.round(level * 100);
    if (value === this.shown) return;
    this.shown = value;
    this.el.setAttribute('aria-valuenow', String(value));
    // Clipped, not scaled, so the colours stay put: green for speech, amber near the top.
    this.fill.style.clipPath = `inset(0 ${(100 - level * 100).toFixed(1)}% 0 0)`;
  }
}
