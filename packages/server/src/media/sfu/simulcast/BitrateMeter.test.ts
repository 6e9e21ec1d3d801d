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

test('a rise shows within a window, a fall within two seconds', () => {
  const meter = new BitrateMeter();
  for (let t = 0; t <= 2000; t += 10) meter.add(250, t);
  for (let t = 2010; t <= 2600; t += 10) meter.add(1000, t);
  assert.ok(Math.abs(meter.current(2600) - 800_000) < 20_000, `up: measured ${meter.current(2600)}`);
  for (let t = 2610; t <= 4600; t += 10) meter.add(250, t);
  assert.ok(Math.abs(meter.current(4600) - 200_000) < 20_000, `down: measured ${meter.current(4600)}`);
});

test('one quiet window does not make a layer look cheap', () => {
  const meter = new BitrateMeter();
  for (let t = 0; t <= 2000; t += 10) meter.add(1000, t);
  for (let t = 2010; t <= 2510; t += 100) meter.add(100, t); // a lull: the encoder dropped frames
  assert.ok(meter.current(2520) >= 750_000, `measured ${meter.current(2520)}`);
});

test("a key frame's burst raises the peak for 1.5 s, not the steady rate", () => {
  const meter = new BitrateMeter();
  for (let t = 0; t <= 2000; t += 10) meter.add(1000, t);
  meter.add(60_000, 2005); // a key frame: 60 kB at once
  for (let t = 2010; t <= 2600; t += 10) meter.add(1000, t);
  assert.ok(meter.current(2600) > 1_500_000, `peak: measured ${meter.current(2600)}`);
  assert.ok(Math.abs(meter.currentSteady(2600) - 800_000) < 20_000, `steady: measured ${meter.currentSteady(2600)}`);
  assert.equal(meter.currentSteady(5000), 0, 'stopped');
});
