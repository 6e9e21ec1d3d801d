/** Moderators: who waits in the lobby, each with Admit and Deny. Shown in the side panel above People. */
import type { WaitingParticipant } from '@confab/client';
import { h } from './dom';
import { hueForName, initials } from './names';

export interface WaitingListHandlers {
  admit(person: WaitingParticipant): void;
  deny(person: WaitingParticipant): void;
}

export class WaitingList {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly count: HTMLElement;

  constructor(private readonly handlers: WaitingListHandlers) {
    this.count = h('span', { class: 'panel-count' }, '0');
    this.list = h('ul', { class: 'people-list', 'aria-label': 'Waiting to join' });
    this.el = h('section', { class: 'waiting', 'aria-label': 'Waiting to join', hidden: true }, h('h2', { class: 'panel-heading' }, 'Waiting to join ', this.count), this.list);
  }

  update(waiting: readonly WaitingParticipant[]): void {
    this.el.hidden = waiting.length === 0;
    this.count.textContent = String(waiting.length);
    this.list.replaceChildren(...waiting.map((person) => this.row(person)));
  }

  private row(person: WaitingParticipant): HTMLElement {
    const avatar = h('span', { class: 'person-avatar', 'aria-hidden': 'true' }, initials(person.name));
    avatar.style.setProperty('--hue', String(hueForName(person.name)));
    return h(
      'li',
      { class: 'person', 'data-waiting-name': person.name },
      avatar,
      h('span', { class: 'person-text' }, h('span', { class: 'person-name' }, person.name), h('span', { class: 'person-status' }, 'Waiting to join')),
      h(
        'span',
        { class: 'waiting-actions' },
        h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'aria-label': `Admit ${person.name}`, onclick: () => this.handlers.admit(person) }, 'Admit'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': `Deny ${person.name}`, onclick: () => this.handlers.deny(person) }, 'Deny'),
      ),
    );
  }
}
