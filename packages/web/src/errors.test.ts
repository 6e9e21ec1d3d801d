import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError } from '@confab/client';
import {
  describeDeviceFailure,
  describeJoinError,
  describeJoinMediaErrors,
  describeMediaError,
  describeRecordingError,
  describeRemoval,
  errorCode,
  insecureContextMessage,
  mediaFailure,
  mediaSourceOf,
  pageCaptureProblem,
  passwordProblem,
} from './errors';

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
  assert.match(describeMediaError('camera', err('media_denied', 'permission to use the camera was denied'), true) ?? '', /^Camera access was blocked\. Allow it in your browser’s site settings.*then press the camera button\. You joined without your camera\.$/);
  assert.match(describeMediaError('microphone', ConfabError.fromMediaError('microphone', Object.assign(new Error('gone'), { name: 'NotFoundError' })), true) ?? '', /No microphone was found/);
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

const domError = (name: string) => Object.assign(new Error(`${name}: the browser said no`), { name });

test('denied, missing and busy devices each get their own message', () => {
  const denied = describeMediaError('camera', ConfabError.fromMediaError('camera', domError('NotAllowedError')), false) ?? '';
  const missing = describeMediaError('camera', ConfabError.fromMediaError('camera', domError('NotFoundError')), false) ?? '';
  const constrained = describeMediaError('camera', ConfabError.fromMediaError('camera', domError('OverconstrainedError')), false) ?? '';
  const busy = describeMediaError('camera', ConfabError.fromMediaError('camera', domError('NotReadableError')), false) ?? '';
  const aborted = describeMediaError('camera', ConfabError.fromMediaError('camera', domError('AbortError')), false) ?? '';
  assert.match(denied, /^Camera access was blocked\. Allow it in your browser’s site settings/);
  assert.match(missing, /^No camera was found\. Connect one/);
  assert.equal(constrained, missing);
  assert.match(busy, /^Your camera is in use by another app, or your system blocked it\. Close the other app/);
  assert.equal(aborted, busy);
  assert.equal(new Set([denied, missing, busy]).size, 3);
  for (const m of [denied, missing, busy]) assert.doesNotMatch(m, /HTTPS/);
});

test('raw DOMExceptions (no SDK in between) map the same way', () => {
  assert.equal(mediaFailure(domError('NotAllowedError')), 'permission_denied');
  assert.equal(mediaFailure(domError('NotFoundError')), 'not_found');
  assert.equal(mediaFailure(domError('NotReadableError')), 'device_in_use');
  assert.equal(mediaFailure(err('media_denied', 'x')), 'permission_denied');
  assert.equal(mediaFailure(err('media_unavailable', 'x')), 'other');
  assert.equal(mediaFailure(Object.assign(err('media_unavailable', 'x'), { cause: domError('NotReadableError') })), 'device_in_use');
});

test('plain HTTP from another host: HTTPS is named, "not found" is not', () => {
  assert.equal(pageCaptureProblem({ secureContext: false, hasMediaDevices: false }), 'insecure_context');
  assert.equal(pageCaptureProblem({ secureContext: false, hasMediaDevices: true }), 'insecure_context');
  assert.equal(pageCaptureProblem({ secureContext: true, hasMediaDevices: false }), 'other');
  assert.equal(pageCaptureProblem({ secureContext: true, hasMediaDevices: true }), null);
  const page = insecureContextMessage('10.0.0.5:8080');
  assert.equal(page.title, 'Camera and microphone need HTTPS');
  assert.match(page.message, /HTTPS \(or from localhost\)/);
  assert.match(page.message, /10\.0\.0\.5:8080/);
  assert.match(page.message, /deployment guide/);
  const joined = describeJoinMediaErrors(new Map([
    ['microphone', ConfabError.insecureContext('microphone')],
    ['camera', ConfabError.insecureContext('camera')],
  ] as const));
  assert.match(joined, /^Camera and microphone need HTTPS \(or localhost\)/);
  assert.doesNotMatch(joined, /found/);
});

