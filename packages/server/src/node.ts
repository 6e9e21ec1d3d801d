import { createRoomRouter, type ClusterSettings } from './cluster/index';
import type { MediaEngine } from './media/types';
import type { Config } from './service/config';
import { ConfabServer } from './service/ConfabServer';
import type { Logger } from './service/logger';
import type { TlsMaterial } from './service/tlsFiles';
import { roomOptionsFrom } from './service/roomOptions';

/** What the configuration does not say: cluster timings, for tests. */
export type ClusterOptions = Pick<ClusterSettings, 'timings'>;

/**
 * Wires one node: the router chosen by the configuration (one node, or a cluster member when
 * CONFAB_REDIS_URL is set: then this waits for Redis), injected into the edge. Call listen() next.
 */
export async function createNode(config: Config, media: MediaEngine, logger: Logger, tls?: TlsMaterial, cluster: ClusterOptions = {}): Promise<ConfabServer> {
  const router = await createRoomRouter({
    media,
    roomOptions: roomOptionsFrom(config, logger),
    maxRooms: config.maxRooms,
    logger,
    ...(config.redisUrl === undefined
      ? {}
      : { cluster: { redisUrl: config.redisUrl, nodeId: config.nodeId, nodeUrl: config.nodeUrl, host: config.host, logger, ...cluster } }),
  });
  return new ConfabServer(config, media, logger, router, tls);
}
