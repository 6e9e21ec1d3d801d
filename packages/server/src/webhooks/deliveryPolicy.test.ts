import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs, verdictOf } from './deliveryPolicy';

test('verdictOf: 2xx accepted; 408, 429 and 5xx retried; other 4xx and 3xx rejected', () => {
  for (const status of [200, 201, 204, 299]) assert.equal(verdictOf(status), 'accepted', String(status));
  for (const status of [408, 429, 500, 502, 503, 504]) assert.equal(verdictOf(status), 'retry', String(status));
  for (const status of [301, 302, 400, 401, 403, 404, 410, 413, 422]) assert.equal(verdictOf(status), 'rejected', String(status));
});

test('retryDelayMs doubles from the base, within ±20 % jitter, never over the cap', () => {
  const middle = () => 0.5;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 2000].map((n) => retryDelayMs(n, 500, 30_000, middle)), [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(retryDelayMs(1, 500, 30_000, () => 0), 400);
  assert.equal(retryDelayMs(1, 500, 30_000, () => 1), 600);
  assert.equal(retryDelayMs(7, 500, 30_000, () => 0), 25_600, 'jitter still spreads the delays near the cap');
  assert.equal(retryDelayMs(7, 500, 30_000, () => 1), 30_000);
});
