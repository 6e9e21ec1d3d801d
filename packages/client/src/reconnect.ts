/** How the SDK paces its way back after a drop (Room.reconnect). */
import { SessionCloseCode } from '@confab/protocol';

/** Overall time to keep trying (resume, then rejoin) before the room is Disconnected. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 60_000;
/** Each attempt's budget for opening the socket, and again for the server's answer. */
export const RECONNECT_ATTEMPT_TIMEOUT_MS = 3_000;

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

/**
 * Wait before attempt `attempt` (0-based): quick at first, since most drops are short, then
 * doubling up to 2 s, with ±20 % jitter so a node's clients don't all come back in one instant.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  if (attempt === 0) return 0;
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Closes that a retry cannot fix: we were refused for abuse or size, our session moved to another
 * socket, or we were removed from the room. Any other close is retried, the first time at once:
 * 4002 (the room moved to another server) and 1001 (the server is shutting down) mean the session
 * is waiting elsewhere.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([1008, 1009, SessionCloseCode.SessionMoved, SessionCloseCode.Removed]);

export function isFinalClose(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code);
}
