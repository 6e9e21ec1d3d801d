import { parseStun, StunClass, StunMethod, type StunMessage } from '@confab/wire';
import type { IceRegistry } from './IceRegistry';
import type { StunRequestHandler } from './IcePath';

export interface RoutedRequest {
  handler: StunRequestHandler;
  msg: StunMessage;
}

/**
 * The one STUN message a lite agent acts on: a Binding request carrying a USERNAME whose local
 * half is registered. Anything else (responses, indications, unknown ufrags, malformed) yields
 * null and is dropped by the mux: a lite agent sends no requests, so it expects no responses.
 */
export function routeStunRequest(buf: Buffer, length: number, registry: IceRegistry): RoutedRequest | null {
  const msg = parseStun(buf, length);
  if (msg === null || msg.messageClass !== StunClass.Request || msg.method !== StunMethod.Binding) return null;
  if (msg.username === undefined) return null;
  const handler = registry.lookupUsername(msg.username);
  return handler === undefined ? null : { handler, msg };
}
