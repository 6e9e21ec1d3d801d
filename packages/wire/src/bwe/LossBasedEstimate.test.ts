import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LossBasedEstimate, type LossReport } from './LossBasedEstimate';

const DELAY_BASED = 10_000_000;

/** A report of `packets` packets of 1,200 bytes sent evenly over [fromMs, toMs), `lost` of them lost. */
function report(packets: number, lost: number, fromMs: number, toMs: number): LossReport {
  return { received: packets - lost, lost, receivedBytes: (packets - lost) * 1200, bytes: packets * 1200, firstSendMs: fromMs, lastSendMs: toMs };
}

test('losses of what was sent before a decrease do not cut again: the queue the link overflowed drains for a while', () => {
  const estimate = new LossBasedEstimate(2_000_000, 100_000);
  estimate.update(report(40, 0, 0, 100), DELAY_BASED, 2_000_000, 150);
  const first = estimate.update(report(40, 24, 100, 200), DELAY_BASED, 2_000_000, 400); // 60% lost: a bottleneck
  assert.ok(first < 1_500_000, `cut (${first})`);
  // 400 ms later, the report still names packets sent before the cut, as lossy: no second cut.
  const again = estimate.update(report(40, 30, 300, 450), DELAY_BASED, 2_000_000, 800);
  assert.equal(again, first);
  // What was sent after the cut, as lossy, does cut.
  const later = estimate.update(report(40, 30, 500, 700), DELAY_BASED, 2_000_000, 1200);
  assert.ok(later < first, `${later} < ${first}`);
});

test('after a decrease it climbs slowly for a second, not at once to the acknowledged rate (which still counts what got through before)', () => {
  const estimate = new LossBasedEstimate(2_000_000, 100_000);
  estimate.update(report(40, 0, 0, 100), DELAY_BASED, 2_000_000, 150);
  const cut = estimate.update(report(40, 24, 100, 200), DELAY_BASED, 2_000_000, 400);
  const soon = estimate.update(report(40, 0, 450, 600), DELAY_BASED, 2_000_000, 700);
  assert.ok(soon < cut * 1.05, `300 ms after the cut: ${soon} from ${cut}, though 2 Mbps was acknowledged`);
  const afterASecond = estimate.update(report(40, 0, 1300, 1400), DELAY_BASED, 2_000_000, 1500);
  assert.equal(afterASecond, 2_000_000, 'a second on, no loss: at once to what gets through');
});
