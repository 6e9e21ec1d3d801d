import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtcp } from '../fixtures/chromium';
import { heapAfterGc, hex, mutate, randomBytes, randomInt, seededRandom, strict } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import { firEntryCount, firEntrySeqNr, firEntrySsrc, isPli, newRemb, readNack, readRemb, writeFir, writeNack, writeRemb } from './feedback';
import { KeyFrameRequestMerger } from './KeyFrameRequestMerger';
import { NackGenerator } from './NackGenerator';
import { ReceiveStats } from './ReceiveStats';
import { RtcpCursor } from './RtcpCursor';
import { REPORT_BLOCK_SIZE, newReportBlock, newSenderInfo, readReportBlock, readSenderInfo, reportBlocksOffset, writeSenderReport } from './reports';
import { readBye, readSdes, writeBye, writeSdes } from './sdes';
import { TwccFeedback } from './TwccFeedback';
import { TwccRecorder } from './TwccRecorder';

const ITERATIONS = 20_000;

function built(): Buffer[] {
  const buf = Buffer.alloc(400);
  let at = writeSenderReport(buf, 0, { ssrc: 1, ntpSeconds: 2, ntpFraction: 3, rtpTimestamp: 4, packetCount: 5, octetCount: 6 }, [newReportBlock(), newReportBlock()]);
  at = writeSdes(buf, at, [{ ssrc: 1, cname: 'abc' }, { ssrc: 2, cname: 'defgh' }]);
  at = writeBye(buf, at, [1, 2], 'bye');
  const compound = Buffer.from(buf.subarray(0, at));
  at = writeFir(buf, 0, 1, 2, 3);
  at = writeRemb(buf, at, 1, 5_000_000, [1, 2, 3]);
  at = writeNack(buf, at, 1, 2, [1, 2, 3, 30, 65535, 0], 6);
  const feedback = Buffer.from(buf.subarray(0, at));
  const twcc = new TwccFeedback(64);
  twcc.statusCount = 40;
  for (let i = 0; i < 40; i++) {
    twcc.symbols[i] = i < 20 ? 1 : i % 3;
    twcc.deltas[i] = twcc.symbols[i] === 2 ? -300 : 7;
  }
  const twccPacket = Buffer.alloc(twcc.size());
  twcc.write(twccPacket, 0);
  return [compound, feedback, twccPacket];
}

const seeds: Buffer[] = [
  ...Object.values(chromiumRtcp).map(hex),
  ...Object.entries(malformed).filter(([name]) => !name.startsWith('rtp')).map(([, f]) => hex(f.hex)),
  ...built(),
];

const cursor = new RtcpCursor();
const twcc = new TwccFeedback();
const twccAgain = new TwccFeedback();
const nacks = new Uint16Array(2048);
const senderInfo = newSenderInfo();
const block = newReportBlock();
const remb = newRemb();

function twccSummary(fb: TwccFeedback): string {
  let text = `${fb.baseSeq} ${fb.statusCount} ${fb.referenceTime} ${fb.feedbackCount}:`;
  for (let i = 0; i < fb.statusCount; i++) text += `${fb.symbols[i]}${fb.symbols[i] ? fb.deltas[i] : ''},`;
  return text;
}

