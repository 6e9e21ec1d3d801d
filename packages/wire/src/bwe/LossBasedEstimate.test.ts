import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LossBasedEstimate, type LossReport } from './LossBasedEstimate';

const DELAY_BASED = 10_000_000;

/** A report of `packets` packets of 1,200 bytes sent evenly over [fromMs, toMs), `lost` of them lost. */
function report(packets: number, lost: number, fromMs: number, toMs: number): LossReport {
  return { received: packets - lost, lost, shadowedReceived: 0, shadowedLost: 0, receivedBytes: (packets - lost) * 1200, bytes: packets * 1200, firstSendMs: fromMs, lastSendMs: toMs };
}

test('losses of what was sent before a decrease do not cut again: the queue the link overflowed drains for a while', () => {
  const estimate = new LossBasedEstimate(2_000_000, 100_000);
  estimate.update(report(40, 0, 0, 100), DELAY_BASED, 2_000_000, 150);
  const first = estimate.update(report(40, 24, 100, 200), DELAY_BASED, 2_000_000, 400); // 60% lost: a bottleneck
  assert.ok(first < 1_500_000, `cut (${first})`);
  // 400 ms later, the report still names packets sent before the cut, as lossy: no second cut.
  const again = estimate.update(report(40, 16, 300, 450), DELAY_BASED, 2_000_000, 800);
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

test('a measurement of the link is taken at once, also within 300 ms of a cut whose measurement still counted what got through before', () => {
  const estimate = new LossBasedEstimate(2_000_000, 100_000);
  estimate.update(report(40, 0, 0, 100), DELAY_BASED, 2_000_000, 150);
  // The batch the cap began in: 60% lost, but what got through before the cap still counts (1.5 Mbps delivered).
  const first = estimate.update(report(40, 24, 100, 200), DELAY_BASED, 2_000_000, 400);
  assert.ok(first > 1_000_000 && first < 2_000_000, `a first cut (${first})`);
  // Sent after that cut, 30% lost, 100 ms later: an ordinary loss batch waits for the interval.
  assert.equal(estimate.update(report(40, 12, 420, 520), DELAY_BASED, 2_000_000, 500), first);
  // Sent after the cut, 90% lost: the link delivered 384 kbps of it. Down to that at once.
  const measured = estimate.update(report(40, 36, 540, 640), DELAY_BASED, 2_000_000, 600);
  assert.ok(Math.abs(measured - 384_000) < 1000, `to what the link delivered (${measured})`);
});

test('a bottleneck is measured also on packets sent before a cut: the first report of a cap, half of it sent before, cut only a little', () => {
  // As in CI under a 400 kbit/s cap (4.6 Mbit/s sent, a report every 60 ms as here): the first report
  // naming losses lost 20 % and cut 10 %; the next ones, all sent before that cut, were held back
  // 450 ms while most of every frame was lost. (Sent before the cut: measured all the same.)
  const estimate = new LossBasedEstimate(7_600_000, 100_000);
  estimate.update(report(29, 0, 0, 60), DELAY_BASED, 4_600_000, 200);
  const first = estimate.update(report(29, 6, 60, 120), DELAY_BASED, 4_600_000, 260);
  assert.ok(first > 6_000_000, `a small first cut (${first})`);
  // 3 through are too few to read, and the report before lost too little to read over.
  assert.equal(estimate.update(report(29, 26, 120, 180), DELAY_BASED, 4_600_000, 320), first);
  // The newest two reports, both sent before the cut: 5 through in 120 ms.
  const measured = estimate.update(report(29, 27, 180, 240), DELAY_BASED, 4_600_000, 380);
  assert.ok(Math.abs(measured - 400_000) < 1000, `to what the link delivered at once (${measured})`);
  // What was sent before that reading is not read again, though it reads lower.
  assert.equal(estimate.update(report(29, 28, 240, 300), DELAY_BASED, 4_600_000, 440), measured);
});

test("losses in a probe's shadow are left out of the ratio", () => {
  const shadowed = new LossBasedEstimate(2_000_000, 100_000);
  const plain = new LossBasedEstimate(2_000_000, 100_000);
  for (const estimate of [shadowed, plain]) estimate.update(report(40, 0, 0, 100), DELAY_BASED, 2_000_000, 150);
  // 40 packets, 8 lost, all of the lost and 12 of the received sent beside a probe.
  const probeReport = { ...report(40, 8, 100, 200), shadowedReceived: 12, shadowedLost: 8 };
  assert.ok(shadowed.update(probeReport, DELAY_BASED, 2_000_000, 400) >= 2_000_000, 'no cut: it climbs');
  assert.equal(shadowed.lossRatio, 0);
  assert.ok(plain.update(report(40, 8, 100, 200), DELAY_BASED, 2_000_000, 400) < 2_000_000, 'the same losses unshadowed: a cut');
});
