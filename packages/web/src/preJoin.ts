/**
 * The pre-join screen, as in Meet and Jitsi: camera preview, a live microphone level, device
 * pickers, camera and mic toggles and the name. Joining hands the preview tracks to the room, so
 * there is no second permission prompt and the camera does not blink.
 */
import { createLocalTrack, createLocalTracks, listDevices, watchDevices, withDevice, type DeviceLists, type MediaFailure } from '@confab/client';
import { MAX_ROOM_PASSWORD_LENGTH } from '@confab/protocol';
import { DevicePickers } from './devicePickers';
import { Disposer, h } from './dom';
import { currentPageCaptureProblem, DEPLOY_GUIDE_PATH, describeDeviceFailure, errorMessage, insecureContextMessage, mediaFailure } from './errors';
import { formField } from './formField';
import { icon } from './icons';
import { CAMERA, MICROPHONE, rememberedConstraints } from './mediaChoices';
import { MicLevel } from './micLevel';
import { displayNameProblem, hueForName, initials } from './names';
import { loadFlag, loadPref, saveFlag, savePref } from './prefs';

type Device = 'camera' | 'microphone';

/** What the person chose; the tracks are theirs to publish (the screen no longer stops them). */
export interface PreJoinChoice {
  name: string;
  microphone: MediaStreamTrack | null;
  camera: MediaStreamTrack | null;
  speakerId: string | null;
  /** The meeting's password, when the screen asked for one. */
  password?: string;
}

export interface PreJoinHandlers {
  join(choice: PreJoinChoice): void;
  back(): void;
}

const DEVICE_PREF = { camera: 'cameraDevice', microphone: 'microphoneDevice' } as const;
const ON_PREF = { camera: 'cameraOn', microphone: 'microphoneOn' } as const;

export class PreJoinScreen {
  readonly el: HTMLElement;
  private readonly disposer = new Disposer();
  private readonly tracks: Record<Device, MediaStreamTrack | null> = { camera: null, microphone: null };
  private readonly on: Record<Device, boolean> = { camera: loadFlag('cameraOn'), microphone: loadFlag('microphoneOn') };
  private readonly problems: Record<Device, { failure: MediaFailure; detail: string } | null> = { camera: null, microphone: null };
  /** Bumped per device whenever a capture in flight becomes stale (toggled, switched, closed). */
  private readonly generation: Record<Device, number> = { camera: 0, microphone: 0 };
  private readonly busy = new Set<Device>();
  private readonly captureProblem = currentPageCaptureProblem();
  private closed = false;

  private readonly video: HTMLVideoElement;
  private readonly preview: HTMLElement;
  private readonly avatar: HTMLElement;
  private readonly offText: HTMLElement;
  private readonly level = new MicLevel();
  private readonly problemsEl: HTMLElement;
  private readonly toggles: Record<Device, HTMLButtonElement>;
  private readonly pickers: DevicePickers;
  private readonly name: ReturnType<typeof formField>;
  /** Shown once the server asked for the meeting's password. */
  private readonly password: ReturnType<typeof formField> | null;

  /** `passwordPrompt`: the server refused the join for its password; ask for it, saying this. */
  constructor(
    private readonly roomName: string,
    initialName: { value: string; error: string | null },
    private readonly handlers: PreJoinHandlers,
    passwordPrompt: string | null = null,
  ) {
    this.video = h('video', { class: 'preview-video mirrored', autoplay: true, playsinline: true, 'aria-label': 'Your camera preview' });
    this.video.muted = true;
    this.avatar = h('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' });
    this.offText = h('p', { class: 'preview-off-text' });
    this.toggles = {
      microphone: h('button', { type: 'button', class: 'ctl preview-toggle', onclick: () => void this.toggle('microphone') }),
      camera: h('button', { type: 'button', class: 'ctl preview-toggle', onclick: () => void this.toggle('camera') }),
    };
    this.preview = h(
      'div',
      { class: 'preview', 'data-video': 'off' },
      this.video,
      h('div', { class: 'preview-placeholder' }, this.avatar, this.offText),
      h('div', { class: 'preview-bar' }, this.toggles.microphone, this.level.el, this.toggles.camera),
    );
    this.problemsEl = h('div', { class: 'prejoin-problems', role: 'alert' });

