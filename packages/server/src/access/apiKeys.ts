/** API key → secret, in the order configured: the first one signs webhooks and `npm run token`. */
export type ApiKeys = ReadonlyMap<string, string>;

/** Shorter secrets can be guessed offline from one captured token. */
export const MIN_API_SECRET_LENGTH = 32;

/** Keys travel in JWT `iss` and the webhook key header: keep them plain. */
const API_KEY = /^[A-Za-z0-9_.-]{1,256}$/;

/**
 * Reads CONFAB_API_KEYS (`key1:secret1,key2:secret2`) or CONFAB_API_KEY with CONFAB_API_SECRET.
 * Undefined when none is set: open mode. Anything wrong is a RangeError with one line that never
 * contains a secret.
 */
export function parseApiKeys(env: NodeJS.ProcessEnv): ApiKeys | undefined {
  const pairs = env.CONFAB_API_KEYS || undefined;
  const key = env.CONFAB_API_KEY?.trim() || undefined;
  const secret = env.CONFAB_API_SECRET?.trim() || undefined;
  if (pairs !== undefined && (key !== undefined || secret !== undefined)) {
    throw new RangeError('set either CONFAB_API_KEYS or CONFAB_API_KEY with CONFAB_API_SECRET, not both');
  }
  if (pairs !== undefined) return keysFromPairs(pairs);
  if (key === undefined && secret === undefined) return undefined;
  if (key === undefined) throw new RangeError('CONFAB_API_SECRET is set but CONFAB_API_KEY is not: set both (or CONFAB_API_KEYS)');
  if (secret === undefined) throw new RangeError('CONFAB_API_KEY is set but CONFAB_API_SECRET is not: set both (or CONFAB_API_KEYS)');
  checkPair('CONFAB_API_KEY', key, secret);
  return new Map([[key, secret]]);
}

function keysFromPairs(raw: string): ApiKeys {
  const keys = new Map<string, string>();
  const entries = raw.split(',').map((s) => s.trim());
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    // The entry itself is not echoed: it may be a secret typed with the wrong separator.
    if (colon < 0) throw new RangeError(`CONFAB_API_KEYS: entry ${i + 1} of ${entries.length} is not key:secret (comma-separated key:secret pairs)`);
    const key = entry.slice(0, colon).trim();
    const secret = entry.slice(colon + 1).trim();
    checkPair(`CONFAB_API_KEYS: entry ${i + 1}`, key, secret);
    if (keys.has(key)) throw new RangeError(`CONFAB_API_KEYS: key "${key}" is listed twice`);
    keys.set(key, secret);
  });
  return keys;
}

/** `where` names the setting (and entry): a key that fails the check is not echoed either, it may be a swapped secret. */
function checkPair(where: string, key: string, secret: string): void {
  if (!API_KEY.test(key)) throw new RangeError(`${where}: the API key must be 1-256 letters, digits, "-", "_" or "."`);
  if (secret.length < MIN_API_SECRET_LENGTH) {
    throw new RangeError(`${where}: the secret of key "${key}" is ${secret.length} characters, use at least ${MIN_API_SECRET_LENGTH} (e.g. openssl rand -base64 32)`);
  }
}
