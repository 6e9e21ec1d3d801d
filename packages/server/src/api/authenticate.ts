import { ProtocolError, type AccessClaims } from '@confab/protocol';
import type { ApiKeys } from '../access/apiKeys';
import { verifyAccessToken } from '../access/verifyAccessToken';

const BEARER = /^Bearer +([^\s]+) *$/i;

/**
 * The claims of the `Authorization: Bearer <access token>` header. No header, another scheme, or a
 * token that does not verify is unauthenticated (AccessTokenError says which check failed).
 */
export async function authenticate(authorization: string | undefined, keys: ApiKeys): Promise<AccessClaims> {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (token === undefined) {
    throw ProtocolError.unauthenticated('the admin API needs "Authorization: Bearer <access token>", a token with roomList, roomCreate or roomAdmin grants');
  }
  return verifyAccessToken(token, keys);
}
