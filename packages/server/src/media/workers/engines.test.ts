import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from '../errors';
import { portOfSlot } from './engines';

test('each engine instance listens on the base port plus its index; no base means any free port', () => {
  assert.equal(portOfSlot(40000, { index: 0, count: 2 }), 40000);
  assert.equal(portOfSlot(40000, { index: 1, count: 2 }), 40001);
  assert.equal(portOfSlot(0, { index: 1, count: 2 }), 0);
  assert.equal(portOfSlot(undefined, { index: 3, count: 4 }), 0);
});

test('a port past 65535 is refused with a clear error', () => {
  assert.throws(
    () => portOfSlot(65535, { index: 1, count: 2 }),
    (err: unknown) => err instanceof MediaError && err.code === 'invalid_argument' && /past 65535/.test(err.message),
  );
});
