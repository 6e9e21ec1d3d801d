import assert from 'node:assert/strict';
import { test } from 'node:test';
import { againstCapture } from './capturedClaps';

test('a capture whose sound drifts past half a loop from its flashes: each recorded clap is still judged against its own', () => {
  // Flashes every 2 s; the sound slips 100 ms a clap, from 800 ms late to 1,500 ms late (past the next flash).
  const flashes = Array.from({ length: 8 }, (_, i) => 10_000 + i * 2000);
  const beeps = flashes.map((f, i) => f + 800 + i * 100);
  const captured = { flashesMs: flashes, beepsMs: beeps, videoFrames: 0, audioChunks: 0, errors: [] };
  // The recording places video 3 ms late and audio 8 ms late: 5 ms added to every A/V offset.
  const matches = againstCapture(flashes.map((f) => f + 3), beeps.map((b) => b + 8), captured);
  assert.equal(matches.length, 8);
  assert.deepEqual(matches.map((m) => Math.round(m.errorMs)), [5, 5, 5, 5, 5, 5, 5, 5]);
  assert.deepEqual(matches.map((m) => Math.round(m.capturedMs)), [800, 900, 1000, 1100, 1200, 1300, 1400, 1500]);
  assert.deepEqual([...new Set(matches.map((m) => [Math.round(m.flashPlacementMs), Math.round(m.beepPlacementMs)].join('/')))], ['3/8']);
});
