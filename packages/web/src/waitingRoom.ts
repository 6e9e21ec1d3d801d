/** The lobby wait, as the one waiting sees it: nobody and nothing of the meeting until let in. */
import { h } from './dom';

export function renderWaitingRoom(mount: HTMLElement, roomName: string, leave: () => void): void {
  mount.replaceChildren(
    h(
      'main',
      { class: 'lobby' },
      h(
        'div',
        { class: 'card status-card waiting-card', role: 'status', 'aria-live': 'polite' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h1', { class: 'status-title' }, 'Waiting for a moderator to let you in'),
        h('p', { class: 'status-text' }, 'You asked to join ', h('span', { class: 'room-title' }, roomName), '. Someone in the meeting will let you in soon.'),
        h('div', { class: 'status-actions' }, h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => leave() }, 'Leave')),
      ),
    ),
  );
}
