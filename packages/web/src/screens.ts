/** Whole-page states between lobby and room: joining, and a failed join (or a removal: the same page). */
import { h } from './dom';
import { icon } from './icons';

export function renderJoining(mount: HTMLElement, roomName: string): void {
  mount.replaceChildren(
    h(
      'main',
      { class: 'lobby' },
      h(
        'div',
        { class: 'card status-card', role: 'status', 'aria-live': 'polite' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        h('h1', { class: 'status-title' }, 'Joining ', h('span', { class: 'room-title' }, roomName), '…'),
        h('p', { class: 'status-text' }, 'Connecting to the server'),
      ),
    ),
  );
}

export function renderJoinError(
  mount: HTMLElement,
  problem: { title: string; message: string; retry: boolean; retryLabel?: string },
  actions: { onRetry: () => void; onBack: () => void },
): void {
  const back = h('a', { href: '/', class: `btn ${problem.retry ? 'btn-ghost' : 'btn-primary'}` }, 'Back to the lobby');
  back.addEventListener('click', (ev) => {
    ev.preventDefault();
    actions.onBack();
  });
  mount.replaceChildren(
    h(
      'main',
      { class: 'lobby' },
      h(
        'div',
        { class: 'card status-card error-card', role: 'alert' },
        h('span', { class: 'error-icon' }, icon('alert', 'icon icon-lg')),
        h('h1', { class: 'status-title' }, problem.title),
        h('p', { class: 'status-text error-message' }, problem.message),
        h(
          'div',
          { class: 'status-actions' },
          problem.retry ? h('button', { type: 'button', class: 'btn btn-primary', onclick: () => actions.onRetry() }, icon('refresh'), problem.retryLabel ?? 'Try again') : null,
          back,
        ),
      ),
    ),
  );
  mount.querySelector<HTMLElement>('.status-actions .btn')?.focus();
}
