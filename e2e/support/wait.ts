/** Polling with generous timeouts: e2e tests assert outcomes, never speed. */

export interface WaitOptions {
  /** Total time allowed, ms. Default 20 s. */
  timeout?: number;
  /** Pause between tries, ms. Default 250. */
  interval?: number;
  /** What we were waiting for; goes into the error. */
  message?: string;
}

/**
 * Calls `fn` until it returns a truthy value (which is returned) or the timeout passes.
 * Errors thrown by `fn` count as "not yet"; the last one is reported on timeout.
 * An error whose message starts with "server exited" is fatal at once.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 20_000;
  const interval = options.interval ?? 250;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const v = await fn();
      lastValue = v;
      if (v) return v as NonNullable<T>;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('server exited')) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  const last = lastError === undefined ? `; last value: ${safeJson(lastValue)}` : '';
  throw new Error(`timed out after ${timeout} ms waiting for: ${options.message ?? 'condition'}${why}${last}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 500 ? `${s.slice(0, 500)}...` : s;
  } catch {
    return String(v);
  }
}

/** Prints a measured number in one recognisable format: `[measure] key=value`. */
export function measure(key: string, value: number, extra = ''): void {
  console.log(`[measure] ${key}=${Math.round(value)}${extra ? ` ${extra}` : ''}`);
}
