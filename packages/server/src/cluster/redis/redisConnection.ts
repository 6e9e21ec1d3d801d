import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { redactPassword } from '../../service/config';
import type { Logger } from '../../service/logger';

/** Start-up found a Redis problem no retry can fix (a password missing or wrong): stop with this one line. */
export class RedisStartupError extends Error {
  override readonly name = 'RedisStartupError';
}

/** How often start-up tries a Redis it cannot reach, saying so each time. */
const STARTUP_RETRY_MS = 2_000;

/** host and port of a checked CONFAB_REDIS_URL (config.ts), for the outage probe. */
export function redisAddress(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) };
}

/**
 * Start-up check: waits until Redis at `url` answers a PING, logging one line per failed attempt
 * with the reason (a node started before its Redis simply waits). A Redis that wants a password we
 * lack, or refuses ours, ends start-up with a RedisStartupError.
 */
export async function waitForRedis(url: string, logger: Logger): Promise<void> {
  const shown = redactPassword(url);
  for (let attempt = 1; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: STARTUP_RETRY_MS });
    let reason: Error | undefined;
    probe.on('error', (error: Error) => (reason ??= error));
    try {
      await probe.connect();
      await probe.ping();
      if (attempt > 1) logger.info({ redis: shown }, 'Redis reached');
      return;
    } catch (error) {
      const why = reason ?? (error as Error);
      if (/NOAUTH|Authentication required/i.test(why.message)) {
        throw new RedisStartupError(`Redis at ${shown} needs a password: put it in CONFAB_REDIS_URL as redis://:<password>@host:port`);
      }
      if (/WRONGPASS|invalid password|invalid username-password/i.test(why.message)) {
        throw new RedisStartupError(`Redis at ${shown} refused the password in CONFAB_REDIS_URL (${why.message.split('.')[0]})`);
      }
      const code = (why as NodeJS.ErrnoException).code ?? why.message;
      logger.warn({ redis: shown, attempt, reason: code }, `cannot reach Redis (CONFAB_REDIS_URL): ${code}; trying again in ${STARTUP_RETRY_MS / 1000} s`);
    } finally {
      probe.disconnect();
    }
    await sleep(STARTUP_RETRY_MS);
  }
}

/**
 * A long-lived connection. Commands fail at once while it is down (no offline queue: a renewal or
 * a relayed command from seconds ago is worth nothing), it reconnects quickly on its own, and its
 * errors are logged at debug: RedisHealth tells the operator what an outage means.
 */
export async function openRedis(url: string, name: string, commandTimeoutMs: number, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    retryStrategy: (times) => Math.min(50 * times, 500),
  });
  redis.on('error', (error: Error) => logger.debug({ err: error.message, connection: name }, 'redis connection error'));
  await redis.connect();
  return redis;
}
