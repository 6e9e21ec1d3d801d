import { ProtocolError, SessionCloseCode, type ServerMessage } from '@confab/protocol';
import { MediaError } from '../media/errors';

/** WebSocket close codes we use (RFC 6455 section 7.4.1). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** Never sent: what the close event reports when the connection died without a close frame. */
  Abnormal: 1006,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
  SessionMoved: SessionCloseCode.SessionMoved,
  ClientReconnecting: SessionCloseCode.Reconnecting,
  RoomMoved: SessionCloseCode.RoomMoved,
  Removed: SessionCloseCode.Removed,
} as const;

/** The one mapping from anything thrown while serving a request to the wire. */
export function toErrorMessage(error: unknown, id?: number): Extract<ServerMessage, { type: 'error' }> {
  const wire = toProtocolError(error);
  return { type: 'error', ...(id === undefined ? {} : { id }), code: wire.code, message: wire.message, ...(wire.reason ? { reason: wire.reason } : {}) };
}

/** Errors the client may see as they are; anything else is a bug and says only "internal". */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (error instanceof MediaError && error.code !== 'internal') return new ProtocolError(error.code, error.message);
  return ProtocolError.internal();
}
