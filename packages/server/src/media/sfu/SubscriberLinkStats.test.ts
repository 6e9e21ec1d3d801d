import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newReportBlock, writeReceiverReport } from '@confab/wire';
import type { AllocationTrack } from './allocation/allocate';
import type { SfuConsumer } from './SfuConsumer';
import { LINK_STATS_INTERVAL_MS, SubscriberLinkStats, wantedBitrate } from './SubscriberLinkStats';

/** The parts of a consumer the stats read. */
function consumer(kind: 'audio' | 'video', clockRate: number, rttMs: number): SfuConsumer {
  return { kind, clockRate, roundTripMs: (lastSr: number) => (lastSr === 0 ? -1 : rttMs) } as unknown as SfuConsumer;
}

test('receiver reports: worst loss of any stream, jitter of audio only, RTT from LSR/DLSR', () => {
  const audio = consumer('audio', 48_000, 40);
  const video = consumer('video', 90_000, 40);
  const bySsrc = new Map<number, SfuConsumer>([
    [1, audio],
    [2, video],
  ]);
  const stats = new SubscriberLinkStats();
  const packet = new Uint8Array(1500);
  const a = { ...newReportBlock(), ssrc: 1, fractionLost: 13, jitter: 960, lastSr: 0x1234 }; // 5% and 20 ms
  const v = { ...newReportBlock(), ssrc: 2, fractionLost: 26, jitter: 9000, lastSr: 0x1234 }; // 10% and (video) 100 ms
  const stranger = { ...newReportBlock(), ssrc: 3, fractionLost: 255 };
  const end = writeReceiverReport(packet, 0, 0xabc, [a, v, stranger]);
  const t0 = 10_000;
  assert.equal(stats.take(t0, 0, Infinity)?.packets, 0, 'the first interval starts');
  stats.onReport(packet, 0, end, t0 + 500, (ssrc) => bySsrc.get(ssrc));
  const out = stats.take(t0 + LINK_STATS_INTERVAL_MS, 1_000_000, 600_000)!;
  assert.ok(Math.abs(out.lossFraction - 26 / 256) < 1e-9);
  assert.equal(out.jitterMs, 20);
  assert.equal(out.rttMs, 40);
  assert.equal(out.packets, 2);
  assert.equal(out.wantedBitrate, 1_000_000);
  assert.equal(out.availableBitrate, 600_000);
  // Nothing reported in the next interval: unknown, not zero; RTT stays the last known.
  const quiet = stats.take(t0 + 2 * LINK_STATS_INTERVAL_MS, 0, Infinity)!;
  assert.equal(quiet.lossFraction, -1);
  assert.equal(quiet.availableBitrate, -1);
  assert.equal(quiet.rttMs, 40);
  assert.equal(stats.take(t0 + 2 * LINK_STATS_INTERVAL_MS + 10, 0, Infinity), null, 'not before the interval is over');
});

test('wanted bitrate: every audio, the layer each visible tile asks for, nothing for hidden ones', () => {
  const layers = (rates: number[]) => rates.map((bitrate, i) => ({ height: 180 * 2 ** i, bitrate, available: true, flowing: true }));
  const track = (over: Partial<AllocationTrack>): AllocationTrack => ({ kind: 'video', priority: 2, visible: true, height: 0, layers: layers([150_000, 500_000, 2_000_000]), current: -1, target: -1, pausedForBandwidth: false, dropCurrent: false, ...over });
  assert.equal(
    wantedBitrate([
      track({ kind: 'audio', layers: layers([40_000]) }),
      track({}), // size unknown: the top layer
      track({ height: 300 }), // a 300 px tile: the 360p layer
      track({ visible: false }),
    ]),
    40_000 + 2_000_000 + 500_000,
  );
});

test('transports started at different times report in the same tick: once per whole interval of the clock', () => {
  const early = new SubscriberLinkStats();
  const late = new SubscriberLinkStats();
  early.take(10_050, 0, Infinity);
  late.take(10_730, 0, Infinity);
  const reported: Array<[number, string]> = [];
  for (let t = 10_750; t <= 13_000; t += 50) {
    if (early.take(t, 0, Infinity) !== null) reported.push([t, 'early']);
    if (late.take(t, 0, Infinity) !== null) reported.push([t, 'late']);
  }
  assert.deepEqual(reported, [
    [11_000, 'early'],
    [11_000, 'late'],
    [12_000, 'early'],
    [12_000, 'late'],
    [13_000, 'early'],
    [13_000, 'late'],
  ]);
});
