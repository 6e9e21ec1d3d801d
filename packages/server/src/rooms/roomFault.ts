import { ErrorCode, ProtocolError } from '@confab/protocol';
import { MediaError } from '../media/errors';

/**
 * True for an error a room does not expect: not a refusal of the request (ProtocolError) nor media
 * turning it down (a MediaError with a code a client may see), but a bug. The room's state may be
 * half-changed, so the room is failed and closed rather than trusted with the next command.
 */
export function isRoomFault(error: unknown): boolean {
  if (error instanceof ProtocolError) return error.code === ErrorCode.Internal;
  if (error instanceof MediaError) return error.code === 'internal';
  return true;
}

/** What every member of a failed room is told, just before its connection is ended. */
export function roomFailedError(room: string): ProtocolError {
  return ProtocolError.internal(`room "${room}" hit a server error and was closed; join it again to start a fresh one`);
}

/** What every member of a room whose media worker died is told, just before its connection is ended. */
export function roomMediaFailedError(room: string): ProtocolError {
  return ProtocolError.unavailable(`media for room "${room}" failed; join it again to start a fresh one`);
}
