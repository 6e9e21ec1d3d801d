import { ErrorCode, ProtocolError } from '@confab/protocol';
import type { AccessPolicy, Admission } from '../rooms/Admission';
import type { JoinRequest, ResumeRequest } from '../rooms/requests';
import { AccessTokenError } from './AccessTokenError';
import type { ApiKeys } from './apiKeys';
import { checkJoinGrant, permissionsFrom } from './grants';
import { verifyAccessToken } from './verifyAccessToken';

/**
 * Token mode (CONFAB_API_KEYS): only holders of a valid access token for the room join, as the
 * identity the token names, with what its grants allow. A token may expire during a call; a resume
 * needs a valid one for the same identity.
 */
export class TokenAccess implements AccessPolicy {
  readonly mode = 'token';

  constructor(private readonly keys: ApiKeys) {}

  async admitJoin(request: JoinRequest): Promise<Admission> {
    if (request.accessToken === undefined) throw AccessTokenError.missing();
    const claims = await verifyAccessToken(request.accessToken, this.keys);
    checkJoinGrant(claims, request.room);
    if (claims.sub === undefined) throw new AccessTokenError('token_malformed', 'this access token names no identity (sub); ask for a new one');
    const profile = {
      identity: claims.sub,
      // The app backend's name wins: it is the one the token vouches for.
      name: claims.name?.trim() || request.name,
      ...(claims.metadata === undefined ? {} : { metadata: claims.metadata }),
      hidden: claims.grants.hidden ?? false,
    };
    return { profile, permissions: permissionsFrom(claims.grants) };
  }

  async checkResume(request: ResumeRequest, identity: string): Promise<void> {
    if (request.accessToken === undefined) throw AccessTokenError.missing();
    const claims = await verifyAccessToken(request.accessToken, this.keys);
    checkJoinGrant(claims, request.room);
    if (claims.sub !== identity) throw new ProtocolError(ErrorCode.PermissionDenied, 'this access token is for someone else', 'token_wrong_identity');
  }
}
