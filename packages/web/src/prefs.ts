/** Remembered choices. localStorage can throw (privacy modes, quotas): failures are ignored. */

const KEYS = {
  name: 'confab.name',
  room: 'confab.room',
  /** Device ids chosen in the pre-join screen or the room's device picker. */
  cameraDevice: 'confab.cameraDevice',
  microphoneDevice: 'confab.microphoneDevice',
  speakerDevice: 'confab.speakerDevice',
  /** Whether to join with the camera / microphone on ("1" or "0"). */
  cameraOn: 'confab.cameraOn',
  microphoneOn: 'confab.microphoneOn',
} as const;
export type PrefKey = keyof typeof KEYS;

export function loadPref(key: PrefKey): string | null {
  try {
    return localStorage.getItem(KEYS[key]);
  } catch {
    return null;
  }
}

export function savePref(key: PrefKey, value: string): void {
  try {
    localStorage.setItem(KEYS[key], value);
  } catch {
    // not fatal: the form just won't be prefilled next time
  }
}

/** An on/off choice; `fallback` when never made. */
export function loadFlag(key: 'cameraOn' | 'microphoneOn', fallback = true): boolean {
  const value = loadPref(key);
  return value === null ? fallback : value === '1';
}

export function saveFlag(key: 'cameraOn' | 'microphoneOn', on: boolean): void {
  savePref(key, on ? '1' : '0');
}
