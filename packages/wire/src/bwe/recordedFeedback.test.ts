/**
 * The estimator on transport-cc sequences recorded from a real Chromium subscriber of our SFU
 * (e2e/tools/recordBweFixtures.ts; the link impaired with tc tbf and nftables loss): every
 * packet we sent it (time, size, probe cluster) and every report it sent back, replayed in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mutate, seededRandom } from '../fixtures/fuzz';
import { TwccFeedback } from '../rtcp/TwccFeedback';
import { loadSequence, phase, replay, reportPackets } from './fixtures/replay';
import { estimateRange, firstTime } from './fixtures/simulatedLink';
import { SendSideEstimator } from './SendSideEstimator';

const FLOOR = 100_000;
const CAP = 400_000;

/** Bits per second of media (not probes) sent in [from, to). */
function sentBps(sends: number[][], from: number, to: number): number {
  let bytes = 0;
  for (const [at, size, cluster] of sends) if (at! >= from && at! < to && cluster! < 0) bytes += size!;
  return (bytes * 8000) / (to - from);
}

function median(samples: Array<[number, number]>, from: number, to: number): number {
  const values = samples.filter(([t]) => t >= from && t < to).map(([, e]) => e).sort((a, b) => a - b);
  return values[values.length >> 1]!;
}

describe('recorded Chromium transport-cc feedback', () => {
  it('every report parses, and survives a round trip through our writer', () => {
    for (const name of ['chromium-cap', 'chromium-loss']) {
      const packets = reportPackets(loadSequence(name));
      assert.ok(packets.length > 200, `${name} has reports`);
      for (const packet of packets) {
        const fb = new TwccFeedback(8192);
        assert.ok(fb.read(packet, 0, packet.length), packet.toString('hex'));
        const again = Buffer.alloc(fb.size());
        fb.write(again, 0);
        const back = new TwccFeedback(8192);
        assert.ok(back.read(again, 0, again.length));
        assert.deepEqual(
          [back.baseSeq, back.statusCount, back.referenceTime, back.feedbackCount, back.symbols.subarray(0, back.statusCount), back.deltas.subarray(0, back.statusCount)],
          [fb.baseSeq, fb.statusCount, fb.referenceTime, fb.feedbackCount, fb.symbols.subarray(0, fb.statusCount), fb.deltas.subarray(0, fb.statusCount)],
        );
      }
    }
  });

  it('mutated reports never throw and never leave the estimate outside [floor, max]', () => {
    const random = seededRandom(12);
    const sequence = loadSequence('chromium-cap');
    const estimator = new SendSideEstimator();
    const fb = new TwccFeedback(8192);
    let sent = 0;
    for (const [at, before, hex] of sequence.reports) {
      for (; sent < before; sent++) estimator.history.add(...sequence.sends[sent]!);
      const packet = mutate(random, Buffer.from(hex, 'hex'));
      if (!fb.read(packet, 0, packet.length)) continue;
      const estimate = estimator.onFeedback(fb, at);
      assert.ok(Number.isFinite(estimate) && estimate >= FLOOR && estimate <= 100e6, `estimate ${estimate}`);
    }
  });

  describe('a 400 kbps tbf cap, then lifted', () => {
    const sequence = loadSequence('chromium-cap');
    const samples = replay(new SendSideEstimator(), sequence);
    const clean = phase(sequence, 'clean');
    const capped = phase(sequence, 'cap 400 kbps');
    const lifted = phase(sequence, 'cap lifted');

    it('steady: converges above what is sent on the clean link and never collapses towards the floor', () => {
      const range = estimateRange(samples, clean.from, clean.to);
      // What the server sent Bob then (his tile asked for the middle layer).
      const sent = sentBps(sequence.sends, clean.from + 5000, clean.to);
      assert.ok(range.min >= 1_000_000, `min ${Math.round(range.min)}`);
      assert.ok(range.last >= 1.3 * sent, `last ${Math.round(range.last)}, sending ${Math.round(sent)}`);
    });

    it('congestion onset: below the cap within 3 s, and follows it while it lasts', () => {
      const down = firstTime(samples, capped.from, (e) => e <= CAP);
      assert.ok(down > 0 && down - capped.from < 3000, `below ${CAP} after ${down - capped.from} ms`);
      assert.ok(median(samples, capped.from + 3000, capped.to) <= CAP, 'the median under the cap is below it');
      assert.ok(estimateRange(samples, capped.from + 3000, capped.to).min > FLOOR, 'not at the floor');
    });

    it('recovery: above twice the old cap within 12 s of lifting it', () => {
      const up = firstTime(samples, lifted.from, (e) => e >= 2 * CAP);
      assert.ok(up > 0 && up - lifted.from < 12_000, `at ${2 * CAP} after ${up - lifted.from} ms`);
    });
  });

  describe('random loss: 3%, then a 25% burst', () => {
    const sequence = loadSequence('chromium-loss');
    const samples = replay(new SendSideEstimator(), sequence);
    const clean = phase(sequence, 'clean');
    const light = phase(sequence, 'loss 3%');
    const burst = phase(sequence, 'loss 25%');

    it('3% loss is no reason to come down much', () => {
      const before = median(samples, clean.from, clean.to);
      assert.ok(median(samples, light.from, light.to) >= 0.7 * before);
    });

    it('a 25% burst brings it down, never to the floor, and it climbs back', () => {
      const before = estimateRange(samples, light.to - 2000, light.to).max;
      const during = estimateRange(samples, burst.from, burst.to + 1000);
      assert.ok(during.min < 0.8 * before, `down under the burst (${Math.round(during.min)} from ${Math.round(before)})`);
      const after = estimateRange(samples, burst.to, Infinity);
      assert.ok(after.min > FLOOR, 'not at the floor');
      assert.ok(after.last > during.min * 1.3, `climbs back (${Math.round(after.last)})`);
    });
  });
});
