import { OpenAccess } from '../access/OpenAccess';
import { TokenAccess } from '../access/TokenAccess';
import { CompositeQueue } from '../recording/composite/CompositeQueue';
import { NodeRecordings } from '../recording/NodeRecordings';
import type { RoomOptions } from '../rooms/Room';
import { NO_ROOM_EVENTS, type RoomEvents } from '../webhooks/RoomEvents';
import { WebhookNotifier } from '../webhooks/WebhookNotifier';
import type { Config } from './config';
import type { Logger } from './logger';
import { AccessMetrics, WebhookMetrics } from './metrics';
import { createIceServerSource } from './turnCredentials';

/** CONFAB_WEBHOOK_URLS: events signed with the first API key (config insists there is one). */
function webhooksFrom(config: Config, logger: Logger): RoomEvents {
  const [first] = config.apiKeys ?? [];
  if (config.webhookUrls.length === 0 || !first) return NO_ROOM_EVENTS;
  const [apiKey, apiSecret] = first;
  return new WebhookNotifier({ urls: config.webhookUrls, apiKey, apiSecret, logger, metrics: new WebhookMetrics() });
}

/** What every room on this node is told by the configuration; the router adds where bans are kept. */
export function roomOptionsFrom(config: Config, logger: Logger): Omit<RoomOptions, 'bans'> {
  return {
    maxParticipants: config.maxParticipantsPerRoom,
    iceServers: createIceServerSource(config.iceServers, config.turn),
    session: {
      resumeWindowMs: config.resumeWindowMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      ...(config.heartbeat === 'server' ? { serverPings: true } : {}),
    },
    replayBufferSize: config.replayBufferSize,
    logger,
    access: config.apiKeys ? new TokenAccess(config.apiKeys) : new OpenAccess(),
    events: webhooksFrom(config, logger),
    nodeId: config.nodeId,
    metrics: new AccessMetrics(),
    recordings: new NodeRecordings(config.recordingsDir, config.maxRecordings, config.nodeId, config.composite && new CompositeQueue(config.nodeId, { tools: config.composite }, logger)),
  };
}
