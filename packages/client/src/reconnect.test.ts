import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, isFinalClose } from './reconnect';

test('backoff starts at once, doubles to a 2 s ceiling, with ±20 % jitter', () => {
  const mid = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 9].map((a) => backoffDelay(a, mid)), [0, 100, 200, 400, 800, 1600, 2000, 2000]);
  assert.equal(backoffDelay(3, () => 0), 320);
  assert.equal(backoffDelay(3, () => 1), 480);
});

test('only abuse, size, a moved session and a removal end the room; anything else is retried', () => {
  for (const code of [1008, 1009, 4000, 4003]) assert.equal(isFinalClose(code), true, String(code));
  for (const code of [1000, 1001, 1006, 1011, 1013, 4001, 4002]) assert.equal(isFinalClose(code), false, String(code));
});
