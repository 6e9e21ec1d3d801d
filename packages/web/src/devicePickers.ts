/** The pre-join's camera, microphone and (where the browser can route sound) speaker pickers. */
import { supportsSpeakerSelection, type DeviceLists } from '@confab/client';
import { h } from './dom';
import { icon, type IconName } from './icons';

export type PickerKind = 'camera' | 'microphone' | 'speaker';

const LABEL: Record<PickerKind, string> = { camera: 'Camera', microphone: 'Microphone', speaker: 'Speaker' };
const ICON: Record<PickerKind, IconName> = { camera: 'camera', microphone: 'mic', speaker: 'people' };

export class DevicePickers {
  readonly el: HTMLElement;
  private readonly selects: Record<PickerKind, HTMLSelectElement>;

  constructor(onChoose: (kind: PickerKind, deviceId: string) => void) {
    const select = (kind: PickerKind): HTMLSelectElement =>
      h('select', { id: `prejoin-${kind}`, class: 'field-select', onchange: (ev: Event) => onChoose(kind, (ev.target as HTMLSelectElement).value) });
    this.selects = { camera: select('camera'), microphone: select('microphone'), speaker: select('speaker') };
    const field = (kind: PickerKind): HTMLElement =>
      h('div', { class: 'field device-field' }, h('label', { class: 'field-label', for: `prejoin-${kind}` }, icon(ICON[kind], 'icon icon-xs'), LABEL[kind]), this.selects[kind]);
    this.el = h('div', { class: 'prejoin-devices' }, field('camera'), field('microphone'), supportsSpeakerSelection() ? field('speaker') : null);
  }

  /** The chosen speaker, or '' for the system default. */
  get speaker(): string {
    return this.selects.speaker.value;
  }

  /** Fills the lists; `current` is the device in use (or remembered) per kind. */
  update(lists: DeviceLists, current: Record<PickerKind, string | null>): void {
    const hidden = lists.permissionNeeded ? 'Needs permission' : null;
    this.fill('camera', lists.cameras, current.camera, hidden ?? 'No camera found');
    this.fill('microphone', lists.microphones, current.microphone, hidden ?? 'No microphone found');
    this.fill('speaker', lists.speakers, current.speaker, 'System default');
  }

  private fill(kind: PickerKind, devices: MediaDeviceInfo[], currentId: string | null, emptyText: string): void {
    const select = this.selects[kind];
    if (devices.length === 0) {
      select.replaceChildren(h('option', { value: '' }, emptyText));
      select.disabled = true;
      return;
    }
    select.replaceChildren(...devices.map((d, i) => h('option', { value: d.deviceId }, d.label || `${LABEL[kind]} ${i + 1}`)));
    select.disabled = false;
    if (currentId && devices.some((d) => d.deviceId === currentId)) select.value = currentId;
  }
}
