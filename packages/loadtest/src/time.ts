/** Small timing helpers: every wait in this package is bounded. */

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with TimeoutError if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `predicate` every `intervalMs` until it is true; TimeoutError after `ms`. */
export async function waitUntil(predicate: () => boolean, ms: number, what: string | (() => string), intervalMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() >= deadline) throw new TimeoutError(`${typeof what === 'string' ? what : what()}: not true after ${ms} ms`);
    await sleep(intervalMs);
  }
}
