import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QualityTracker, SELF, qualityFromLoss } from './quality';

test('loss thresholds', () => {
  assert.equal(qualityFromLoss(0), 'good');
  assert.equal(qualityFromLoss(0.019), 'good');
  assert.equal(qualityFromLoss(0.02), 'fair');
  assert.equal(qualityFromLoss(0.079), 'fair');
  assert.equal(qualityFromLoss(0.08), 'poor');
  assert.equal(qualityFromLoss(Number.NaN), 'unknown');
});

test('quality is computed from the change between polls, per participant and overall', () => {
  const t = new QualityTracker();
  const first = t.update([
    { trackId: 'a1', participantId: 'A', packetsReceived: 1000, packetsLost: 500 },
    { trackId: 'b1', participantId: 'B', packetsReceived: 1000, packetsLost: 0 },
  ]);
  // The first sample has no interval yet: history before it (even heavy loss) doesn't count.
  assert.equal(first.get('A'), 'unknown');
  const second = t.update([
    { trackId: 'a1', participantId: 'A', packetsReceived: 1090, packetsLost: 510 },
    { trackId: 'b1', participantId: 'B', packetsReceived: 1100, packetsLost: 0 },
  ]);
  assert.equal(second.get('A'), 'poor'); // 10 of 100
  assert.equal(second.get('B'), 'good');
  assert.equal(second.get(SELF), 'fair'); // 10 of 200
});

test('an interval with too few packets keeps the last verdict', () => {
  const t = new QualityTracker();
  t.update([{ trackId: 'a1', participantId: 'A', packetsReceived: 0, packetsLost: 0 }]);
  assert.equal(t.update([{ trackId: 'a1', participantId: 'A', packetsReceived: 100, packetsLost: 0 }]).get('A'), 'good');
  assert.equal(t.update([{ trackId: 'a1', participantId: 'A', packetsReceived: 102, packetsLost: 3 }]).get('A'), 'good');
});

test('a new track (resubscribe) does not count its history as loss', () => {
  const t = new QualityTracker();
  t.update([{ trackId: 'a1', participantId: 'A', packetsReceived: 100, packetsLost: 0 }]);
  t.update([{ trackId: 'a1', participantId: 'A', packetsReceived: 200, packetsLost: 0 }]);
  const q = t.update([{ trackId: 'a2', participantId: 'A', packetsReceived: 10, packetsLost: 900 }]);
  assert.equal(q.get('A'), 'good');
});
