import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leastLoaded } from './placement';

test('a new room goes to the worker with the fewest routers plus transports', () => {
  assert.equal(leastLoaded([{ routers: 1, transports: 40 }, { routers: 3, transports: 6 }]), 1);
  assert.equal(leastLoaded([{ routers: 0, transports: 0 }, { routers: 0, transports: 0 }]), 0, 'ties: the lowest index');
  assert.equal(leastLoaded([{ routers: 2, transports: 2 }, { routers: 1, transports: 3 }]), 1, 'same weight: fewer routers');
  assert.equal(leastLoaded([{ routers: 1, transports: 0 }, { routers: 0, transports: 0 }, { routers: 0, transports: 0 }]), 1);
});

test('workers being replaced get nothing; with none left there is no answer', () => {
  assert.equal(leastLoaded([undefined, { routers: 9, transports: 900 }]), 1);
  assert.equal(leastLoaded([undefined, undefined]), -1);
  assert.equal(leastLoaded([]), -1);
});
