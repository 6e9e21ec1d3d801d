import { createRoomRouter } from './cluster/index';
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
