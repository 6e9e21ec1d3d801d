import type { MediaEngine } from '../media/types';
import type { BanList } from '../rooms/Admission';
import type { RoomOptions } from '../rooms/Room';
import type { RoomLogger } from '../rooms/requests';
import { LocalBans } from './LocalBans';
import type { Logger } from '../service/logger';
import { LocalDirectory } from './LocalDirectory';
import { LocalRouter } from './LocalRouter';
import { RedisRouter, type ClusterSettings } from './redis/RedisRouter';
import type { RoomRouter } from './RoomRouter';

export type { ListeningAddress, RoomRouter, RoutedSession } from './RoomRouter';
export { LocalDirectory } from './LocalDirectory';
export type { ClusterSettings } from './redis/RedisRouter';
export type { ClusterTimings } from './redis/timings';
export { RedisStartupError } from './redis/redisConnection';

export interface RouterSettings {
  media: MediaEngine;
  /** Every room's options but where bans are kept, which the router decides (memory, or Redis). */
  roomOptions: Omit<RoomOptions, 'bans'>;
  /** Rooms open at once on this node (CONFAB_MAX_ROOMS). */
  maxRooms: number;
  logger: RoomLogger;
  /** Cluster mode (CONFAB_REDIS_URL set): rooms spread over every node sharing that Redis. */
  cluster?: Omit<ClusterSettings, 'maxRooms'> & { logger: Logger };
}

/**
 * The router for this node, chosen once at start-up: one node keeps every room in memory; in a
 * cluster, rooms live on whichever node holds their lease in Redis. Waits for Redis in cluster mode
 * (RedisStartupError when it cannot work at all).
 */
export async function createRoomRouter(settings: RouterSettings): Promise<RoomRouter> {
  const directory = (bans: BanList) => new LocalDirectory(settings.media, { ...settings.roomOptions, bans }, { maxRooms: settings.maxRooms });
  if (!settings.cluster) return new LocalRouter(directory(new LocalBans()), settings.logger);
  const { logger, ...cluster } = settings.cluster;
  return RedisRouter.open(directory, settings.media, { ...cluster, maxRooms: settings.maxRooms }, logger);
}
