/**
 * A moderator's menu for one participant, opened from their tile or their row in the People list:
 * mute, stop camera, stop screen share, make or unmake moderator, remove, remove and ban. There is
 * no "unmute": only the person can turn their microphone back on.
 */
import { Disposer, h } from './dom';
import type { DeviceState } from './controls';

export type ModeratedSource = 'microphone' | 'camera' | 'screen';

/** The participant the menu acts on, as they are when it opens. */
export interface ModerationTarget {
  id: string;
  name: string;
  mic: DeviceState;
  camera: DeviceState;
  screen: boolean;
  moderator: boolean;
}

export interface ModeratorMenuHandlers {
  mute(target: ModerationTarget, source: ModeratedSource): void;
  setModerator(target: ModerationTarget, moderator: boolean): void;
  remove(target: ModerationTarget, ban: boolean): void;
}

export class ModeratorMenu {
  readonly el: HTMLElement;
  private readonly disposer = new Disposer();
  private anchor: HTMLElement | null = null;

  constructor(private readonly handlers: ModeratorMenuHandlers) {
    this.el = h('div', { class: 'menu', role: 'menu', hidden: true });
    this.disposer.listen(document, 'pointerdown', (ev) => {
      const target = ev.target as Node;
      if (!this.el.hidden && !this.el.contains(target) && !this.anchor?.contains(target)) this.close();
    });
    this.el.addEventListener('keydown', (ev) => this.onKey(ev));
  }

  get openFor(): HTMLElement | null {
    return this.el.hidden ? null : this.anchor;
  }

  /** Opens under `anchor` (or closes, if it is already open there). */
  toggle(anchor: HTMLElement, target: ModerationTarget): void {
    if (this.openFor === anchor) {
      this.close();
      return;
    }
    this.close();
    this.anchor = anchor;
    this.el.setAttribute('aria-label', `Moderate ${target.name}`);
    this.el.replaceChildren(...this.items(target));
    this.el.hidden = false;
    anchor.setAttribute('aria-expanded', 'true');
    this.place(anchor);
    this.el.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }

  close(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.anchor?.setAttribute('aria-expanded', 'false');
  }

  destroy(): void {
    this.disposer.dispose();
    this.el.remove();
  }

  private items(target: ModerationTarget): HTMLElement[] {
    const item = (label: string, run: () => void, danger = false): HTMLElement =>
      h('button', {
        type: 'button',
        role: 'menuitem',
        class: `menu-item${danger ? ' menu-danger' : ''}`,
        onclick: () => {
          const anchor = this.anchor;
          this.close();
          anchor?.focus();
          run();
        },
      }, label);
    return [
      target.mic === 'on' ? item('Mute', () => this.handlers.mute(target, 'microphone')) : null,
      target.camera === 'on' ? item('Stop camera', () => this.handlers.mute(target, 'camera')) : null,
      target.screen ? item('Stop screen share', () => this.handlers.mute(target, 'screen')) : null,
      item(target.moderator ? 'Remove moderator' : 'Make moderator', () => this.handlers.setModerator(target, !target.moderator)),
      h('div', { class: 'menu-separator', role: 'separator' }),
      item('Remove', () => this.handlers.remove(target, false), true),
      item('Remove and ban', () => this.handlers.remove(target, true), true),
    ].filter((el): el is HTMLElement => el !== null);
  }

  /** Below the anchor, right-aligned with it, kept inside the window. */
  private place(anchor: HTMLElement): void {
    const box = anchor.getBoundingClientRect();
    const width = this.el.offsetWidth;
    const height = this.el.offsetHeight;
    const below = box.bottom + 6 + height <= window.innerHeight;
    this.el.style.left = `${Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8))}px`;
    this.el.style.top = `${below ? box.bottom + 6 : Math.max(8, box.top - height - 6)}px`;
  }

  private onKey(ev: KeyboardEvent): void {
    const items = [...this.el.querySelectorAll<HTMLElement>('[role="menuitem"]')];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (ev.key === 'Escape') {
      ev.preventDefault();
      const anchor = this.anchor;
      this.close();
      anchor?.focus();
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = (at + (ev.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (ev.key === 'Tab') {
      this.close();
    }
  }
}
