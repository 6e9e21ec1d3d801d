/**
 * The moderators' room controls, a popover over the control bar: recording, lock the meeting, the
 * lobby, the password, and ending the meeting for everyone (after a second click to confirm).
 */
import type { Recording, RoomAccess } from '@confab/client';
import { MAX_ROOM_PASSWORD_LENGTH } from '@confab/protocol';
import { Disposer, h } from './dom';
import { icon } from './icons';

export interface ModeratorControlsHandlers {
  record(on: boolean): void;
  lock(locked: boolean): void;
  lobby(on: boolean): void;
  /** Resolves true once the server took it (then the field empties). */
  setPassword(password: string | null): Promise<boolean>;
  endMeeting(): void;
  onOpenChange(open: boolean): void;
}

export class ModeratorControls {
  readonly el: HTMLElement;
  private readonly disposer = new Disposer();
  private readonly recording: HTMLInputElement;
  private readonly locked: HTMLInputElement;
  private readonly lobby: HTMLInputElement;
  private readonly passwordState: HTMLElement;
  private readonly passwordInput: HTMLInputElement;
  private readonly removePassword: HTMLButtonElement;
  private readonly endButton: HTMLButtonElement;
  private readonly endConfirm: HTMLElement;
  private anchor: HTMLElement | null = null;

  constructor(private readonly handlers: ModeratorControlsHandlers) {
    this.recording = h('input', { type: 'checkbox', id: 'room-recording', role: 'switch', onchange: () => handlers.record(this.recording.checked) });
    this.locked = h('input', { type: 'checkbox', id: 'room-locked', role: 'switch', onchange: () => handlers.lock(this.locked.checked) });
    this.lobby = h('input', { type: 'checkbox', id: 'room-lobby', role: 'switch', onchange: () => handlers.lobby(this.lobby.checked) });
    this.passwordState = h('p', { class: 'field-hint', id: 'room-password-state' });
    this.passwordInput = h('input', {
      id: 'room-new-password',
      type: 'text',
      class: 'field-input',
      maxlength: MAX_ROOM_PASSWORD_LENGTH,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'New password',
      'aria-describedby': 'room-password-state',
    });
    const passwordForm = h(
      'form',
      { class: 'field-row' },
      this.passwordInput,
      h('button', { type: 'submit', class: 'btn btn-sm' }, 'Set'),
    );
    passwordForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const password = this.passwordInput.value;
      if (password === '') return this.passwordInput.focus();
      void handlers.setPassword(password).then((done) => {
        if (done) this.passwordInput.value = '';
      });
    });
    this.removePassword = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => void handlers.setPassword(null) }, 'Remove password');
    this.endConfirm = h(
      'div',
      { class: 'end-confirm', hidden: true, role: 'group', 'aria-label': 'Confirm ending the meeting' },
      h('p', { class: 'field-hint' }, 'Everyone, you included, leaves the meeting.'),
      h(
        'div',
        { class: 'field-row' },
        h('button', { type: 'button', class: 'btn btn-sm btn-danger', onclick: () => handlers.endMeeting() }, 'End for everyone'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => this.showEndConfirm(false) }, 'Cancel'),
      ),
    );
    this.endButton = h('button', { type: 'button', class: 'btn btn-danger btn-block', onclick: () => this.showEndConfirm(true) }, icon('leave'), 'End meeting for all');
    this.el = h(
      'div',
      { class: 'popover moderator-controls', role: 'dialog', 'aria-label': 'Meeting controls', hidden: true },
      h('h2', { class: 'popover-title' }, 'Meeting controls'),
      switchRow(this.recording, 'Record meeting', 'Everyone sees that it is recorded; joiners are told first.'),
      switchRow(this.locked, 'Lock meeting', 'Nobody new can join, except moderators.'),
      switchRow(this.lobby, 'Lobby', 'People wait until a moderator lets them in.'),
      h('label', { class: 'field-label', for: 'room-new-password' }, 'Password'),
      this.passwordState,
      passwordForm,
      this.removePassword,
      h('div', { class: 'popover-separator' }),
      this.endButton,
      this.endConfirm,
    );
    this.disposer.listen(document, 'pointerdown', (ev) => {
      const target = ev.target as Node;
      if (!this.el.hidden && !this.el.contains(target) && !this.anchor?.contains(target)) this.close();
    });
    this.disposer.listen(document, 'keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Escape' && !this.el.hidden) {
        this.close();
        this.anchor?.focus();
      }
    });
  }

  toggle(anchor: HTMLElement): void {
    if (!this.el.hidden) return this.close();
    this.anchor = anchor;
    this.showEndConfirm(false);
    this.el.hidden = false;
    this.handlers.onOpenChange(true);
    this.recording.focus();
  }

  close(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.handlers.onOpenChange(false);
  }

  /** The room's access as the server says it is now. */
  update(access: RoomAccess): void {
    this.locked.checked = access.locked;
    this.lobby.checked = access.lobby;
    this.passwordState.textContent = access.passwordProtected ? 'Joining needs a password.' : 'No password: anyone with the link can join.';
    this.removePassword.hidden = !access.passwordProtected;
  }

  /** Whether the meeting is recorded, as the server says it is now. */
  showRecording(recording: Recording | null): void {
    this.recording.checked = recording !== null;
  }

  destroy(): void {
    this.disposer.dispose();
    this.el.remove();
  }

  private showEndConfirm(show: boolean): void {
    this.endConfirm.hidden = !show;
    this.endButton.hidden = show;
    if (show) this.endConfirm.querySelector<HTMLElement>('button')?.focus();
  }
}

function switchRow(input: HTMLInputElement, label: string, hint: string): HTMLElement {
  const hintId = `${input.id}-hint`;
  input.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'switch-row' },
    h('span', { class: 'switch-text' }, h('label', { class: 'switch-label', for: input.id }, label), h('span', { class: 'field-hint', id: hintId }, hint)),
    h('span', { class: 'switch' }, input, h('span', { class: 'switch-track', 'aria-hidden': 'true' })),
  );
}
