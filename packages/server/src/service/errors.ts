import { ProtocolError, type ServerMessage } from '@confab/protocol';

/** WebSocket close codes we use (RFC 6455 section 7.4.1). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
} as const;

/** The one mapping from anything thrown while serving a request to the wire. */
export function toErrorMessage(error: unknown, id?: number): Extract<ServerMessage, { type: 'error' }> {
  const wire = error instanceof ProtocolError ? error : ProtocolError.internal();
  return { type: 'error', ...(id === undefined ? {} : { id }), code: wire.code, message: wire.message };
}
