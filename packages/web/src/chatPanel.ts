/** Chat: the message list and the composer. Message text is set with textContent, never HTML. */
import type { ChatMessage, SystemMessage } from '@confab/client';
import { h } from './dom';
import { icon } from './icons';
import { hueForName } from './names';


const MAX_CHAT_LENGTH = 2000;
const GROUP_WINDOW_MS = 2 * 60 * 1000;

export function formatTime(time: Date): string {
  return time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export class ChatPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private last: { participantId: string; time: number } | null = null;
  private sending = false;

  constructor(private readonly send: (text: string) => Promise<void>) {
    this.empty = h('p', { class: 'chat-empty' }, 'No messages yet. Say hello!');
    this.list = h('ol', { class: 'chat-list', 'aria-label': 'Chat messages', 'aria-live': 'polite' });
    this.input = h('textarea', {
      class: 'chat-input',
      rows: 1,
      maxlength: MAX_CHAT_LENGTH,
      placeholder: 'Message everyone',
      'aria-label': 'Chat message',
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        void this.submit();
      }
    });
    this.input.addEventListener('input', () => this.autosize());
    this.sendButton = h('button', { type: 'submit', class: 'icon-btn chat-send', 'aria-label': 'Send message', title: 'Send' }, icon('send'));
    const form = h('form', { class: 'chat-form' }, this.input, this.sendButton);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    this.el = h('section', { class: 'chat', 'aria-label': 'Chat' }, h('h2', { class: 'panel-heading' }, 'Chat'), h('div', { class: 'chat-scroll' }, this.empty, this.list), form);
  }

  add(message: ChatMessage): void {
    const scroller = this.list.parentElement as HTMLElement;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    const time = message.time.getTime();
    const grouped = this.last !== null && this.last.participantId === message.participantId && time - this.last.time < GROUP_WINDOW_MS;
    this.last = { participantId: message.participantId, time };
    const item = h(
      'li',
      { class: `chat-message${message.fromSelf ? ' self' : ''}${grouped ? ' grouped' : ''}`, 'data-message-id': message.id },
      grouped
        ? null
        : h(
            'div',
            { class: 'chat-meta' },
            h('span', { class: 'chat-name' }, message.fromSelf ? 'You' : message.name),
            h('time', { class: 'chat-time', datetime: message.time.toISOString() }, formatTime(message.time)),
          ),
      h('div', { class: 'chat-text' }, message.text),
    );
    item.style.setProperty('--hue', String(hueForName(message.name)));
    this.list.appendChild(item);
    this.empty.hidden = true;
    if (nearBottom || message.fromSelf) scroller.scrollTop = scroller.scrollHeight;
  }

  /** A message from the server's operator: a line of its own, not anyone's words. */
  addSystem(message: SystemMessage): void {
    const scroller = this.list.parentElement as HTMLElement;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    this.last = null;
    this.list.appendChild(
      h(
        'li',
        { class: 'chat-message chat-system', 'data-message-id': message.id },
        h('div', { class: 'chat-meta' }, h('span', { class: 'chat-name' }, 'Announcement'), h('time', { class: 'chat-time', datetime: message.time.toISOString() }, formatTime(message.time))),
        h('div', { class: 'chat-text' }, message.text),
      ),
    );
    this.empty.hidden = true;
    if (nearBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  /** Keeps the newest message in view, e.g. after the panel was shown again. */
  scrollToEnd(): void {
    const scroller = this.list.parentElement as HTMLElement;
    scroller.scrollTop = scroller.scrollHeight;
  }

  focus(): void {
    this.input.focus();
  }

  private async submit(): Promise<void> {
    const text = this.input.value;
    if (this.sending || text.trim() === '') return;
    this.sending = true;
    this.sendButton.disabled = true;
    this.input.value = '';
    this.autosize();
    try {
      await this.send(text);
    } catch {
      // keep what they typed so it isn't lost; the caller has already said what went wrong
      if (this.input.value === '') this.input.value = text;
      this.autosize();
    } finally {
      this.sending = false;
      this.sendButton.disabled = false;
      this.input.focus();
    }
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }
}
