/** Remembered form values. localStorage can throw (privacy modes, quotas): failures are ignored. */

const KEYS = { name: 'confab.name', room: 'confab.room' } as const;
type PrefKey = keyof typeof KEYS;

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