/** Everything a receiver reads from an untrusted compound packet; the strict view throws on any read outside it. */
function exercise(input: Buffer): number {
  const buf = strict(Buffer.from(input));
  cursor.reset(buf, buf.length);
  let packets = 0;
  let previousEnd = 0;
  while (cursor.next()) {
    packets++;
    const { offset: at, end } = cursor;
    assert.ok(at >= previousEnd && at + 4 <= end && end <= buf.length);
    previousEnd = end;
    if (readSenderInfo(buf, at, end, senderInfo)) assert.equal(senderInfo.ssrc, buf.readUInt32BE(at + 4));
    const blocks = reportBlocksOffset(buf, at, end);
    if (blocks > 0) for (let i = 0; i < cursor.count; i++) readReportBlock(buf, blocks + i * REPORT_BLOCK_SIZE, block);
    readSdes(buf, at, end);
    readBye(buf, at, end);
    isPli(buf, at, end);
    const firs = firEntryCount(buf, at, end);
    for (let i = 0; i < firs; i++) {
      firEntrySsrc(buf, at, i);
      firEntrySeqNr(buf, at, i);
    }
    if (readRemb(buf, at, end, remb)) assert.ok(remb.bitrate >= 0 && remb.ssrcs.length <= 255);
    const n = readNack(buf, at, end, nacks);
    if (n > 0) {
      // What we read, we can write, and reading that gives the same set of sequence numbers.
      const out = Buffer.alloc(12 + 4 * n);
      const len = writeNack(out, 0, 1, 2, nacks, n);
      const again = new Uint16Array(2048);
      const m = readNack(out, 0, len, again);
      assert.deepEqual(new Set(again.subarray(0, m)), new Set(nacks.subarray(0, n)));
    }
    if (twcc.read(buf, at, end)) {
      // Same for transport-wide feedback: our encoding of it parses to the same content.
      const out = Buffer.alloc(twcc.size());
      twcc.write(out, 0);
      assert.ok(twccAgain.read(out, 0, out.length));
      assert.equal(twccSummary(twccAgain), twccSummary(twcc));
    }
  }
  assert.ok(packets <= buf.length / 4);
  return packets;
}

describe('RTCP parsers under fuzzing (seeded)', { timeout: 180_000 }, () => {
  it(`survive ${ITERATIONS} mutated real and built packets`, () => {
    const random = seededRandom(0xc0ffee);
    let parsed = 0;
    for (let i = 0; i < ITERATIONS; i++) parsed += exercise(mutate(random, seeds[i % seeds.length]!));
    assert.ok(parsed > ITERATIONS / 2, `${parsed} packets got past the common header, so the readers ran`);
  });

  it(`survive ${ITERATIONS} random inputs shaped like RTCP`, () => {
    const random = seededRandom(3);
    const types = [200, 201, 202, 203, 205, 206];
    for (let i = 0; i < ITERATIONS; i++) {
      const input = randomBytes(random, 4 + randomInt(random, 60));
      input[0] = 0x80 | (input[0]! & 0x3f);
      input[1] = types[randomInt(random, types.length)]!;
      input.writeUInt16BE(Math.max(0, Math.ceil(input.length / 4) - 1 - randomInt(random, 2)), 2);
      exercise(input);
    }
  });

  it('the logic modules stay bounded over random, hostile streams', () => {
    const random = seededRandom(17);
    const nack = new NackGenerator({ maxListSize: 100 });
    const twccRecorder = new TwccRecorder({ historySize: 256, maxFeedbackBytes: 200 });
    const stats = new ReceiveStats(1, 90000);
    const merger = new KeyFrameRequestMerger(100);
    const out = new Uint16Array(64);
    const feedback = Buffer.alloc(400);
    let seq = 0;
    let now = 0;
    let heapAtHalf = 0;
    for (let i = 0; i < ITERATIONS * 10; i++) {
      if (i === ITERATIONS * 5) heapAtHalf = heapAfterGc();
      now += randomInt(random, 50) - (random() < 0.01 ? 1000 : 0); // clocks that step back too
      const r = random();
      seq = r < 0.01 ? randomInt(random, 0x10000) : (seq + (r < 0.2 ? randomInt(random, 40) - 10 : 1)) & 0xffff;
      nack.onPacket(seq, now, random() < 0.01);
      assert.ok(nack.missing <= 100);
      const n = nack.collect(now, randomInt(random, 300), out);
      assert.ok(n <= out.length);
      twccRecorder.record(seq, now * 1000 + randomInt(random, 1000), 1);
      if (random() < 0.1) {
        let builds = 0;
        for (let end = twccRecorder.buildFeedback(feedback, 0, 1); end > 0; end = twccRecorder.buildFeedback(feedback, 0, 1)) {
          assert.ok(end <= 200);
          assert.ok(++builds < 1000, 'feedback building ends');
        }
      }
      stats.onPacket(seq, randomInt(random, 2 ** 32), now, random() < 0.1);
      if (random() < 0.01) stats.report(now, block);
      merger.request(now);
      merger.poll(now);
    }
    const growth = heapAfterGc() - heapAtHalf;
    assert.ok(growth < 1_000_000, `heap grew ${growth} bytes over the second half`);
  });
});
