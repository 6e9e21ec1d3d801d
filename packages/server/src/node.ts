import type { AddressInfo } from 'node:net';
import { createRoomRouter, RedisStartupError, type ClusterSettings } from './cluster/index';
import { createMediaPlane } from './media/index';
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
  if (config.apiKeys === undefined) {
    logger.warn({}, 'open mode: anyone who knows a room name may join it, and its first member moderates it; set CONFAB_API_KEYS to require access tokens (docs/security.md)');
  } else {
    logger.info({ keys: [...config.apiKeys.keys()] }, 'token mode: joining needs an access token');
  }
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

/** What failed in startNode: the media plane (e.g. CONFAB_RTC_PORT taken) or listening (e.g. CONFAB_PORT taken); `cause` says why. */
export class NodeStartError extends Error {
  constructor(
    readonly stage: 'media' | 'listen',
    cause: unknown,
  ) {
    super(stage === 'media' ? 'media engine did not start' : 'cannot listen', { cause });
    this.name = 'NodeStartError';
  }
}

/**
 * Starts one node from its configuration (in cluster mode it waits for Redis, saying why on each try): the media plane (on CONFAB_MEDIA_WORKERS worker
 * threads, or in this thread for 0), the node around it, listening. `npm start` runs this, and so
 * do tools that need a whole node in their own process. Throws a NodeStartError naming what failed;
 * media that did start is closed again.
 */
export async function startNode(config: Config, logger: Logger, tls?: TlsMaterial): Promise<{ server: ConfabServer; address: AddressInfo }> {
  let media: MediaEngine;
  try {
    media = await createMediaPlane({
      workers: config.mediaWorkers,
      settings: {
        rtcPort: config.rtcPort,
        rtcTcpPort: config.rtcTcpPort,
        announcedAddresses: config.publicIps,
      },
      logger,
      logLevel: config.logLevel,
    });
  } catch (err) {
    throw new NodeStartError('media', err);
  }
  try {
    const server = await createNode(config, media, logger, tls);
    return { server, address: await server.listen() };
  } catch (err) {
    await media.close().catch(() => {});
    // Redis refusing us, or our node id taken: the cluster's own one-line reason, as it is.
    throw err instanceof RedisStartupError ? err : new NodeStartError('listen', err);
  }
}
