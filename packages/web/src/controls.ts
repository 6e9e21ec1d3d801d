/** The control bar: mic, camera, screen, hand, devices, leave; status, layout, link, panel; for moderators, meeting controls. */
import { h } from './dom';
import { icon, type IconName } from './icons';

export type DeviceState = 'on' | 'off' | 'none';
export type PresenceStatus = 'online' | 'away' | 'busy';

export interface ControlsState {
  mic: DeviceState;
  camera: DeviceState;
  screen: boolean;
  status: PresenceStatus;
  panelOpen: boolean;
  unread: number;
  /** The dominant speaker large instead of everyone in a grid. */
  speakerView: boolean;
  handRaised: boolean;
  /** You may moderate: the meeting controls button shows. */
  moderator: boolean;
  /** The meeting is locked: a lock beside its name. */
  locked: boolean;
}

export interface ControlsHandlers {
  toggleMic(): void;
  toggleCamera(): void;
  toggleScreen(): void;
  toggleHand(): void;
  toggleDevices(anchor: HTMLElement): void;
  /** The moderators' meeting controls (lock, lobby, password, end). */
  toggleModeratorControls(anchor: HTMLElement): void;
  setStatus(status: PresenceStatus): void;
  copyLink(): void;
  togglePanel(): void;
  /** Grid view and speaker view (the dominant speaker large). */
  toggleLayout(): void;
  leave(): void;
}

interface ToggleButton {
  el: HTMLButtonElement;
  set(iconName: IconName, label: string, text: string, pressed: boolean, danger: boolean): void;
}

function toggleButton(onClick: () => void, extraClass = ''): ToggleButton {
  const el = h('button', { type: 'button', class: `ctl ${extraClass}`.trim(), onclick: onClick });
  let current = '';
  return {
    el,
    set(iconName, label, text, pressed, danger) {
      const key = `${iconName}|${label}|${text}|${pressed}|${danger}`;
      if (key === current) return;
      current = key;
      el.replaceChildren(icon(iconName), h('span', { class: 'ctl-text' }, text));
      el.setAttribute('aria-label', label);
      el.title = label;
      el.dataset.pressed = String(pressed);
      el.classList.toggle('ctl-danger', danger);
      el.classList.toggle('ctl-active', pressed && !danger);
    },
  };
}

export class Controls {
  readonly el: HTMLElement;
  private readonly mic: ToggleButton;
  private readonly camera: ToggleButton;
  private readonly screen: ToggleButton;
  private readonly hand: ToggleButton;
  private readonly moderatorControls: HTMLButtonElement;
  private readonly lockIcon: HTMLElement;
  private readonly status: HTMLSelectElement;
  private readonly panel: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly layout: HTMLButtonElement;

