import type { RoomOptions } from '../rooms/Room';
import type { Config } from './config';
import type { Logger } from './logger';
import { createIceServerSource } from './turnCredentials';

/** What every room on this node is told by the configuration. */
export function roomOptionsFrom(config: Config, logger: Logger): RoomOptions {
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
  };
}
