import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forceRelayRequested } from './diagnostics';

test('?relay=1 forces TURN relay; anything else does not', () => {
  assert.equal(forceRelayRequested('?name=Ann&relay=1&prejoin=0'), true);
  for (const search of ['', '?name=Ann', '?relay=0', '?relay=', '?relay=yes']) assert.equal(forceRelayRequested(search), false, search);
});
