import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ttlSeconds } from './ttl';

test('ttl: seconds, or a number with s, m, h or d', () => {
  const cases: [number | string, number][] = [[600, 600], ['600', 600], ['90s', 90], ['15m', 900], ['6h', 21_600], [' 7d ', 604_800], ['2 h', 7200]];
  for (const [ttl, seconds] of cases) assert.equal(ttlSeconds(ttl), seconds, JSON.stringify(ttl));
});

test('ttl: anything else is a RangeError naming what was given', () => {
  for (const ttl of [0, -5, 1.5, Number.NaN, '', '0h', '-1h', '1.5h', '6 hours', '1w', 'h', '1e3']) {
    assert.throws(() => ttlSeconds(ttl), (error: unknown) => error instanceof RangeError && error.message.includes(JSON.stringify(ttl)), String(ttl));
  }
});