  /** `beside` (the recording indicator) goes next to the room's name. */
  constructor(roomName: string, handlers: ControlsHandlers, beside: HTMLElement) {
    this.mic = toggleButton(() => handlers.toggleMic());
    this.camera = toggleButton(() => handlers.toggleCamera());
    this.screen = toggleButton(() => handlers.toggleScreen(), 'ctl-screen');
    this.hand = toggleButton(() => handlers.toggleHand(), 'ctl-hand');
    this.moderatorControls = h(
      'button',
      { type: 'button', class: 'ctl ctl-flat ctl-moderator', 'aria-label': 'Meeting controls', title: 'Meeting controls', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', hidden: true },
      icon('shield'),
      h('span', { class: 'ctl-text' }, 'Host'),
    );
    this.moderatorControls.addEventListener('click', () => handlers.toggleModeratorControls(this.moderatorControls));
    this.lockIcon = h('span', { class: 'room-chip-lock', title: 'The meeting is locked', role: 'img', 'aria-label': 'Locked', hidden: true }, icon('lock', 'icon icon-xs'));
    const devices = h(
      'button',
      { type: 'button', class: 'ctl', 'aria-label': 'Choose microphone and camera', title: 'Choose microphone and camera', 'aria-haspopup': 'dialog', 'aria-expanded': 'false' },
      icon('settings'),
      h('span', { class: 'ctl-text' }, 'Devices'),
    );
    devices.addEventListener('click', () => handlers.toggleDevices(devices));

    this.status = h(
      'select',
      { class: 'status-select', 'aria-label': 'Your status', title: 'Your status', onchange: () => handlers.setStatus(this.status.value as PresenceStatus) },
      h('option', { value: 'online' }, 'Online'),
      h('option', { value: 'away' }, 'Away'),
      h('option', { value: 'busy' }, 'Busy'),
    );
    const statusWrap = h('label', { class: 'status-wrap', 'data-status': 'online' }, h('span', { class: 'status-dot', 'aria-hidden': 'true' }), this.status);

    const copy = h(
      'button',
      { type: 'button', class: 'ctl ctl-flat ctl-invite', 'aria-label': 'Copy room link', title: 'Copy room link', onclick: () => handlers.copyLink() },
      icon('link'),
      h('span', { class: 'ctl-text' }, 'Invite'),
    );
    this.layout = h(
      'button',
      { type: 'button', class: 'ctl ctl-flat ctl-layout', 'aria-pressed': 'false', onclick: () => handlers.toggleLayout() },
      icon('people'),
      h('span', { class: 'ctl-text' }, 'Speaker'),
    );
    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.panel = h(
      'button',
      { type: 'button', class: 'ctl ctl-flat ctl-panel', 'aria-label': 'Show people and chat', title: 'People and chat', 'aria-expanded': 'false', 'aria-controls': 'side-panel', onclick: () => handlers.togglePanel() },
      icon('chat'),
      h('span', { class: 'ctl-text' }, 'Chat'),
      this.badge,
    );
    const leave = h(
      'button',
      { type: 'button', class: 'ctl ctl-leave', 'aria-label': 'Leave the room', title: 'Leave the room', onclick: () => handlers.leave() },
      icon('leave'),
      h('span', { class: 'ctl-text' }, 'Leave'),
    );

    this.el = h(
      'footer',
      { class: 'controls', role: 'toolbar', 'aria-label': 'Call controls' },
      h('div', { class: 'controls-side controls-left' }, h('span', { class: 'room-chip', title: roomName }, this.lockIcon, h('span', { class: 'room-chip-name' }, roomName)), beside, statusWrap, this.moderatorControls),
      h('div', { class: 'controls-main' }, this.mic.el, this.camera.el, this.screen.el, this.hand.el, devices, leave),
      h('div', { class: 'controls-side controls-right' }, this.layout, copy, this.panel),
    );
  }

  update(state: ControlsState): void {
    this.mic.set(
      state.mic === 'on' ? 'mic' : 'micOff',
      state.mic === 'on' ? 'Mute microphone' : state.mic === 'off' ? 'Unmute microphone' : 'Turn on microphone',
      state.mic === 'on' ? 'Mute' : 'Unmute',
      state.mic !== 'on',
      state.mic !== 'on',
    );
    this.camera.set(
      state.camera === 'on' ? 'camera' : 'cameraOff',
      state.camera === 'on' ? 'Turn off camera' : 'Turn on camera',
      state.camera === 'on' ? 'Stop video' : 'Start video',
      state.camera !== 'on',
      state.camera !== 'on',
    );
    this.screen.set(state.screen ? 'screenOff' : 'screen', state.screen ? 'Stop sharing your screen' : 'Share your screen', state.screen ? 'Stop share' : 'Share', state.screen, false);
    this.hand.set('hand', state.handRaised ? 'Lower your hand' : 'Raise your hand', state.handRaised ? 'Lower hand' : 'Raise hand', state.handRaised, false);
    this.moderatorControls.hidden = !state.moderator;
    this.lockIcon.hidden = !state.locked;
    if (this.status.value !== state.status) this.status.value = state.status;
    (this.status.parentElement as HTMLElement).dataset.status = state.status;
    this.panel.setAttribute('aria-expanded', String(state.panelOpen));
    this.panel.classList.toggle('ctl-active', state.panelOpen);
    const label = state.panelOpen ? 'Hide people and chat' : state.unread > 0 ? `Show people and chat (${state.unread} unread)` : 'Show people and chat';
    this.panel.setAttribute('aria-label', label);
    this.panel.title = label;
    this.layout.setAttribute('aria-pressed', String(state.speakerView));
    this.layout.classList.toggle('ctl-active', state.speakerView);
    const layoutLabel = state.speakerView ? 'Show everyone in a grid' : 'Show the speaker large';
    this.layout.setAttribute('aria-label', layoutLabel);
    this.layout.title = layoutLabel;
    this.badge.hidden = state.unread === 0;
    this.badge.textContent = state.unread > 99 ? '99+' : String(state.unread);
  }

  /** Disabled while disconnected: only Leave (and the panel) still make sense. */
  setEnabled(enabled: boolean): void {
    for (const el of this.el.querySelectorAll<HTMLButtonElement | HTMLSelectElement>('.controls-main .ctl:not(.ctl-leave), .status-select')) {
      el.disabled = !enabled;
    }
  }

  setDevicesExpanded(expanded: boolean): void {
    this.el.querySelector('.controls-main [aria-haspopup="dialog"]')?.setAttribute('aria-expanded', String(expanded));
  }

  setModeratorControlsExpanded(expanded: boolean): void {
    this.moderatorControls.setAttribute('aria-expanded', String(expanded));
  }
}
