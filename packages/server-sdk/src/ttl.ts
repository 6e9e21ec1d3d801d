const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A token lifetime in seconds, from seconds or a duration like '90s', '15m', '6h', '7d'. */
export function ttlSeconds(ttl: number | string): number {
  if (typeof ttl === 'number') {
    if (Number.isSafeInteger(ttl) && ttl > 0) return ttl;
  } else {
    const match = /^(\d+)\s*([smhd])?$/.exec(ttl.trim());
    const seconds = match ? Number(match[1]) * UNIT_SECONDS[(match[2] ?? 's') as keyof typeof UNIT_SECONDS] : 0;
    if (Number.isSafeInteger(seconds) && seconds > 0) return seconds;
  }
  throw new RangeError(`ttl must be a positive whole number of seconds or a duration like 90s, 15m, 6h, 7d; got ${JSON.stringify(ttl)}`);
}
