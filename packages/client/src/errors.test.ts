import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError, mediaFailureOf } from './errors';

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

test('media failures: denied, not found, busy each have their own failure', () => {
  const from = (name: string) => ConfabError.fromMediaError('camera', Object.assign(new Error('x'), { name }));
  assert.equal(from('NotAllowedError').failure, 'permission_denied');
  assert.equal(from('SecurityError').failure, 'permission_denied');
  assert.equal(from('NotFoundError').failure, 'not_found');
  assert.equal(from('OverconstrainedError').failure, 'not_found');
  assert.equal(from('NotReadableError').failure, 'device_in_use');
  assert.equal(from('AbortError').failure, 'device_in_use');
  assert.equal(from('TypeError').failure, 'other');
  assert.equal(from('NotReadableError').code, 'media_unavailable', 'codes stay as documented');
  const insecure = ConfabError.insecureContext('microphone');
  assert.deepEqual([insecure.code, insecure.failure, insecure.source], ['media_unavailable', 'insecure_context', 'microphone']);
  assert.equal(mediaFailureOf(insecure), 'insecure_context');
  assert.equal(ConfabError.timeout('join').failure, undefined);
});
