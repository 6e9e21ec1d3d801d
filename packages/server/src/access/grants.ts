import { ErrorCode, ProtocolError, TrackSource, type AccessClaims, type AccessGrants, type Permissions } from '@confab/protocol';

/** A verified token may still be for another room, or not for joining at all (an admin API token). */
export function checkJoinGrant(claims: AccessClaims, room: string): void {
  const { grants } = claims;
  if (grants.roomJoin === false) {
    throw new ProtocolError(ErrorCode.PermissionDenied, 'this access token does not allow joining rooms', 'token_no_join');
  }
  if (grants.room !== room) {
    const forRoom = grants.room === undefined ? 'is for no room' : `is for room "${grants.room}"`;
    throw new ProtocolError(ErrorCode.PermissionDenied, `this access token ${forRoom}, not "${room}"`, 'token_wrong_room');
  }
}

/** What a token's holder may do in the room: absent grants mean publish (every source), subscribe and chat, but not moderate. */
export function permissionsFrom(grants: AccessGrants): Permissions {
  const canPublish = grants.canPublish ?? true;
  return {
    canPublish,
    canPublishSources: canPublish ? [...new Set(grants.canPublishSources ?? TrackSource.options)] : [],
    canSubscribe: grants.canSubscribe ?? true,
    canChat: grants.canChat ?? true,
    moderator: grants.roomAdmin ?? false,
  };
}
