/**
 * The people list: status dot, name, "(you)", moderator, raised hand, mic and camera state, a
 * speaking cue; for moderators, a menu button per person ("More actions for <name>").
 */
import { h } from './dom';
import { icon } from './icons';
import { hueForName, initials } from './names';
import type { DeviceState, PresenceStatus } from './controls';

export interface PersonRow {
  id: string;
  name: string;
  status: PresenceStatus;
  mic: DeviceState;
  camera: DeviceState;
  screen: boolean;
  local: boolean;
  speaking: boolean;
  hand: boolean;
  moderator: boolean;
  /** You are a moderator and this is someone else: their row has the moderator's menu. */
  moderable: boolean;
}

const STATUS_LABEL: Record<PresenceStatus, string> = { online: 'Online', away: 'Away', busy: 'Busy' };

export class ParticipantList {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly count: HTMLElement;
  private readonly rows = new Map<string, { el: HTMLElement; key: string }>();

  /** `onMenu` opens the moderator's menu for person `id` under `anchor`. */
  constructor(private readonly onMenu: (id: string, anchor: HTMLElement) => void) {
    this.count = h('span', { class: 'panel-count' }, '0');
    this.list = h('ul', { class: 'people-list', 'aria-label': 'Participants' });
    this.el = h('section', { class: 'people', 'aria-label': 'Participants' }, h('h2', { class: 'panel-heading' }, 'People ', this.count), this.list);
  }

  update(people: PersonRow[]): void {
    this.count.textContent = String(people.length);
    const seen = new Set<string>();
    people.forEach((person, index) => {
      seen.add(person.id);
      const key = JSON.stringify(person);
      let row = this.rows.get(person.id);
      if (!row || row.key !== key) {
        const el = this.render(person);
        if (row) row.el.replaceWith(el);
        row = { el, key };
        this.rows.set(person.id, row);
      }
      if (this.list.children[index] !== row.el) this.list.insertBefore(row.el, this.list.children[index] ?? null);
    });
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.el.remove();
        this.rows.delete(id);
      }
    }
  }

  private render(p: PersonRow): HTMLElement {
    const avatar = h('span', { class: 'person-avatar', 'aria-hidden': 'true' }, initials(p.name), h('span', { class: `status-dot status-${p.status}`, title: STATUS_LABEL[p.status] }));
    avatar.style.setProperty('--hue', String(hueForName(p.name)));
    const micLabel = p.mic === 'on' ? 'Microphone on' : p.mic === 'off' ? 'Microphone muted' : 'No microphone';
    const camLabel = p.camera === 'on' ? 'Camera on' : p.camera === 'off' ? 'Camera off' : 'No camera';
    const menu = p.moderable
      ? h('button', { type: 'button', class: 'icon-btn person-menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-label': `More actions for ${p.name}`, title: `More actions for ${p.name}` }, icon('more'))
      : null;
    menu?.addEventListener('click', () => this.onMenu(p.id, menu));
    return h(
      'li',
      { class: `person${p.speaking ? ' speaking' : ''}`, 'data-person-name': p.name, 'data-status': p.status, 'data-hand': p.hand ? 'raised' : null },
      avatar,
      h(
        'span',
        { class: 'person-text' },
        h('span', { class: 'person-name' }, p.name, p.local ? h('span', { class: 'person-you' }, ' (you)') : null, p.moderator ? h('span', { class: 'person-role' }, 'Moderator') : null),
        h('span', { class: 'person-status' }, STATUS_LABEL[p.status], p.screen ? ' · sharing screen' : ''),
      ),
      h(
        'span',
        { class: 'person-icons' },
        p.hand ? h('span', { class: 'person-icon hand', title: 'Hand raised', 'aria-label': 'Hand raised', role: 'img' }, icon('hand', 'icon icon-xs')) : null,
        h('span', { class: `person-icon${p.camera === 'on' ? '' : ' off'}`, title: camLabel, 'aria-label': camLabel, role: 'img' }, icon(p.camera === 'on' ? 'camera' : 'cameraOff', 'icon icon-xs')),
        h('span', { class: `person-icon${p.mic === 'on' ? '' : ' off'}`, title: micLabel, 'aria-label': micLabel, role: 'img' }, icon(p.mic === 'on' ? 'mic' : 'micOff', 'icon icon-xs')),
      ),
      menu,
    );
  }
}
