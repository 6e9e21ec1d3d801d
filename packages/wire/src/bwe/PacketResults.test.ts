import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TwccFeedback, TwccSymbol } from '../rtcp/TwccFeedback';
import { PacketResults } from './PacketResults';
import { SendHistory } from './SendHistory';

/** A report, written and parsed back, of `arrivals` (ms from the reference; null = lost) from `baseSeq`. */
function report(baseSeq: number, referenceTime: number, arrivals: Array<number | null>): TwccFeedback {
  const fb = new TwccFeedback(64);
  fb.baseSeq = baseSeq;
  fb.statusCount = arrivals.length;
  fb.referenceTime = referenceTime;
  let previous = 0;
  arrivals.forEach((ms, i) => {
    if (ms === null) {
      fb.symbols[i] = TwccSymbol.NotReceived;
      return;
    }
    const delta = Math.round(ms * 4) - previous;
    previous += delta;
    fb.symbols[i] = delta >= 0 && delta <= 255 ? TwccSymbol.SmallDelta : TwccSymbol.LargeDelta;
    fb.deltas[i] = delta;
  });
  const buf = Buffer.alloc(fb.size());
  fb.write(buf, 0);
  const parsed = new TwccFeedback(64);
  assert.ok(parsed.read(buf, 0, buf.length));
  return parsed;
}

describe('SendHistory + PacketResults', () => {
  it('joins a report with what was sent, across the 16-bit wrap', () => {
    const history = new SendHistory(16, 0xfffe);
    const seqs = [0, 1, 2, 3].map((i) => history.add(100 + i, 1000 + i, i === 3 ? 7 : -1));
    assert.deepEqual(seqs, [0xfffe, 0xffff, 0, 1]);
    const results = new PacketResults(16);
    assert.equal(results.read(report(0xfffe, 10, [1, null, 3.5, 4]), history), 4);
    assert.deepEqual(Array.from(results.sendMs.subarray(0, 4)), [100, 101, 102, 103]);
    assert.deepEqual(Array.from(results.sizes.subarray(0, 4)), [1000, 1001, 1002, 1003]);
    assert.deepEqual(Array.from(results.arrivalMs.subarray(0, 4)), [641, NaN, 643.5, 644]);
    assert.deepEqual(Array.from(results.clusters.subarray(0, 4)), [-1, -1, -1, 7]);
    assert.equal(results.lost, 1);
  });

  it('reports a late arrival once, never a packet twice, and nothing it did not send', () => {
    const history = new SendHistory(16);
    for (let i = 0; i < 4; i++) history.add(i, 100);
    const results = new PacketResults(16);
    results.read(report(0, 0, [1, null]), history);
    assert.equal(results.read(report(0, 0, [1, 2, 3]), history), 2, 'packet 1 arrived late, packet 2 is new');
    assert.equal(results.lost, 0);
    assert.equal(results.read(report(4, 0, [5, 6]), history), 0, 'seqs 4 and 5 were never sent');
  });

  it('forgets packets older than its capacity', () => {
    const history = new SendHistory(16);
    for (let i = 0; i < 40; i++) history.add(i, 100);
    assert.equal(history.slotOf(23), -1);
    assert.notEqual(history.slotOf(24), -1);
    assert.notEqual(history.slotOf(39), -1);
    assert.equal(history.slotOf(40), -1);
  });

  it('unwraps the 24-bit reference time', () => {
    const history = new SendHistory(16);
    for (let i = 0; i < 4; i++) history.add(i, 100);
    const results = new PacketResults(16);
    results.read(report(0, 0x7fffff, [0, 1]), history);
    const before = results.arrivalMs[1]!;
    results.read(report(2, -0x800000, [0, 1]), history); // the next 64 ms step, wrapped
    assert.equal(results.arrivalMs[0]! - before, 64 - 1);
  });
});
