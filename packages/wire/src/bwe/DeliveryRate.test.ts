import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryRate } from './DeliveryRate';

test('what got through over the newest reports that span the window, when we sent enough', () => {
  const rate = new DeliveryRate(100);
  assert.equal(rate.delivered(0), Infinity, 'no reports: nothing known');
  // 40 ms reports: 20 kB sent in each, 5 kB of it arrived (4 Mbps pushed into 1 Mbps).
  for (let t = 0; t < 400; t += 40) rate.add(t, t + 39, 20_000, 5_000);
  const bps = rate.delivered(1_000_000);
  assert.ok(Math.abs(bps - 1_000_000) < 150_000, `delivered ${bps}`);
  assert.equal(rate.delivered(10_000_000), Infinity, 'sending less than asked for: no measurement');
});

test('a window not yet spanned says nothing', () => {
  const rate = new DeliveryRate(100);
  rate.add(0, 30, 10_000, 1_000);
  rate.add(31, 60, 10_000, 1_000);
  assert.equal(rate.delivered(0), Infinity);
});
