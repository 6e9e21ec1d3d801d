import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomInt, seededRandom } from '../fixtures/fuzz';
import { RtcpCursor } from './RtcpCursor';
import { TwccFeedback, TwccSymbol } from './TwccFeedback';
import { TwccRecorder } from './TwccRecorder';

const T0 = 1_700_000_123_456; // µs on some monotonic clock
const MEDIA = 0x2222;

interface Report {
  feedbackCount: number;
  size: number;
  /** seq -> arrival time in µs as the feedback states it, or null when reported lost. */
  packets: [number, number | null][];
}

/** Builds every pending feedback packet and decodes each with the parser. */
function drain(recorder: TwccRecorder): Report[] {
  const buf = Buffer.alloc(70_000);
  const reports: Report[] = [];
  for (;;) {
    const end = recorder.buildFeedback(buf, 0, 0x1111);
    if (end === 0) return reports;
    assert.equal(end % 4, 0);
    const cursor = new RtcpCursor().reset(buf, end);
    assert.ok(cursor.next());
    const fb = new TwccFeedback();
    assert.ok(fb.read(buf, cursor.offset, cursor.end), 'our feedback parses');
    assert.equal(fb.senderSsrc, 0x1111);
    assert.equal(fb.mediaSsrc, MEDIA, 'a media SSRC of the publisher, or libwebrtc ignores the feedback');
    assert.notEqual(fb.symbols[fb.statusCount - 1], TwccSymbol.NotReceived, 'ends with a received packet');
    let time = fb.referenceTime * 64_000;
    const packets: [number, number | null][] = [];
    for (let i = 0; i < fb.statusCount; i++) {
      if (fb.symbols[i] === TwccSymbol.NotReceived) {
        packets.push([(fb.baseSeq + i) & 0xffff, null]);
      } else {
        time += fb.deltas[i]! * 250;
        packets.push([(fb.baseSeq + i) & 0xffff, wrap(time)]);
      }
    }
    reports.push({ feedbackCount: fb.feedbackCount, size: end, packets });
  }
}

/** The reference time is 24 bits of 64 ms: absolute times repeat every 2^24 * 64 ms (12.4 days). */
const PERIOD_US = 2 ** 24 * 64_000;
const wrap = (us: number) => ((us % PERIOD_US) + PERIOD_US) % PERIOD_US;

/** What the feedback can say about an arrival: its time rounded down to 250 µs, within the period. */
const ticks = (us: number) => wrap(Math.floor(us / 250) * 250);

