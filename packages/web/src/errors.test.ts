import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeJoinError, describeJoinMediaErrors, describeMediaError, errorCode, mediaSourceOf } from './errors';

const err = (code: string, message: string) => Object.assign(new Error(message), { code });
const ctx = { room: 'bad room!', serverUrl: 'http://localhost:8080' };

test('invalid room name from the server reads like the client-side message', () => {
  const p = describeJoinError(err('invalid_argument', 'join: room: room name must be 1-64 letters'), ctx);
  assert.match(p.message, /“bad room!” isn’t a valid room name/);
  assert.equal(p.retry, false);
});

test('invalid display name', () => {
  const p = describeJoinError(err('invalid_argument', 'join: name: name must be at most 64 characters'), ctx);
  assert.equal(p.title, 'That name won’t work');
  assert.match(p.message, /: name must be at most 64 characters\.$/);
});

test('unreachable server names the server', () => {
  for (const code of ['connection_failed', 'timeout']) {
    const p = describeJoinError(err(code, 'x'), ctx);
    assert.match(p.message, /^Can’t reach the Confab server at http:\/\/localhost:8080/);
    assert.equal(p.retry, true);
  }
});

test('media errors say which device and that you joined without it', () => {
  assert.match(describeMediaError('camera', err('media_denied', 'permission to use the camera was denied'), true) ?? '', /Camera access was blocked\. You joined without your camera/);
  assert.match(describeMediaError('microphone', err('media_unavailable', 'microphone unavailable: NotFoundError'), true) ?? '', /No microphone was found/);
  assert.equal(describeMediaError('screen', err('media_denied', 'x'), false), null);
});

test('both devices blocked: one sentence', () => {
  const failures = new Map([
    ['microphone', err('media_denied', 'permission to use the microphone was denied')],
    ['camera', err('media_denied', 'permission to use the camera was denied')],
  ] as const);
  assert.match(describeJoinMediaErrors(failures), /^Camera and microphone access were blocked/);
});

test('codes from ConfabError-likes and raw DOMExceptions', () => {
  assert.equal(errorCode(err('timeout', 'x')), 'timeout');
  assert.equal(errorCode(Object.assign(new Error('no'), { name: 'NotAllowedError' })), 'media_denied');
  assert.equal(errorCode('nope'), undefined);
  assert.equal(mediaSourceOf(Object.assign(err('media_denied', 'x'), { source: 'microphone' })), 'microphone');
  assert.equal(mediaSourceOf(Object.assign(err('media_unavailable', 'x'), { source: 'camera' })), 'camera');
  assert.equal(mediaSourceOf(err('media_unavailable', 'camera unavailable: busy')), undefined, 'never guessed from the text');
});
