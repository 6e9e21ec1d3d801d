import { TokenBucket } from '../service/TokenBucket';
import { AdminHttpError } from './AdminHttpError';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Enough for an app backend driving many rooms; a runaway loop is stopped within a second or two. */
export const ADMIN_API_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };

/**
 * One token bucket per API key: every backend using a key shares its budget. Only keys of
 * verified tokens get here, and those are configured, so the map stays as small as the config.
 */
export class ApiKeyRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes one call from `apiKey`'s budget, or refuses with rate_limited (429, Retry-After). */
  take(apiKey: string): void {
    let bucket = this.buckets.get(apiKey);
    if (!bucket) this.buckets.set(apiKey, (bucket = new TokenBucket(this.limit.perSecond, this.limit.burst)));
    if (bucket.take()) return;
    const { perSecond, burst } = this.limit;
    throw AdminHttpError.rateLimited(`too many admin API calls with API key "${apiKey}": at most ${perSecond} a second, in bursts of up to ${burst}`);
  }
}
