import { ProtocolError, type AccessGrants } from '@confab/protocol';
import type { AdminGrant } from './AdminRoute';

/**
 * Lets the call through if the token holds any one of `allowed`. roomAdmin counts only for `room`
 * (a token naming no room is roomAdmin of every room). permission_denied names what was missing.
 */
export function authorize(grants: AccessGrants, allowed: readonly AdminGrant[], room: string | undefined): void {
  if (allowed.some((grant) => holds(grants, grant, room))) return;
  const needed = allowed.map((grant) => (grant === 'roomAdmin' ? `roomAdmin for room "${room}"` : grant)).join(', or ');
  const elsewhere = allowed.includes('roomAdmin') && grants.roomAdmin === true ? ` (its roomAdmin is for room "${grants.room}")` : '';
  throw ProtocolError.denied(`this call needs an access token with ${needed}${elsewhere}`);
}

function holds(grants: AccessGrants, grant: AdminGrant, room: string | undefined): boolean {
  if (grant !== 'roomAdmin') return grants[grant] === true;
  return grants.roomAdmin === true && room !== undefined && (grants.room === undefined || grants.room === room);
}
