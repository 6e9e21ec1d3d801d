/** What an answer means for the event that was posted. */
export type Verdict = 'accepted' | 'retry' | 'rejected';

/**
 * 2xx accepted; 408, 429 and 5xx are the receiver's passing trouble, tried again; anything else
 * (a 4xx, or a 3xx: redirects are not followed) says the receiver will never take it.
 */
export function verdictOf(status: number): Verdict {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** Each delay is stretched or shrunk by up to this much, at random. */
const JITTER = 0.2;

/**
 * The wait in milliseconds before the next attempt after `failures` failed ones (1, 2, ...):
 * base, 2 x base, 4 x base ..., each ±20 % at random so the rooms that queued up behind a
 * receiver's outage do not all knock again at the same instant when it comes back; never over max.
 */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const jittered = baseMs * 2 ** (failures - 1) * (1 - JITTER + 2 * JITTER * random());
  return Math.round(Math.min(maxMs, jittered));
}
