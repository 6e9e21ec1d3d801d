import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError } from '@confab/client';
import {
  describeDeviceFailure,
  describeJoinError,
  describeJoinMediaErrors,
  describeMediaError,
  errorCode,
  insecureContextMessage,
  mediaFailure,
  mediaSourceOf,
  pageCaptureProblem,
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