    this.pickers = new DevicePickers((kind, deviceId) => {
      if (kind === 'speaker') savePref('speakerDevice', deviceId);
      else void this.chooseDevice(kind, deviceId);
    });

    this.name = formField({ id: 'display-name', label: 'Your name', value: initialName.value, placeholder: 'e.g. Ada Lovelace', maxLength: 64, autocomplete: 'name' });
    if (initialName.error) this.name.setError(initialName.error);
    this.name.input.addEventListener('input', () => {
      this.name.setError(null);
      this.renderPreview();
    });
    this.password =
      passwordPrompt === null
        ? null
        : formField({ id: 'room-password', label: 'Meeting password', value: '', type: 'password', autocomplete: 'off', maxLength: MAX_ROOM_PASSWORD_LENGTH });
    this.password?.setError(passwordPrompt);
    this.password?.input.addEventListener('input', () => this.password?.setError(null));
    const form = h(
      'form',
      { class: 'lobby-form', novalidate: true },
      this.name.el,
      this.password?.el,
      h('button', { type: 'submit', class: 'btn btn-primary btn-lg btn-block' }, icon('camera'), 'Join meeting'),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.join();
    });
    const back = h('a', { href: '/', class: 'link' }, 'Back to the lobby');
    back.addEventListener('click', (ev) => {
      ev.preventDefault();
      handlers.back();
    });

    const media =
      this.captureProblem === null
        ? h('section', { class: 'prejoin-media', 'aria-label': 'Camera and microphone check' }, this.preview, this.problemsEl, this.pickers.el)
        : h('section', { class: 'prejoin-media', 'aria-label': 'Camera and microphone' }, this.noCaptureNotice());
    this.el = h(
      'main',
      { class: 'lobby prejoin' },
      h(
        'div',
        { class: 'prejoin-layout' },
        media,
        h(
          'div',
          { class: 'card prejoin-card' },
          h('div', { class: 'brand' }, h('img', { src: '/favicon.svg', alt: '', width: 36, height: 36 }), h('span', { class: 'brand-name' }, 'Confab')),
          h('p', { class: 'lobby-kicker' }, 'Ready to join?'),
          h('h1', { class: 'lobby-title room-title' }, roomName),
          h('p', { class: 'lobby-lead' }, this.captureProblem === null ? 'Check how you look and sound, then join.' : 'You can join to watch, listen and chat.'),
          form,
          h('p', { class: 'lobby-alt' }, back),
        ),
      ),
    );
    this.renderPreview();
  }

  /** Mounts the screen and starts the preview. */
  mount(parent: HTMLElement): void {
    parent.replaceChildren(this.el);
    const nameOk = this.name.input.value && !this.name.el.classList.contains('invalid');
    (!nameOk ? this.name.input : (this.password?.input ?? this.el.querySelector<HTMLElement>('button[type="submit"]')))?.focus();
    if (this.captureProblem !== null) return;
    this.disposer.add(watchDevices((lists) => this.fillPickers(lists)));
    void this.startPreview();
  }

  /** Leaves the screen; stops the preview tracks unless they were handed over by joining. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.disposer.dispose();
    this.level.destroy();
    for (const device of ['camera', 'microphone'] as const) {
      this.generation[device]++;
      this.tracks[device]?.stop();
      this.tracks[device] = null;
    }
    this.video.srcObject = null;
    this.el.remove();
  }

  // ---- capture ----

  private async startPreview(): Promise<void> {
    const want = { camera: this.on.camera, microphone: this.on.microphone };
    if (!want.camera && !want.microphone) {
      void this.refreshDevices();
      return;
    }
    for (const device of ['camera', 'microphone'] as const) if (want[device]) this.busy.add(device);
    this.renderPreview();
    const generation = { ...this.generation };
    const [microphone, camera] = await Promise.all([
      want.microphone ? rememberedConstraints('microphone') : false,
      want.camera ? rememberedConstraints('camera') : false,
    ]);
    const result = await createLocalTracks({ microphone, camera });
    this.busy.clear();
    for (const device of ['camera', 'microphone'] as const) {
      const track = result[device];
      if (!track) continue;
      if (this.closed || this.generation[device] !== generation[device]) track.stop();
      else this.setTrack(device, track);
    }
    for (const error of result.errors) this.showFailure(error.source === 'camera' ? 'camera' : 'microphone', error);
    this.renderPreview();
    void this.refreshDevices();
  }

  private async toggle(device: Device): Promise<void> {
    if (this.busy.has(device) || this.closed) return;
    if (this.tracks[device]) {
      this.generation[device]++;
      this.on[device] = false;
      saveFlag(ON_PREF[device], false);
      this.setTrack(device, null);
      this.problems[device] = null;
      this.renderPreview();
      return;
    }
    this.on[device] = true;
    saveFlag(ON_PREF[device], true);
    this.busy.add(device);
    const constraints = await rememberedConstraints(device);
    if (!this.closed) await this.capture(device, constraints);
  }

  private async chooseDevice(device: Device, deviceId: string): Promise<void> {
    if (!deviceId) return;
    savePref(DEVICE_PREF[device], deviceId);
    if (!this.tracks[device] || this.tracks[device]?.getSettings().deviceId === deviceId) return;
    // Stop first: some cameras cannot be open twice, and the old one is not wanted any more.
    this.setTrack(device, null);
    await this.capture(device, withDevice(device === 'camera' ? CAMERA : MICROPHONE, deviceId));
  }

  private async capture(device: Device, constraints: MediaTrackConstraints | boolean): Promise<void> {
    const generation = ++this.generation[device];
    this.busy.add(device);
    this.problems[device] = null;
    this.renderPreview();
    try {
      const track = await createLocalTrack(device, constraints);
      if (this.closed || this.generation[device] !== generation) {
        track.stop();
        return;
      }
      this.setTrack(device, track);
    } catch (error) {
      if (this.closed || this.generation[device] !== generation) return;
      this.showFailure(device, error);
    } finally {
      if (this.generation[device] === generation) this.busy.delete(device);
      this.renderPreview();
    }
    void this.refreshDevices();
  }

  private setTrack(device: Device, track: MediaStreamTrack | null): void {
    const previous = this.tracks[device];
    if (previous === track) return;
    previous?.stop();
    this.tracks[device] = track;
    if (device === 'camera') {
      this.video.srcObject = track ? new MediaStream([track]) : null;
      if (track) void this.video.play().catch(() => undefined);
    } else {
      this.level.setTrack(track);
    }
    if (track) this.on[device] = true;
    this.renderPreview();
  }

  private showFailure(device: Device, error: unknown): void {
    this.problems[device] = { failure: mediaFailure(error), detail: errorMessage(error) };
    this.renderPreview();
  }

  // ---- devices ----

  private async refreshDevices(): Promise<void> {
    try {
      this.fillPickers(await listDevices());
    } catch {
      // enumerateDevices failing leaves the pickers as they are
    }
  }

  private fillPickers(lists: DeviceLists): void {
    if (this.closed) return;
    this.pickers.update(lists, {
      camera: this.tracks.camera?.getSettings().deviceId ?? loadPref('cameraDevice'),
      microphone: this.tracks.microphone?.getSettings().deviceId ?? loadPref('microphoneDevice'),
      speaker: loadPref('speakerDevice'),
    });
  }

  // ---- view ----

  private renderPreview(): void {
    const cameraOn = !!this.tracks.camera;
    const name = this.name.input.value.trim();
    this.preview.dataset.video = cameraOn ? 'on' : 'off';
    this.avatar.textContent = name ? initials(name) : '';
    this.avatar.hidden = !name;
    this.avatar.style.setProperty('--hue', String(hueForName(name)));
    this.offText.textContent = this.busy.has('camera') ? 'Starting camera…' : this.problems.camera ? 'Camera unavailable' : 'Camera is off';
    this.setToggle('microphone', 'mic', 'micOff', 'microphone', 'Mic');
    this.setToggle('camera', 'camera', 'cameraOff', 'camera', 'Camera');
    const problems = this.problemTexts();
    this.problemsEl.replaceChildren(...problems.map((p) => h('p', { class: 'prejoin-problem' }, icon('alert', 'icon icon-xs'), h('span', null, p))));
    this.problemsEl.hidden = problems.length === 0;
  }

  /** One sentence when both devices failed the same way, else one per device. */
  private problemTexts(): string[] {
    const { camera, microphone } = this.problems;
    if (camera && microphone && camera.failure === microphone.failure && camera.failure !== 'other') {
      return [describeDeviceFailure('camera and microphone', camera.failure, '', 'press the camera or microphone button')];
    }
    return (['camera', 'microphone'] as const).flatMap((d) => {
      const p = this.problems[d];
      return p ? [describeDeviceFailure(d, p.failure, p.detail, `press the ${d} button`)] : [];
    });
  }

  private setToggle(device: Device, onIcon: 'mic' | 'camera', offIcon: 'micOff' | 'cameraOff', word: string, text: string): void {
    const el = this.toggles[device];
    const live = !!this.tracks[device];
    const label = live ? `Turn off ${word}` : `Turn on ${word}`;
    el.replaceChildren(icon(live ? onIcon : offIcon), h('span', { class: 'ctl-text' }, live ? text : `${text} off`));
    el.setAttribute('aria-label', label);
    el.setAttribute('aria-pressed', String(live));
    el.title = label;
    el.disabled = this.busy.has(device);
    el.classList.toggle('ctl-danger', !live);
  }

  /** Plain HTTP from another host (or a browser without capture): say so, and how to fix it. */
  private noCaptureNotice(): HTMLElement {
    const problem =
      this.captureProblem === 'insecure_context'
        ? insecureContextMessage(location.host)
        : { title: 'No camera or microphone here', message: 'This browser offers no camera or microphone to web pages. You can still join to watch, listen and chat.' };
    return h(
      'div',
      { class: 'preview preview-notice', role: 'alert' },
      h('span', { class: 'error-icon' }, icon('alert', 'icon icon-lg')),
      h('h2', { class: 'notice-title' }, problem.title),
      h('p', { class: 'notice-text' }, problem.message),
      this.captureProblem === 'insecure_context'
        ? h('a', { class: 'btn btn-ghost', href: DEPLOY_GUIDE_PATH, target: '_blank', rel: 'noopener' }, 'Read the deployment guide')
        : null,
    );
  }

  private join(): void {
    const problem = displayNameProblem(this.name.input.value);
    this.name.setError(problem);
    if (problem) {
      this.name.input.focus();
      return;
    }
    if (this.password && this.password.input.value === '') {
      this.password.setError('Enter the meeting’s password.');
      this.password.input.focus();
      return;
    }
    const name = this.name.input.value.trim();
    savePref('name', name);
    savePref('room', this.roomName);
    const choice: PreJoinChoice = {
      name,
      microphone: this.tracks.microphone,
      camera: this.tracks.camera,
      speakerId: this.pickers.speaker || loadPref('speakerDevice'),
      ...(this.password ? { password: this.password.input.value } : {}),
    };
    // Handed over: the room stops them from now on.
    this.tracks.microphone = null;
    this.tracks.camera = null;
    this.handlers.join(choice);
  }
}
