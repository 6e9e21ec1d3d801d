import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meterLevel, rmsOf } from './audioLevel';

test('rmsOf: silence 0, a full-scale square wave 1, a sine 1/sqrt(2)', () => {
  assert.equal(rmsOf(new Float32Array(64)), 0);
  assert.equal(rmsOf([]), 0);
  assert.equal(rmsOf(Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 1 : -1))), 1);
  const sine = Float32Array.from({ length: 4800 }, (_, i) => Math.sin((2 * Math.PI * i) / 48));
  assert.ok(Math.abs(rmsOf(sine) - Math.SQRT1_2) < 1e-3);
});

test('meterLevel: a dB scale from -60 dBFS (0) to 0 dBFS (1), clamped', () => {
  assert.equal(meterLevel(0), 0);
  assert.equal(meterLevel(Number.NaN), 0);
  assert.equal(meterLevel(0.0001), 0, '-80 dBFS reads as 0');
  assert.equal(meterLevel(1), 1);
  assert.equal(meterLevel(2), 1);
  assert.ok(Math.abs(meterLevel(10 ** (-30 / 20)) - 0.5) < 1e-9, '-30 dBFS is half way');
  assert.ok(meterLevel(0.1) > meterLevel(0.01), 'louder reads higher');
});
