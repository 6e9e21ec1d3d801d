/** The device picker popover: microphone, camera and (where the browser can) speaker selects. */
import { supportsSpeakerSelection } from '@confab/client';
import { Disposer, h } from './dom';
import { loadPref } from './prefs';

export type DeviceKind = 'microphone' | 'camera';

export interface DevicePickerHandlers {
  /** The currently used device id per kind, if known (from the track's settings). */
  current(): Partial<Record<DeviceKind, string>>;
  choose(kind: DeviceKind, deviceId: string): void;
  /** An audio output for everyone's sound (setSinkId). */
  chooseSpeaker(deviceId: string): void;
  onOpenChange(open: boolean): void;
}

export class DevicePicker {
  readonly el: HTMLElement;
  private readonly selects: Record<DeviceKind, HTMLSelectElement>;
  private readonly speaker: HTMLSelectElement | null;
  private readonly disposer = new Disposer();
  private anchor: HTMLElement | null = null;

  constructor(private readonly handlers: DevicePickerHandlers) {
    const select = (kind: DeviceKind): HTMLSelectElement =>
      h('select', { id: `device-${kind}`, class: 'field-select', onchange: (ev: Event) => this.handlers.choose(kind, (ev.target as HTMLSelectElement).value) });
    this.selects = { microphone: select('microphone'), camera: select('camera') };
    this.speaker = supportsSpeakerSelection()
      ? h('select', { id: 'device-speaker', class: 'field-select', onchange: (ev: Event) => this.handlers.chooseSpeaker((ev.target as HTMLSelectElement).value) })
      : null;
    this.el = h(
      'div',
      { class: 'popover devices', role: 'dialog', 'aria-label': 'Microphone and camera', hidden: true },
      h('h2', { class: 'popover-title' }, 'Devices'),
      h('label', { class: 'field-label', for: 'device-microphone' }, 'Microphone'),
      this.selects.microphone,
      h('label', { class: 'field-label', for: 'device-camera' }, 'Camera'),
      this.selects.camera,
      this.speaker ? [h('label', { class: 'field-label', for: 'device-speaker' }, 'Speaker'), this.speaker] : null,
    );
    if (navigator.mediaDevices) this.disposer.listen(navigator.mediaDevices, 'devicechange', () => void this.refresh());
    this.disposer.listen(document, 'pointerdown', (ev) => {
      if (this.el.hidden) return;
      const target = ev.target as Node;
      if (!this.el.contains(target) && !this.anchor?.contains(target)) this.close();
    });
    this.disposer.listen(document, 'keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Escape' && !this.el.hidden) {
        this.close();
        this.anchor?.focus();
      }
    });
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  toggle(anchor: HTMLElement): void {
    if (this.open) {
      this.close();
      return;
    }
    this.anchor = anchor;
    this.el.hidden = false;
    this.handlers.onOpenChange(true);
    void this.refresh().then(() => this.selects.microphone.focus());
  }

  close(): void {
    if (this.el.hidden) return;
    this.el.hidden = true;
    this.handlers.onOpenChange(false);
  }

  async refresh(): Promise<void> {
    let devices: MediaDeviceInfo[] = [];
    try {
      devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
    } catch {
      devices = [];
    }
    const current = this.handlers.current();
    this.fill('microphone', devices.filter((d) => d.kind === 'audioinput'), current.microphone);
    this.fill('camera', devices.filter((d) => d.kind === 'videoinput'), current.camera);
    if (this.speaker) this.fillSpeakers(this.speaker, devices.filter((d) => d.kind === 'audiooutput' && d.deviceId !== '' && d.deviceId !== 'communications'));
  }

  private fillSpeakers(select: HTMLSelectElement, devices: MediaDeviceInfo[]): void {
    if (devices.length === 0) {
      select.replaceChildren(h('option', { value: '' }, 'System default'));
      select.disabled = true;
      return;
    }
    select.disabled = false;
    select.replaceChildren(...devices.map((d, i) => h('option', { value: d.deviceId }, d.label || `Speaker ${i + 1}`)));
    const chosen = loadPref('speakerDevice');
    if (chosen && devices.some((d) => d.deviceId === chosen)) select.value = chosen;
  }

  destroy(): void {
    this.disposer.dispose();
    this.el.remove();
  }

  private fill(kind: DeviceKind, devices: MediaDeviceInfo[], currentId: string | undefined): void {
    const select = this.selects[kind];
    const options = devices
      .filter((d) => d.deviceId !== '' && d.deviceId !== 'communications')
      .map((d, i) => h('option', { value: d.deviceId }, d.label || `${kind === 'camera' ? 'Camera' : 'Microphone'} ${i + 1}`));
    if (options.length === 0) {
      const text = devices.length > 0 ? `Allow ${kind} access to choose` : `No ${kind} found`;
      select.replaceChildren(h('option', { value: '' }, text));
      select.disabled = true;
      return;
    }
    select.disabled = false;
    select.replaceChildren(...options);
    if (currentId && options.some((o) => o.value === currentId)) select.value = currentId;
  }
}