test('both devices failing the same way share one sentence', () => {
  const both = (name: string) =>
    describeJoinMediaErrors(new Map([
      ['microphone', ConfabError.fromMediaError('microphone', domError(name))],
      ['camera', ConfabError.fromMediaError('camera', domError(name))],
    ] as const));
  assert.match(both('NotFoundError'), /^No camera or microphone was found\..* You joined without them\.$/);
  assert.match(both('NotReadableError'), /^Your camera and microphone are in use by another app/);
  assert.match(describeDeviceFailure('microphone', 'other', 'boom', 'try again'), /^Couldn’t start your microphone: boom\.$/);
});

const refused = (code: string, refusal: string, message: string) => Object.assign(new Error(message), { code, refusal });

test('token mode without a token: the invitation-link page, with the server’s words', () => {
  const p = describeJoinError(refused('unauthenticated', 'token_missing', 'an access token is required'), ctx);
  assert.equal(p.title, 'This meeting needs an invitation link');
  assert.equal(p.message, 'An access token is required.');
  assert.equal(p.retry, false);
  assert.equal(describeJoinError(refused('unauthenticated', 'token_expired', 'token expired'), ctx).title, 'This invitation link has expired');
});

test('banned, locked and turned away each read differently', () => {
  const banned = describeJoinError(refused('permission_denied', 'banned', 'banned'), ctx);
  const locked = describeJoinError(refused('permission_denied', 'room_locked', 'locked'), ctx);
  const denied = describeJoinError(refused('permission_denied', 'lobby_denied', 'denied'), ctx);
  assert.equal(banned.title, 'You can’t rejoin this meeting');
  assert.equal(banned.retry, false);
  assert.equal(locked.title, 'This meeting is locked');
  assert.equal(locked.retry, true);
  assert.equal(denied.title, 'A moderator did not let you in');
});

test('password refusals send the person back to the password field; other errors do not', () => {
  assert.match(passwordProblem(refused('permission_denied', 'password_required', 'x'), false) ?? '', /has a password/);
  assert.match(passwordProblem(refused('permission_denied', 'password_wrong', 'x'), true) ?? '', /^Wrong password/);
  assert.match(passwordProblem(err('rate_limited', 'slow down'), true) ?? '', /Too many wrong passwords/);
  assert.equal(passwordProblem(err('rate_limited', 'slow down'), false), null, 'without a password tried, it is the ordinary rate limit');
  assert.equal(passwordProblem(refused('permission_denied', 'banned', 'x'), true), null);
});

test('removals say why, and only a replaced session offers to join here', () => {
  assert.equal(describeRemoval('kicked', 'r').title, 'You were removed from the meeting');
  assert.equal(describeRemoval('banned', 'r').title, 'You were removed from the meeting');
  assert.match(describeRemoval('banned', 'r').message, /can’t rejoin/);
  assert.equal(describeRemoval('ended', 'r').title, 'The meeting has ended');
  assert.equal(describeRemoval('replaced', 'r').title, 'You joined from another tab or device');
  assert.equal(describeRemoval('denied', 'r').title, 'A moderator did not let you in');
  assert.deepEqual((['kicked', 'banned', 'ended', 'deleted', 'denied', undefined] as const).map((r) => describeRemoval(r, 'r').retry), [false, false, false, false, false, false]);
  assert.equal(describeRemoval('replaced', 'r').retry, true);
  // The meeting ended while we waited in its lobby: the join fails with the removal.
  assert.equal(describeJoinError(Object.assign(err('removed', 'ended'), { removal: 'ended' }), ctx).title, 'The meeting has ended');
});

test('a refused start or stop of recording says why, in the user’s terms', () => {
  assert.equal(describeRecordingError(err('permission_denied', 'moderators only'), true), 'Only moderators can start or stop recording.');
  assert.equal(describeRecordingError(err('conflict', 'already recording'), true), 'The meeting is being recorded already.');
  assert.equal(describeRecordingError(err('not_found', 'not recording'), false), 'The meeting isn’t being recorded.');
  assert.match(describeRecordingError(err('resource_exhausted', 'this server records 4 rooms already'), true), /^The server is recording as many meetings as it may\./);
  assert.equal(
    describeRecordingError(err('unavailable', 'the recordings folder /srv/rec cannot be written: EACCES'), true),
    'The server can’t record now. The recordings folder /srv/rec cannot be written: EACCES.',
  );
  assert.match(describeRecordingError(err('unavailable', 'socket closed'), false), /^Connection problem: socket closed\.$/, 'a stop that could not reach the server');
});
