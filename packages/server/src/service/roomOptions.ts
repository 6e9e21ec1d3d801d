import { OpenAccess } from '../access/OpenAccess';
import { TokenAccess } from '../access/TokenAccess';
import type { RoomOptions } from '../rooms/Room';
import { NO_ROOM_EVENTS } from '../webhooks/RoomEvents';
import type { Config } from './config';
import type { Logger } from './logger';
import { createIceServerSource } from './turnCredentials';

/** What every room on this node is told by the configuration; the router adds where bans are kept. */
export function roomOptionsFrom(config: Config, logger: Logger): Omit<RoomOptions, 'bans'> {
  return {
    maxParticipants: config.maxParticipantsPerRoom,
    iceServers: createIceServerSource(config.iceServers, config.turn),
    session: {
      resumeWindowMs: config.resumeWindowMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    },
    replayBufferSize: config.replayBufferSize,
    logger,
    access: config.apiKeys ? new TokenAccess(config.apiKeys) : new OpenAccess(),
    events: NO_ROOM_EVENTS,
    nodeId: config.nodeId,
  };
}
