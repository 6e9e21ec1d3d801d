/** The open-mode identity: one random id per browser, so a moderator's ban holds across reloads. */

const STORAGE_KEY = 'confab.identity';

/**
 * This browser's identity, made on first use and kept in localStorage; undefined where there is
 * no localStorage (Node, privacy modes that throw): the server then picks one per join.
 */
export function browserIdentity(storage: Storage | undefined = globalThis.localStorage): string | undefined {
  try {
    if (!storage) return undefined;
    const kept = storage.getItem(STORAGE_KEY);
    if (kept) return kept;
    const made = randomId();
    storage.setItem(STORAGE_KEY, made);
    return made;
  } catch {
    return undefined;
  }
}

function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return `browser-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
