import type { AddressInfo } from 'node:net';
import { createRoomRouter } from './cluster/index';
import { createMediaPlane } from './media/index';
import type { MediaEngine } from './media/types';
import type { Config } from './service/config';
import { ConfabServer } from './service/ConfabServer';
import type { Logger } from './service/logger';
import type { TlsMaterial } from './service/tlsFiles';
import { roomOptionsFrom } from './service/roomOptions';

/** Wires one node: the router chosen by the configuration, injected into the edge. */
export function createNode(config: Config, media: MediaEngine, logger: Logger, tls?: TlsMaterial): ConfabServer {
  const router = createRoomRouter({ media, roomOptions: roomOptionsFrom(config, logger), maxRooms: config.maxRooms, logger });
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
 * Starts one node from its configuration: the media plane (on CONFAB_MEDIA_WORKERS worker
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
        engine: config.mediaEngine,
        rtcPort: config.rtcPort,
        rtcTcpPort: config.rtcTcpPort,
        rtcMinPort: config.rtcMinPort,
        rtcMaxPort: config.rtcMaxPort,
        announcedAddresses: config.publicIps,
      },
      logger,
      logLevel: config.logLevel,
    });
  } catch (err) {
    throw new NodeStartError('media', err);
  }
  const server = createNode(config, media, logger, tls);
  try {
    return { server, address: await server.listen() };
  } catch (err) {
    await media.close().catch(() => {});
    throw new NodeStartError('listen', err);
  }
}
