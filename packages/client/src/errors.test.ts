import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError } from './errors';

test('factories set code and reason', () => {
  const timeout = ConfabError.timeout('join');
  assert.equal(timeout.code, 'timeout');
  assert.equal(timeout.reason, 'join timed out');
  assert.equal(timeout.message, timeout.reason);
  assert.ok(timeout instanceof Error);
  assert.equal(ConfabError.fromServer('conflict', 'already joined').code, 'conflict');
  assert.equal(ConfabError.closed().code, 'closed');
  assert.equal(ConfabError.connectionFailed('no route').code, 'connection_failed');
});

test('media errors map to media_denied / media_unavailable', () => {
  const denied = ConfabError.fromMediaError('camera', Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }));
  assert.equal(denied.code, 'media_denied');
  const missing = ConfabError.fromMediaError('microphone', Object.assign(new Error('Requested device not found'), { name: 'NotFoundError' }));
  assert.equal(missing.code, 'media_unavailable');
  assert.match(missing.reason, /microphone unavailable: Requested device not found/);
  assert.ok(missing.cause instanceof Error);
});

test('media errors say which device failed', () => {
  const denied = ConfabError.fromMediaError('camera', Object.assign(new Error('no'), { name: 'NotAllowedError' }));
  assert.equal(denied.code, 'media_denied');
  assert.equal(denied.source, 'camera');
  const missing = ConfabError.fromMediaError('microphone', Object.assign(new Error('Requested device not found'), { name: 'NotFoundError' }));
  assert.equal(missing.code, 'media_unavailable');
  assert.equal(missing.source, 'microphone');
  assert.equal(ConfabError.timeout('join').source, undefined);
});
