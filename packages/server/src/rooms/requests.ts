import type { ClientMessage, MessageOf, ServerMessage } from '@confab/protocol';

/*
 * What reaches a room from its participants, and what it says of them: the types the room shares
 * with its neighbours (admission, lobby, moves, the cluster's routers), kept apart from Room.ts so
 * that none of them imports the room to name a request.
 */

/** Where a room logs (pino's shape, narrowed to what rooms use). */
export interface RoomLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type JoinRequest = MessageOf<ClientMessage, 'join'>;
export type ResumeRequest = MessageOf<ClientMessage, 'resume'>;
/** Everything a joined participant may send. */
export type RoomCommand = Exclude<ClientMessage, { type: 'join' | 'resume' | 'ping' }>;
export type LeaveReason = MessageOf<ServerMessage, 'participant_left'>['reason'];
export type RemovalReason = MessageOf<ServerMessage, 'removed'>['reason'];
