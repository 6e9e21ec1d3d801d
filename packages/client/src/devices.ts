/**
 * The camera, microphone and speaker lists for device pickers, kept current through the
 * browser's `devicechange` event.
 */

export interface DeviceLists {
  microphones: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
  /** Empty where the browser cannot route audio to a chosen output (see `supportsSpeakerSelection`). */
  speakers: MediaDeviceInfo[];
  /**
   * True while the browser hides the devices (empty ids and labels) because the page has no
   * camera/microphone permission yet: ask for a track first, then list again.
   */
  permissionNeeded: boolean;
}

/**
 * Sorts `enumerateDevices()` output into lists. Entries without an id (no permission yet) and
 * Chromium's "communications" alias (a duplicate of a real device) are left out.
 */
export function groupDevices(devices: readonly MediaDeviceInfo[]): DeviceLists {
  const lists: DeviceLists = { microphones: [], cameras: [], speakers: [], permissionNeeded: false };
  for (const device of devices) {
    if (device.deviceId === '') {
      if (device.kind !== 'audiooutput') lists.permissionNeeded = true;
      continue;
    }
    if (device.deviceId === 'communications') continue;
    if (device.kind === 'audioinput') lists.microphones.push(device);
    else if (device.kind === 'videoinput') lists.cameras.push(device);
    else if (device.kind === 'audiooutput') lists.speakers.push(device);
  }
  return lists;
}

/** Whether audio can be sent to a chosen output device (`HTMLMediaElement.setSinkId`, not in every browser). */
export function supportsSpeakerSelection(): boolean {
  const media = (globalThis as { HTMLMediaElement?: { prototype: object } }).HTMLMediaElement;
  return media !== undefined && 'setSinkId' in media.prototype;
}

/** The devices now; all lists empty where the page cannot see devices at all (not a secure context). */
export async function listDevices(): Promise<DeviceLists> {
  const mediaDevices = globalThis.navigator?.mediaDevices;
  if (!mediaDevices?.enumerateDevices) return groupDevices([]);
  const lists = groupDevices(await mediaDevices.enumerateDevices());
  if (!supportsSpeakerSelection()) lists.speakers = [];
  return lists;
}

/**
 * Calls `listener` with fresh lists whenever a device is plugged in or out (or permission is
 * granted, which reveals ids and labels). Returns the function that stops watching.
 */
export function watchDevices(listener: (lists: DeviceLists) => void): () => void {
  const mediaDevices = globalThis.navigator?.mediaDevices;
  if (!mediaDevices) return () => undefined;
  let stopped = false;
  const onChange = (): void => {
    listDevices().then(
      (lists) => {
        if (!stopped) listener(lists);
      },
      () => undefined,
    );
  };
  mediaDevices.addEventListener('devicechange', onChange);
  return () => {
    stopped = true;
    mediaDevices.removeEventListener('devicechange', onChange);
  };
}
