import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitrateMeter } from './BitrateMeter';

test('a steady 100 packets/s of 1000 bytes measures 800 kbps, and 0 once it stops', () => {
  const meter = new BitrateMeter();
  for (let t = 0; t <= 2000; t += 10) meter.add(1000, t);
  assert.ok(Math.abs(meter.current(2000) - 800_000) < 20_000, `measured ${meter.current(2000)}`);
  assert.equal(meter.active(2000), true);
  assert.equal(meter.current(4000), 0);
  assert.equal(meter.active(4000), false);
});

test('a rate change shows within a second', () => {
  const meter = new BitrateMeter();
  for (let t = 0; t <= 2000; t += 10) meter.add(1000, t);
  for (let t = 2010; t <= 3000; t += 10) meter.add(250, t);
  assert.ok(Math.abs(meter.current(3000) - 200_000) < 20_000, `measured ${meter.current(3000)}`);
});
