import type { MediaEngine } from '../media/types';
import type { RoomLogger, RoomOptions } from '../rooms/Room';
import { LocalDirectory } from './LocalDirectory';
import { LocalRouter } from './LocalRouter';
import type { RoomRouter } from './RoomRouter';

export type { RoomRouter, RoutedSession } from './RoomRouter';
export { LocalDirectory } from './LocalDirectory';

export interface RouterSettings {
  media: MediaEngine;
  roomOptions: RoomOptions;
  /** Rooms open at once on this node (CONFAB_MAX_ROOMS). */
  maxRooms: number;
  logger: RoomLogger;
}

/** The router for this node, chosen once at start-up: one node keeps every room in memory. */
export function createRoomRouter(settings: RouterSettings): RoomRouter {
  const rooms = new LocalDirectory(settings.media, settings.roomOptions, { maxRooms: settings.maxRooms });
  return new LocalRouter(rooms, settings.logger);
}
