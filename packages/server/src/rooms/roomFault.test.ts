import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '@confab/protocol';
import { MediaError } from '../media/errors';
import { isRoomFault, roomFailedError, roomMediaFailedError } from './roomFault';

test('refusals are not faults; bugs are', () => {
  assert.equal(isRoomFault(ProtocolError.invalid('bad')), false);
  assert.equal(isRoomFault(ProtocolError.exhausted('full')), false);
  assert.equal(isRoomFault(MediaError.invalidArgument('offer rejected')), false);
  assert.equal(isRoomFault(MediaError.unavailable('no free media ports')), false);
  assert.equal(isRoomFault(new TypeError("Cannot read properties of undefined (reading 'ssrc')")), true);
  assert.equal(isRoomFault(new MediaError('internal', 'werift broke')), true);
  assert.equal(isRoomFault(ProtocolError.internal()), true);
  assert.equal(isRoomFault('a thrown string'), true);
});

test('members of a failed room are told in words what happened and what to do', () => {
  const error = roomFailedError('standup');
  assert.equal(error.code, 'internal');
  assert.match(error.message, /room "standup" .* closed; join it again/);
});

test('members of a room whose media failed are told it was the media, and to join again', () => {
  const error = roomMediaFailedError('standup');
  assert.equal(error.code, 'unavailable');
  assert.match(error.message, /media for room "standup" failed; join it again/);
});
