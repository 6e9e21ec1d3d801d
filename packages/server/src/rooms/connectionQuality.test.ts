import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransportStats } from '../media/types';
import { ConnectionQualityTracker, IMPROVE_AFTER_MS, scoreLink, SILENT_MS } from './connectionQuality';

function stats(over: Partial<TransportStats> = {}): TransportStats {
  return { lossFraction: 0, jitterMs: 5, rttMs: 20, packets: 100, wantedBitrate: 1_000_000, availableBitrate: -1, ...over };
}

test('a clean link is excellent; unknown measures count as fine', () => {
  assert.equal(scoreLink(stats()), 'excellent');
  assert.equal(scoreLink(stats({ lossFraction: -1, jitterMs: -1, rttMs: -1, wantedBitrate: -1 })), 'excellent');
});

test('loss: 3% is good, 12% is poor', () => {
  assert.equal(scoreLink(stats({ lossFraction: 0.01 })), 'excellent');
  assert.equal(scoreLink(stats({ lossFraction: 0.03 })), 'good');
  assert.equal(scoreLink(stats({ lossFraction: 0.12 })), 'poor');
});

test('jitter and round-trip time', () => {
  assert.equal(scoreLink(stats({ jitterMs: 40 })), 'good');
  assert.equal(scoreLink(stats({ jitterMs: 150 })), 'poor');
  assert.equal(scoreLink(stats({ rttMs: 300 })), 'good');
  assert.equal(scoreLink(stats({ rttMs: 800 })), 'poor');
});

test('an estimate that does not cover what the participant should receive', () => {
  assert.equal(scoreLink(stats({ availableBitrate: 2_000_000 })), 'excellent');
  assert.equal(scoreLink(stats({ availableBitrate: 700_000 })), 'good');
  assert.equal(scoreLink(stats({ availableBitrate: 400_000 })), 'poor');
  // Nothing to receive: nothing to cover.
  assert.equal(scoreLink(stats({ availableBitrate: 100_000, wantedBitrate: 0 })), 'excellent');
});

test('the worse link decides; worse is announced at once, better after it held', () => {
  const q = new ConnectionQualityTracker();
  assert.equal(q.quality, 'excellent');
  q.onStats('publish', stats(), 0);
  q.onStats('subscribe', stats({ lossFraction: 0.2 }), 0);
  assert.equal(q.evaluate(0, false), 'poor');
  assert.equal(q.evaluate(500, false), undefined);
  q.onStats('subscribe', stats(), 1000);
  assert.equal(q.evaluate(1000, false), undefined, 'not better at once');
  q.onStats('subscribe', stats(), 2000);
  q.onStats('publish', stats(), 2000);
  assert.equal(q.evaluate(2000, false), undefined);
  q.onStats('subscribe', stats(), 3000);
  q.onStats('publish', stats(), 3000);
  assert.equal(q.evaluate(1000 + IMPROVE_AFTER_MS, false), 'excellent');
  assert.equal(q.quality, 'excellent');
});

test('signaling reconnecting is lost at once; back is announced after it held', () => {
  const q = new ConnectionQualityTracker();
  assert.equal(q.evaluate(0, true), 'lost');
  assert.equal(q.evaluate(100, false), undefined);
  assert.equal(q.evaluate(100 + IMPROVE_AFTER_MS, false), 'excellent');
});

test('a link that stops reporting is lost; a closed one does not count', () => {
  const q = new ConnectionQualityTracker();
  q.onStats('publish', stats(), 0);
  assert.equal(q.evaluate(SILENT_MS, false), undefined);
  assert.equal(q.evaluate(SILENT_MS + 100, false), 'lost');
  q.forget('publish');
  assert.equal(q.evaluate(SILENT_MS + 200, false), undefined);
  assert.equal(q.evaluate(SILENT_MS + 200 + IMPROVE_AFTER_MS, false), 'excellent');
});
