import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryRate } from './DeliveryRate';

test('what got through over the newest reports that span the window, when we sent enough', () => {
  const rate = new DeliveryRate(100);
  assert.equal(rate.delivered(0, 0.5, 0), Infinity, 'no reports: nothing known');
  // 40 ms reports: 20 kB sent in each, 5 kB of it arrived (4 Mbps pushed into 1 Mbps).
  for (let t = 0; t < 400; t += 40) rate.add(t, t + 39, 16, 20_000, 4, 5_000);
  const bps = rate.delivered(1_000_000, 0.5, 0);
  assert.ok(Math.abs(bps - 1_000_000) < 150_000, `delivered ${bps}`);
  assert.equal(rate.delivered(10_000_000, 0.5, 0), Infinity, 'sending less than asked for: no measurement');
});

test('a window not yet spanned says nothing', () => {
  const rate = new DeliveryRate(100);
  rate.add(0, 30, 8, 10_000, 1, 1_000);
  rate.add(31, 60, 8, 10_000, 1, 1_000);
  assert.equal(rate.delivered(0, 0.5, 0), Infinity);
});

test('the window reaches back until it names enough packets, enough of them received, each report of them lossy', () => {
  const rate = new DeliveryRate(50, 20, 4);
  rate.add(0, 60, 29, 34_800, 29, 34_800); // all through: sent before the link narrowed
  rate.add(60, 120, 29, 34_800, 23, 27_600); // the cap began: 20 % lost
  rate.add(120, 180, 29, 34_800, 3, 3_600); // 3 through: too few to read alone
  assert.equal(rate.delivered(0, 0.5, 0), Infinity, 'not over a report that lost less');
  rate.add(180, 240, 29, 34_800, 2, 2_400);
  assert.equal(rate.delivered(0, 0.5, 0), (6_000 * 8000) / 120, 'over the two that lost most');
  assert.equal(rate.delivered(0, 0.5, 150), Infinity, 'not over packets sent before sentFromMs');
  assert.equal(rate.delivered(0, 0.95, 0), Infinity, 'not over reports that lost less than asked');
});
