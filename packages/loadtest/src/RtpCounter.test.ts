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
  assert.equal(counter.longGaps.length, 0, 'under 100 ms: not a long gap');
  await sleep(120);
  counter.record(1, 12, 100, false);
  assert.equal(counter.longGaps.length, 1);
  const [from, to] = counter.longGaps[0]!;
  assert.ok(to - from >= 115 && to === counter.lastAt, `a long gap, ending at the packet after it: ${from}..${to}`);
  counter.watchGaps();
  assert.equal(counter.longestGapMs, 0);
  assert.equal(counter.longGaps.length, 0, 'long gaps are forgotten with watchGaps()');
  counter.record(1, 13, 100, false);
  assert.ok(counter.longestGapMs < 75, 'measured afresh from the last packet');
});
