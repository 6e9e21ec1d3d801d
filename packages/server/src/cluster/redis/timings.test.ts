import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterTimings, DEFAULT_TIMINGS, probeTimeoutMs, slowRenewalMs, stallThresholdMs } from './timings';

test('the defaults hold: lease 4 s renewed every 500 ms, fenced a second early, registry refreshed every second with a 3 s expiry', () => {
  assert.deepEqual(clusterTimings(), DEFAULT_TIMINGS);
  assert.deepEqual([DEFAULT_TIMINGS.leaseMs, DEFAULT_TIMINGS.renewMs, DEFAULT_TIMINGS.fenceMarginMs, DEFAULT_TIMINGS.nodeTtlMs, DEFAULT_TIMINGS.refreshMs], [4_000, 500, 1_000, 3_000, 1_000]);
});

test('a probe started at the first slow renewal ends before the fence deadline', () => {
  for (const t of [DEFAULT_TIMINGS, clusterTimings({ leaseMs: 2_000, renewMs: 400, fenceMarginMs: 600, nodeTtlMs: 1_500, refreshMs: 400 })]) {
    const lastGoodRenewal = 0;
    const probeStarts = lastGoodRenewal + t.renewMs + slowRenewalMs(t);
    const probeEnds = probeStarts + 2 * probeTimeoutMs(t);
    assert.ok(probeEnds <= lastGoodRenewal + t.leaseMs - t.fenceMarginMs, JSON.stringify(t));
    assert.ok(stallThresholdMs(t) > 2 * t.refreshMs, 'a busy node is not a stalled Redis');
  }
});

test('timings that cannot keep the promise are refused', () => {
  assert.throws(() => clusterTimings({ fenceMarginMs: 0 }), /fenceMarginMs > 0/);
  assert.throws(() => clusterTimings({ renewMs: 2_000 }), /2 × renewMs <= leaseMs - fenceMarginMs/);
  assert.throws(() => clusterTimings({ refreshMs: 2_000 }), /2 × refreshMs <= nodeTtlMs/);
  assert.throws(() => clusterTimings({ callTimeoutMs: 100 }), /callTimeoutMs >= renewMs/);
});
