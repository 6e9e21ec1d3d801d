import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumFreezes, type Frame } from './frameRecorder';

/** 30 fps frames from `atMs`, each shown 5 ms after it arrived, arriving as captured. */
function steady(count: number, atMs = 0, rtpTimestamp = 0): Frame[] {
  return Array.from({ length: count }, (_, i): Frame => [atMs + i * 33 + 5, 720, atMs + i * 33, (rtpTimestamp + i * 2970) >>> 0]);
}

test('chromiumFreezes: a frame over max(3 × mean, mean + 150 ms) late is a freeze, counted once the mean has 5 intervals', () => {
  const early: Frame[] = [...steady(3), ...steady(3, 400, 3 * 2970 + 400 * 90)];
  assert.deepEqual(chromiumFreezes(early, 0, 10_000), [], 'not before 5 intervals');
  const frames = [...steady(10), ...steady(10, 9 * 33 + 175, 9 * 2970 + 175 * 90)];
  assert.deepEqual(chromiumFreezes(frames, 0, 10_000), [], '175 ms after a 33 ms mean is under mean + 150');
  const frozen = [...steady(10), ...steady(10, 9 * 33 + 200, 9 * 2970 + 200 * 90)];
  assert.deepEqual(
    chromiumFreezes(frozen, 0, 10_000).map((f) => [f.atMs - 5, Math.round(f.ms)]),
    [[9 * 33 + 200, 200]],
  );
  assert.deepEqual(chromiumFreezes(frozen, 9 * 33 + 100, 10_000), [], 'frames before fromMs are not counted');
});

test('chromiumFreezes: heldBackMs is what the frame ending a freeze arrived later than its capture spacing, across the RTP wrap', () => {
  const start = 2 ** 32 - 5 * 2970;
  // The publisher made nothing for 250 ms: the frame arrives as captured.
  const publisher = [...steady(10, 0, start), ...steady(5, 9 * 33 + 250, start + 9 * 2970 + 250 * 90)];
  assert.deepEqual(chromiumFreezes(publisher, 0, 10_000).map((f) => Math.round(f.heldBackMs)), [0]);
  // The next frame, captured on time, arrived 250 ms late (a lost packet repaired late).
  const late: Frame[] = [...steady(10, 0, start), [9 * 33 + 255 + 33, 720, 9 * 33 + 250 + 33, (start + 10 * 2970) >>> 0]];
  assert.deepEqual(chromiumFreezes(late, 0, 10_000).map((f) => Math.round(f.heldBackMs)), [250]);
  // It arrived on time, and was shown 250 ms later (the viewer's own Chromium).
  const shownLate: Frame[] = [...steady(10, 0, start), [10 * 33 + 250, 720, 10 * 33, (start + 10 * 2970) >>> 0]];
  assert.deepEqual(chromiumFreezes(shownLate, 0, 10_000).map((f) => Math.round(f.heldBackMs)), [0]);
});
