import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RtpCounter } from './RtpCounter';

test('longestGapMs is the longest wait between two packets since watchGaps()', async () => {
  const counter = new RtpCounter();
  counter.record(1, 10, 100, true);
  assert.equal(counter.longestGapMs, 0, 'one packet: no gap yet');
  await sleep(80);
  counter.record(1, 11, 100, false);
  assert.ok(counter.longestGapMs >= 75, `80 ms apart: ${counter.longestGapMs}`);
  counter.watchGaps();
  assert.equal(counter.longestGapMs, 0);
  counter.record(1, 12, 100, false);
  assert.ok(counter.longestGapMs < 75, 'measured afresh from the last packet');
});
