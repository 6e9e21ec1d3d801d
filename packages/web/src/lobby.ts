/** The landing page: room and name, then on to the room's pre-join screen. */
import { isValidRoomName } from '@confab/protocol';
import { h } from './dom';
import { formField } from './formField';
import { icon } from './icons';
import { ROOM_NAME_RULE, displayNameProblem, randomRoomName } from './names';
import { loadPref, savePref } from './prefs';

/** Accepts a bare room name or a pasted room link (`https://host/r/<room>`). */
export function roomFromInput(value: string): string {
  const trimmed = value.trim();
  const match = /\/r\/([^/?#\s]+)/.exec(trimmed);
  if (match && /^[a-z]+:\/\/|^\//i.test(trimmed)) {
    try {
      return decodeURIComponent(match[1] as string);
    } catch {
      return match[1] as string;
    }
  }
  return trimmed;
}

export function roomNameProblem(room: string): string | null {
  if (room === '') return 'Please choose a room name.';
  if (room.length > 64) return 'Room names can be at most 64 characters.';
  if (!isValidRoomName(room)) return `“${room}” isn’t a valid room name. ${ROOM_NAME_RULE}`;
  return null;
}

function brand(): HTMLElement {
  return h('div', { class: 'brand' }, h('img', { src: '/favicon.svg', alt: '', width: 36, height: 36 }), h('span', { class: 'brand-name' }, 'Confab'));
}

function nameField(): ReturnType<typeof formField> {
  return formField({ id: 'display-name', label: 'Your name', value: loadPref('name') ?? '', placeholder: 'e.g. Ada Lovelace', maxLength: 64, autocomplete: 'name' });
}

export function renderLobby(mount: HTMLElement, onJoin: (room: string, name: string) => void): void {
  const shuffle = h('button', { type: 'button', class: 'icon-btn field-addon', 'aria-label': 'Suggest another room name', title: 'Suggest another name' }, icon('shuffle'));
  const room = formField({
    id: 'room-name',
    label: 'Room',
    value: loadPref('room') ?? randomRoomName(),
    hint: 'Letters, digits, “-”, “_” and “.”. Share the link to invite others.',
    maxLength: 200,
    addon: shuffle,
  });
  const name = nameField();
  shuffle.addEventListener('click', () => {
    room.input.value = randomRoomName();
    room.setError(null);
    room.input.focus();
  });
  room.input.addEventListener('input', () => room.setError(null));
  room.input.addEventListener('blur', () => {
    const value = roomFromInput(room.input.value);
    if (value !== '') room.setError(roomNameProblem(value));
  });
  name.input.addEventListener('input', () => name.setError(null));

  const form = h(
    'form',
    { class: 'lobby-form', novalidate: true },
    room.el,
    name.el,
    h('button', { type: 'submit', class: 'btn btn-primary btn-lg btn-block' }, icon('camera'), 'Join room'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const roomName = roomFromInput(room.input.value);
    const roomProblem = roomNameProblem(roomName);
    const nameProblem = displayNameProblem(name.input.value);
    room.setError(roomProblem);
    name.setError(nameProblem);
    if (roomProblem) return room.input.focus();
    if (nameProblem) return name.input.focus();
    savePref('room', roomName);
    savePref('name', name.input.value.trim());
    onJoin(roomName, name.input.value.trim());
  });

  renderCard(
    mount,
    [
      h('h1', { class: 'lobby-title' }, 'Meet face to face'),
      h('p', { class: 'lobby-lead' }, 'Pick a room, say who you are, and share the link. Everyone with the link can join.'),
      form,
    ],
    h('p', { class: 'lobby-foot' }, 'Self-hosted video meetings · your server, your data'),
  );
  (name.input.value ? room.input : name.input).focus();
}

/** The lobby's frame: the centred card with the brand on top, and an optional footer below it. */
function renderCard(mount: HTMLElement, content: HTMLElement[], footer?: HTMLElement): void {
  mount.replaceChildren(h('main', { class: 'lobby' }, h('div', { class: 'card lobby-card' }, brand(), ...content), ...(footer ? [footer] : [])));
}
