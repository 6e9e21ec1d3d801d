import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from './errors';
import { PortBlocks } from './network';

test('port slices are disjoint (bar the shared spare), lowest first, reusable, and run out loudly', () => {
  const blocks = new PortBlocks(40000, 40006, 2); // slices start 40000, 40002, 40004
  assert.equal(blocks.available, 3);
  const a = blocks.acquire();
  const b = blocks.acquire();
  const c = blocks.acquire();
  assert.deepEqual([a, b, c], [[40000, 40002], [40002, 40004], [40004, 40006]]);
  assert.throws(() => blocks.acquire(), (err: unknown) => err instanceof MediaError && err.code === 'unavailable');
  blocks.release(b);
  assert.deepEqual(blocks.acquire(), b);
  assert.throws(() => new PortBlocks(40000, 40000, 1), (err: unknown) => err instanceof MediaError && err.code === 'invalid_argument');
});
