import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapsBetween } from './cameraGaps';

test('a pause between frames, and one at the end, are gaps; frame spacing of a slow camera is not', () => {
  const frames = [0, 66, 133, 200, 2400, 2433, 2466];
  assert.deepEqual(gapsBetween(frames, 2500), [{ startMs: 200, endMs: 2400 }]);
  assert.deepEqual(gapsBetween(frames, 5000), [{ startMs: 200, endMs: 2400 }, { startMs: 2466, endMs: 5000 }]);
  assert.deepEqual(gapsBetween([0, 500, 1000, 1500], 1600), [], '2 frames a second is still a camera');
  assert.deepEqual(gapsBetween([], 1000), []);
});
