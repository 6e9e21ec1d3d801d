/**
 * Consent before anything of yours is recorded: joining a meeting that is being recorded, a modal
 * dialog says so before your camera and microphone go out (as Jitsi's `requireConsent` does). Join
 * publishes what the pre-join screen chose; Leave publishes nothing and leaves. Someone already in
 * the meeting when a recording starts is told by a notice instead (recordingNotices.ts).
 */
import type { Recording } from '@confab/client';
import { h } from './dom';
import { recordedOnEntry } from './recordingWords';

const TITLE = 'This meeting is being recorded';

/** Shows the dialog; resolves true for Join, false for Leave (`onLeave` runs then). */
export function askRecordingConsent(recording: Recording, onLeave: () => void): Promise<boolean> {
  return new Promise((resolve) => {
    const answer = (join: boolean): void => {
      dialog.close();
      dialog.remove();
      resolve(join);
      if (!join) onLeave();
    };
    const dialog = h(
      'dialog',
      { class: 'recording-consent', 'aria-labelledby': 'recording-consent-title', 'aria-describedby': 'recording-consent-text' },
      h('h2', { id: 'recording-consent-title' }, TITLE),
      h('p', { id: 'recording-consent-text' }, `${recordedOnEntry(recording)} Your camera and microphone go on when you join.`),
      h(
        'div',
        { class: 'recording-consent-actions' },
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => answer(false) }, 'Leave'),
        h('button', { type: 'button', class: 'btn btn-primary', autofocus: true, onclick: () => answer(true) }, 'Join'),
      ),
    );
    // Escape must not count as an answer either way.
    dialog.addEventListener('cancel', (ev) => ev.preventDefault());
    document.body.append(dialog);
    dialog.showModal();
  });
}
