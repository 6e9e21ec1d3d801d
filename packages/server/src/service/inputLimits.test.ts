import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientMessage, RoomName } from '@confab/protocol';
import { checkInputLimits } from './inputLimits';

const limits = { maxNameLength: 5, maxChatLength: 10 };
const join = (name: string): ClientMessage => ({ type: 'join', v: 1, room: 'r' as RoomName, name });

test('names and chat up to the limit pass; past it, invalid_argument naming the limit', () => {
  assert.equal(checkInputLimits(join('Alice'), limits), undefined);
  assert.equal(checkInputLimits({ type: 'chat', text: 'x'.repeat(10) }, limits), undefined);
  const name = checkInputLimits(join('Alicia'), limits);
  assert.equal(name?.code, 'invalid_argument');
  assert.equal(name?.message, 'name must be at most 5 characters on this server (got 6)');
  const chat = checkInputLimits({ type: 'chat', text: 'x'.repeat(11) }, limits);
  assert.equal(chat?.code, 'invalid_argument');
  assert.match(chat?.message ?? '', /at most 10 characters/);
  assert.equal(checkInputLimits({ type: 'status', status: 'away' }, limits), undefined, 'other messages have no such limit');
});
