import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, ProtocolError, type AccessClaims, type AccessGrants, type RefusalReason } from '@confab/protocol';
import { checkJoinGrant, permissionsFrom } from './grants';

function claims(grants: AccessGrants): AccessClaims {
  return { iss: 'app', sub: 'alice', exp: 2_000_000_000, grants };
}

function deniedFor(grants: AccessGrants, room: string, reason: RefusalReason, message: RegExp): void {
  assert.throws(
    () => checkJoinGrant(claims(grants), room),
    (error: unknown) => error instanceof ProtocolError && error.code === ErrorCode.PermissionDenied && error.reason === reason && message.test(error.message),
    JSON.stringify(grants),
  );
}

test('a token joins its own room; roomJoin absent counts as yes', () => {
  checkJoinGrant(claims({ room: 'standup', roomJoin: true }), 'standup');
  checkJoinGrant(claims({ room: 'standup' }), 'standup');
});

test('another room, no room, or roomJoin false is permission_denied with the reason', () => {
  deniedFor({ room: 'standup', roomJoin: true }, 'board', 'token_wrong_room', /is for room "standup", not "board"/);
  deniedFor({ roomList: true, roomCreate: true }, 'board', 'token_wrong_room', /is for no room, not "board"/);
  deniedFor({ room: 'standup', roomJoin: false }, 'standup', 'token_no_join', /does not allow joining/);
});

test('permissions: absent grants publish every source, subscribe and chat, but do not moderate', () => {
  assert.deepEqual(permissionsFrom({ room: 'standup' }), {
    canPublish: true,
    canPublishSources: ['microphone', 'camera', 'screen'],
    canSubscribe: true,
    canChat: true,
    moderator: false,
  });
  assert.deepEqual(permissionsFrom({ roomAdmin: true, canPublishSources: ['camera', 'microphone', 'camera'], canSubscribe: false, canChat: false }), {
    canPublish: true,
    canPublishSources: ['camera', 'microphone'],
    canSubscribe: false,
    canChat: false,
    moderator: true,
  });
  const listener = permissionsFrom({ canPublish: false, canPublishSources: ['screen'] });
  assert.deepEqual([listener.canPublish, listener.canPublishSources], [false, []], 'no sources without canPublish');
});