describe('TwccRecorder', () => {
  it('reports arrivals to 250 µs against a 64 ms reference, then nothing until new packets', () => {
    const recorder = new TwccRecorder();
    recorder.record(10, T0, MEDIA);
    recorder.record(11, T0 + 1_000, MEDIA);
    recorder.record(12, T0 + 3_100, MEDIA);
    assert.equal(recorder.pending, true);
    const [report, ...rest] = drain(recorder);
    assert.equal(rest.length, 0);
    assert.deepEqual(report!.packets, [
      [10, ticks(T0)],
      [11, ticks(T0 + 1_000)],
      [12, ticks(T0 + 3_100)],
    ]);
    assert.equal(report!.feedbackCount, 0);
    assert.equal(recorder.pending, false);
    assert.deepEqual(drain(recorder), []);
    recorder.record(13, T0 + 5_000, MEDIA);
    const [next] = drain(recorder);
    assert.deepEqual(next!.packets, [[13, ticks(T0 + 5_000)]]);
    assert.equal(next!.feedbackCount, 1, 'the feedback count goes up by one per packet');
  });

  it('reports losses, and a packet arriving after it was reported lost', () => {
    const recorder = new TwccRecorder();
    recorder.record(100, T0, MEDIA);
    recorder.record(103, T0 + 2_000, MEDIA);
    assert.deepEqual(drain(recorder)[0]!.packets, [
      [100, ticks(T0)],
      [101, null],
      [102, null],
      [103, ticks(T0 + 2_000)],
    ]);
    recorder.record(102, T0 + 9_000, MEDIA);
    assert.deepEqual(drain(recorder)[0]!.packets, [
      [102, ticks(T0 + 9_000)],
      [103, ticks(T0 + 2_000)],
    ], 'reported again from the late packet: a negative (large) delta follows it');
  });

  it('orders by sequence number, whatever the arrival order, across the 16-bit wrap', () => {
    const recorder = new TwccRecorder();
    recorder.record(65534, T0, MEDIA);
    recorder.record(0, T0 + 1_000, MEDIA);
    recorder.record(65535, T0 + 2_000, MEDIA);
    recorder.record(1, T0 + 3_000, MEDIA);
    assert.deepEqual(drain(recorder)[0]!.packets, [
      [65534, ticks(T0)],
      [65535, ticks(T0 + 2_000)],
      [0, ticks(T0 + 1_000)],
      [1, ticks(T0 + 3_000)],
    ]);
  });

  it('ignores duplicates: the first arrival counts', () => {
    const recorder = new TwccRecorder();
    recorder.record(5, T0, MEDIA);
    recorder.record(5, T0 + 50_000, MEDIA);
    recorder.record(6, T0 + 1_000, MEDIA);
    recorder.record(5, T0 + 60_000, MEDIA);
    assert.deepEqual(drain(recorder)[0]!.packets, [
      [5, ticks(T0)],
      [6, ticks(T0 + 1_000)],
    ]);
  });

  it('after an outage (a gap of more than 500 ms) reports go on from the first packet back, as libwebrtc does', () => {
    const recorder = new TwccRecorder();
    for (let s = 0; s < 5; s++) recorder.record(s, T0 + s * 20_000, MEDIA);
    assert.equal(drain(recorder).flatMap((r) => r.packets).length, 5);
    recorder.record(5, T0 + 100_000, MEDIA); // not reported yet when the network goes
    // 3 s without packets; 6-154 never arrive.
    recorder.record(155, T0 + 3_100_000, MEDIA);
    recorder.record(156, T0 + 3_120_000, MEDIA);
    recorder.record(100, T0 + 3_130_000, MEDIA); // one from the outage, very late: not reported
    const packets = drain(recorder).flatMap((r) => r.packets);
    assert.deepEqual(packets, [
      [5, ticks(T0 + 100_000)],
      [155, ticks(T0 + 3_100_000)],
      [156, ticks(T0 + 3_120_000)],
    ]);
    // A gap of a few packets within 500 ms is loss, and reported as such.
    recorder.record(160, T0 + 3_200_000, MEDIA);
    assert.deepEqual(drain(recorder).flatMap((r) => r.packets), [
      [157, null],
      [158, null],
      [159, null],
      [160, ticks(T0 + 3_200_000)],
    ]);
    // Everything reported before the outage: the next report simply starts after it.
    recorder.record(400, T0 + 4_000_000, MEDIA);
    assert.deepEqual(drain(recorder).flatMap((r) => r.packets), [[400, ticks(T0 + 4_000_000)]]);
  });

  it('splits where a delta does not fit 16 bits (more than 8.19 s)', () => {
    const recorder = new TwccRecorder();
    recorder.record(1, T0, MEDIA);
    recorder.record(2, T0 + 9_000_000, MEDIA);
    const reports = drain(recorder);
    assert.deepEqual(reports.map((r) => r.packets), [[[1, ticks(T0)]], [[2, ticks(T0 + 9_000_000)]]]);
  });

  it('splits by size and covers every packet once, in order', () => {
    const recorder = new TwccRecorder({ maxFeedbackBytes: 64 });
    const random = seededRandom(7);
    const expected: [number, number | null][] = [];
    let t = T0;
    for (let i = 0; i < 500; i++) {
      const seq = (65000 + i) & 0xffff;
      t += randomInt(random, 20_000);
      if (random() < 0.1) {
        expected.push([seq, null]);
        continue;
      }
      recorder.record(seq, t, MEDIA);
      expected.push([seq, ticks(t)]);
    }
    const reports = drain(recorder);
    assert.ok(reports.length > 5);
    for (const report of reports) assert.ok(report.size <= 64, `size ${report.size}`);
    assert.deepEqual(
      reports.map((r) => r.feedbackCount),
      reports.map((_, i) => i),
    );
    // Losses before the first and after the last arrival are unknown to the receiver.
    const received = expected.flatMap((p, i) => (p[1] === null ? [] : [i]));
    const known = expected.slice(received[0], received[received.length - 1]! + 1);
    assert.deepEqual(reports.flatMap((r) => r.packets), known);
  });

  it('reorders, loses and delays at random, and every received packet is reported at its time', () => {
    const recorder = new TwccRecorder();
    const random = seededRandom(99);
    const arrivals = new Map<number, number>();
    const latest = new Map<number, number | null>();
    let delayed: number[] = [];
    let lateAfterReport = 0;
    let seq = 60000;
    let t = T0;
    const arrive = (s: number) => {
      t += randomInt(random, 3_000);
      if (latest.get(s) === null) lateAfterReport++;
      recorder.record(s, t, MEDIA);
      arrivals.set(s, t);
    };
    for (let round = 0; round < 200; round++) {
      // Packets held back last round arrive now, after a feedback reported them lost.
      const late = delayed;
      delayed = [];
      for (const s of late) arrive(s);
      for (let i = 0; i < 20; i++) {
        const s = (seq + i) & 0xffff;
        const fate = random();
        if (fate < 0.05) continue; // lost
        if (fate < 0.1) delayed.push(s);
        else arrive(s);
      }
      seq += 20;
      for (const report of drain(recorder)) for (const [s, time] of report.packets) latest.set(s, time);
    }
    assert.ok(lateAfterReport > 50, `exercised ${lateAfterReport} late arrivals`);
    for (const [s, time] of arrivals) assert.equal(latest.get(s), ticks(time), `seq ${s}`);
    for (const [s, time] of latest) if (time === null) assert.ok(!arrivals.has(s), `seq ${s} reported lost but arrived`);
  });

  it('reports a long run of losses in a few bytes, and stays within the size bound when chunks dominate', () => {
    const recorder = new TwccRecorder({ maxFeedbackBytes: 100 });
    recorder.record(0, T0, MEDIA);
    drain(recorder);
    recorder.record(5001, T0 + 1_000, MEDIA);
    const [report, ...rest] = drain(recorder);
    assert.equal(rest.length, 0);
    assert.equal(report!.packets.length, 5001);
    assert.ok(report!.size <= 32, `size ${report!.size}`);
    // Every other packet lost: one two-bit chunk per 7 packets, so chunks outweigh deltas.
    const sparse = new TwccRecorder({ maxFeedbackBytes: 64 });
    for (let i = 0; i < 400; i += 2) sparse.record(i, T0 + i * 100, MEDIA);
    const reports = drain(sparse);
    for (const r of reports) assert.ok(r.size <= 64, `size ${r.size}`);
    assert.equal(reports.flatMap((r) => r.packets).length, 399);
  });

  it('takes any finite time, negative included, and ignores a non-finite one', () => {
    const recorder = new TwccRecorder();
    recorder.record(1, -5_000, MEDIA);
    recorder.record(2, NaN, MEDIA);
    recorder.record(3, -1_000, MEDIA);
    assert.deepEqual(drain(recorder)[0]!.packets, [
      [1, ticks(-5_000)],
      [2, null],
      [3, ticks(-1_000)],
    ]);
  });

  it('starts over after a jump past its history', () => {
    const recorder = new TwccRecorder({ historySize: 64 });
    recorder.record(1, T0, MEDIA);
    drain(recorder);
    recorder.record(1000, T0 + 1000, MEDIA);
    assert.deepEqual(drain(recorder)[0]!.packets, [[1000, ticks(T0 + 1000)]]);
    recorder.record(900, T0 + 2000, MEDIA); // older than the history: ignored
    assert.equal(recorder.pending, false);
  });
});
