import { ProtocolError } from '@confab/protocol';
import type { Redis } from 'ioredis';
import type { BanList } from '../../rooms/Admission';
import { banKey } from './keys';

/** Bans kept in Redis, so every node refuses a banned identity (and keeps refusing it after the room moves or its node dies). */
export class RedisBans implements BanList {
  constructor(private readonly redis: Redis) {}

  async ban(room: string, identity: string, seconds: number): Promise<void> {
    await this.redis.set(banKey(room, identity), '1', 'EX', seconds).catch(unavailable);
  }

  async isBanned(room: string, identity: string): Promise<boolean> {
    return (await this.redis.exists(banKey(room, identity)).catch(unavailable)) === 1;
  }
}

/** Redis not answering is a refusal to retry, not a fault of the room. */
function unavailable(): never {
  throw ProtocolError.unavailable('the cluster cannot check bans right now (Redis is unavailable); try again');
}
