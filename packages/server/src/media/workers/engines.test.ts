import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from '../errors';
import { portShare } from './engines';

test('each engine instance gets an equal, disjoint share of the port range', () => {
  assert.deepEqual(portShare(40000, 40009, { index: 0, count: 2 }), [40000, 40004]);
  assert.deepEqual(portShare(40000, 40009, { index: 1, count: 2 }), [40005, 40009]);
  assert.deepEqual(portShare(40000, 40010, { index: 2, count: 3 }), [40006, 40008], 'the remainder stays unused');
  assert.deepEqual(portShare(40000, 40009, { index: 0, count: 1 }), [40000, 40009], 'in-process: all of it');
  assert.equal(portShare(undefined, undefined, { index: 0, count: 2 }), undefined, 'no range: any port');
});

test('a range too small to share is refused with a clear error', () => {
  assert.throws(
    () => portShare(40000, 40004, { index: 0, count: 3 }),
    (err: unknown) => err instanceof MediaError && err.code === 'invalid_argument' && /too small for 3 media workers/.test(err.message),
  );
});
