/**
 * The red "Recording" badge beside the room's name, shown to everyone while the meeting is recorded.
 * `data-recording` ("on" / "off") lets tests find it; it stays in the page (hidden when off) so a
 * screen reader hears it appear, as a status.
 */
import type { Recording } from '@confab/client';
import { h } from './dom';

export class RecordingIndicator {
  readonly el: HTMLElement;

  constructor() {
    this.el = h(
      'span',
      { class: 'recording-indicator', role: 'status', 'data-recording': 'off', hidden: true },
      h('span', { class: 'recording-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'recording-text' }, 'Recording'),
    );
  }

  show(recording: Recording | null): void {
    this.el.hidden = recording === null;
    this.el.dataset.recording = recording ? 'on' : 'off';
    if (recording) {
      const label = `This meeting is being recorded${recording.startedBy ? `, started by ${recording.startedBy.name}` : ''}`;
      this.el.setAttribute('aria-label', label);
      this.el.title = `${label}, since ${recording.startedAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
    } else {
      this.el.removeAttribute('aria-label');
      this.el.removeAttribute('title');
    }
  }
}
