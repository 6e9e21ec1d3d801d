import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbePlanner } from './ProbePlanner';
import { PROBE_MAX_MS, ProbeResult } from './ProbeResult';

/**
 * A probe cluster of `bytes` in packets of `packet` bytes, sent evenly at `sendBps`, through a
 * token-bucket link of `linkBps` whose bucket (`bucket` bytes) is full when the probe starts, as
 * tc tbf shapes; returns what ProbeResult measured once every packet was reported.
 */
function probeThrough(sendBps: number, bytes: number, packet: number, linkBps: number, bucket: number): number {
  const result = new ProbeResult();
  let tokens = bucket;
  let clock = 0; // when the link last took a packet (ms)
  let measured = NaN;
  for (let i = 0, sent = 0; sent < bytes; i++, sent += packet) {
    const sendMs = (sent * 8000) / sendBps;
    // Tokens refill at the link's rate up to the bucket; a packet waits for enough of them.
    tokens = Math.min(bucket, tokens + ((Math.max(sendMs, clock) - clock) * linkBps) / 8000);
    clock = Math.max(sendMs, clock);
    if (tokens < packet) {
      clock += ((packet - tokens) * 8000) / linkBps;
      tokens = packet;
    }
    tokens -= packet;
    const rate = result.add(7, sendMs, clock, packet);
    if (!Number.isNaN(rate)) measured = rate;
  }
  return measured;
}

test('a probe through a shaped link measures the link, not the burst its idle bucket lets through', () => {
  const measured = probeThrough(1_000_000, 10_000, 255, 400_000, 3000);
  assert.ok(measured < 440_000 && measured > 300_000, `measured ${Math.round(measured)} bps through a 400 kbps link`);
});

test('a probe that fits the link measures what was sent', () => {
  const measured = probeThrough(1_000_000, 10_000, 255, 10_000_000, 3000);
  assert.ok(measured > 900_000 && measured <= 1_050_000, `measured ${Math.round(measured)} bps of a 1 Mbps probe over a 10 Mbps link`);
});

test('a cluster smaller than a probe is not judged: it would pass whole through a bucket and measure only that', () => {
  assert.ok(Number.isNaN(probeThrough(1_000_000, 2000, 255, 400_000, 3000)));
  // At a low rate a probe lasts PROBE_MAX_MS and carries less; that much is enough.
  const slow = probeThrough(200_000, (200_000 * PROBE_MAX_MS) / 8000, 255, 10_000_000, 3000);
  assert.ok(slow > 180_000 && slow < 220_000, `measured ${Math.round(slow)} bps of a 200 kbps probe`);
});

test('the planner does not probe for a while after the estimate came down', () => {
  const planner = new ProbePlanner();
  assert.ok(planner.plan(0, 500_000, 2_000_000) > 0, 'the first probe');
  planner.result(planner.clusterId, 1_000_000, 100);
  assert.ok(planner.plan(200, 1_000_000, 2_000_000) > 0, 'a success: the next at once');
  planner.backOff(300);
  assert.equal(planner.plan(1300, 400_000, 2_000_000), 0, 'a second after congestion: none');
  assert.ok(planner.plan(3400, 400_000, 2_000_000) > 0, 'three seconds after: probing again');
});

test('towards a link whose limit loss has shown, a probe goes at most 1.5x the estimate; after one gets through, the series climbs as usual', () => {
  const planner = new ProbePlanner();
  planner.plan(0, 2_000_000, 2_000_000);
  planner.backOff(100);
  assert.equal(planner.plan(3200, 400_000, 2_000_000, true), 600_000, 'loss-limited: 1.5x, not 2x');
  planner.result(planner.clusterId, 600_000, 3300);
  assert.equal(planner.plan(3400, 600_000, 2_000_000, false), 1_800_000, 'then 3x the new estimate');
  planner.backOff(3500);
  assert.equal(planner.plan(6600, 400_000, 2_000_000, false), 800_000, 'not loss-limited: 2x');
});

test('a probe that got through but did not raise the estimate ends the series: no probe again at once', () => {
  const planner = new ProbePlanner();
  planner.plan(0, 2_000_000, 2_000_000);
  planner.backOff(100);
  const target = planner.plan(3200, 200_000, 2_000_000, true);
  assert.equal(target, 300_000);
  planner.result(planner.clusterId, 290_000, 3300);
  assert.equal(planner.plan(3400, 200_000, 2_000_000, true), 0, 'the estimate stayed at 200 kbit/s: no probe at once');
  assert.equal(planner.plan(6300, 200_000, 2_000_000, true), 0, 'nor before three seconds');
  assert.equal(planner.plan(6500, 200_000, 2_000_000, true), 300_000, 'then again');
});
