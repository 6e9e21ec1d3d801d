import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPEAKING_HOLD_MS, SPEAKING_THRESHOLD, rms, speakingAt } from './speaking';

test('rms of silence, a full-scale square wave and a sine', () => {
  assert.equal(rms(new Float32Array(128)), 0);
  assert.equal(rms(new Float32Array(0)), 0);
  assert.equal(rms(Float32Array.from({ length: 100 }, (_, i) => (i % 2 ? 1 : -1))), 1);
  const sine = Float32Array.from({ length: 1000 }, (_, i) => Math.sin((2 * Math.PI * i) / 100));
  assert.ok(Math.abs(rms(sine) - Math.SQRT1_2) < 1e-3);
});

test('speaking while loud, held for a while after, then off', () => {
  let state = speakingAt(SPEAKING_THRESHOLD * 2, 1000, -Infinity);
  assert.deepEqual(state, { speaking: true, lastLoudAt: 1000 });
  state = speakingAt(0, 1000 + SPEAKING_HOLD_MS - 1, state.lastLoudAt);
  assert.equal(state.speaking, true);
  state = speakingAt(0, 1000 + SPEAKING_HOLD_MS, state.lastLoudAt);
  assert.equal(state.speaking, false);
});

test('quiet from the start is not speaking', () => {
  assert.equal(speakingAt(SPEAKING_THRESHOLD / 2, 5, -Infinity).speaking, false);
});
