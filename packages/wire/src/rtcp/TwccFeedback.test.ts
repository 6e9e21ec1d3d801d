import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtcp } from '../fixtures/chromium';
import { hex, randomInt, seededRandom } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import { RtcpCursor } from './RtcpCursor';
import { TwccFeedback, TwccSymbol } from './TwccFeedback';

function parse(packet: Buffer, capacity?: number): TwccFeedback | undefined {
  const cursor = new RtcpCursor().reset(packet, packet.length);
  if (!cursor.next()) return undefined;
  const fb = new TwccFeedback(capacity);
  return fb.read(packet, cursor.offset, cursor.end) ? fb : undefined;
}

function summary(fb: TwccFeedback) {
  const symbols = Array.from(fb.symbols.subarray(0, fb.statusCount));
  return {
    senderSsrc: fb.senderSsrc,
    mediaSsrc: fb.mediaSsrc,
    baseSeq: fb.baseSeq,
    statusCount: fb.statusCount,
    referenceTime: fb.referenceTime,
    feedbackCount: fb.feedbackCount,
    symbols: symbols.join(''),
    deltas: symbols.map((s, i) => (s === TwccSymbol.NotReceived ? null : fb.deltas[i])),
  };
}

function reencode(fb: TwccFeedback): Buffer {
  const buf = Buffer.alloc(fb.size());
  assert.equal(fb.write(buf, 0), buf.length);
  return buf;
}

const CHROMIUM = { senderSsrc: 0xca6f9087, mediaSsrc: 0x5effee43 };

describe('TwccFeedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 3.1)', () => {
  it("reads Chromium's one-bit status vector", () => {
    // bc16 = 1 0 | 11 1100 0001 0110: one-bit vector, first 13 symbols 1111000001011.
    // Deltas 04 06 0f 2d 39 14 3a, then 3 bytes of padding (P bit).
    const fb = parse(hex(chromiumRtcp.twccOneBitVector))!;
    assert.deepEqual(summary(fb), {
      ...CHROMIUM,
      baseSeq: 3,
      statusCount: 13,
      referenceTime: 0x01099c,
      feedbackCount: 1,
      symbols: '1111000001011',
      deltas: [4, 6, 15, 45, null, null, null, null, null, 57, null, 20, 58],
    });
  });

  it("reads Chromium's two-bit status vector", () => {
    // d150 = 1 1 | 01 00 01 01 01 00 00: two-bit vector, first 5 symbols 1 0 1 1 1.
    const fb = parse(hex(chromiumRtcp.twccTwoBitVector))!;
    assert.deepEqual(summary(fb), {
      ...CHROMIUM,
      baseSeq: 142,
      statusCount: 5,
      referenceTime: 0x0109b5,
      feedbackCount: 27,
      symbols: '10111',
      deltas: [135, null, 3, 60, 80],
    });
  });

  it("reads Chromium's run length chunk followed by a vector", () => {
    // 2012 = 0 01 | 0 0000 0001 0010: 18 received; 9ffd = 1 0 | 01 1111 1111 1101: 0 then 1s, a 0, a 1.
    const fb = parse(hex(chromiumRtcp.twccRunLength))!;
    const s = summary(fb);
    assert.equal(s.baseSeq, 345);
    assert.equal(s.statusCount, 32);
    assert.equal(s.referenceTime, 0x0109e6);
    assert.equal(s.feedbackCount, 85);
    assert.equal(s.symbols, '1'.repeat(18) + '0' + '1'.repeat(11) + '01');
    assert.deepEqual(s.deltas.slice(0, 3), [0xaf, 0x25, 0x51]);
    assert.deepEqual(s.deltas.slice(-3), [0x2c, null, 0x23]);
  });

  it('re-encodes the one-bit and run length captures byte for byte, the two-bit one to the same content', () => {
    for (const packet of [chromiumRtcp.twccOneBitVector, chromiumRtcp.twccRunLength]) {
      assert.equal(reencode(parse(hex(packet))!).toString('hex'), packet);
    }
    const twoBit = parse(hex(chromiumRtcp.twccTwoBitVector))!;
    const before = summary(twoBit);
    const again = parse(reencode(twoBit))!;
    assert.deepEqual(summary(again), before, 'we pick a one-bit vector where Chromium used two bits');
  });

  it('writes a large negative delta as a two-bit vector, padded with the P bit (known answer)', () => {
    const fb = new TwccFeedback(16);
    fb.senderSsrc = 1;
    fb.mediaSsrc = 2;
    fb.baseSeq = 0xfffe;
    fb.statusCount = 3;
    fb.referenceTime = -1;
    fb.feedbackCount = 255;
    fb.symbols.set([TwccSymbol.LargeDelta, TwccSymbol.NotReceived, TwccSymbol.SmallDelta]);
    fb.deltas.set([-4, 0, 255]);
    const buf = reencode(fb);
    assert.equal(
      buf.toString('hex'),
      'afcd0006' + '00000001' + '00000002' + 'fffe' + '0003' + 'ffffff' + 'ff' + 'e100' + 'fffc' + 'ff' + '000003',
    );
    assert.deepEqual(summary(parse(buf)!), { ...summary(fb), referenceTime: -1 });
  });

  it('round-trips random feedback with every chunk type and long runs', () => {
    const random = seededRandom(42);
    const fb = new TwccFeedback();
    const buf = Buffer.alloc(200_000);
    for (let trial = 0; trial < 300; trial++) {
      const count = 1 + randomInt(random, trial % 10 === 0 ? 20_000 : 200);
      fb.statusCount = count;
      fb.baseSeq = randomInt(random, 0x10000);
      fb.referenceTime = randomInt(random, 0x1000000) - 0x800000;
      fb.feedbackCount = randomInt(random, 256);
      let n = 0;
      while (n < count) {
        // Runs of one symbol (long ones too) alternate with mixed stretches.
        const run = random() < 0.3 ? 1 + randomInt(random, 10_000) : 1 + randomInt(random, 20);
        const fixed = random() < 0.5 ? randomInt(random, 3) : -1;
        for (let k = 0; k < run && n < count; k++, n++) {
          const symbol = fixed >= 0 ? fixed : randomInt(random, 3);
          fb.symbols[n] = symbol;
          fb.deltas[n] = symbol === 1 ? randomInt(random, 256) : symbol === 2 ? randomInt(random, 0x10000) - 0x8000 : 0;
        }
      }
      const expected = summary(fb);
      const end = fb.write(buf, 0);
      assert.equal(end, fb.size());
      assert.equal(end % 4, 0);
      const back = parse(buf.subarray(0, end))!;
      assert.ok(back, `trial ${trial}`);
      assert.deepEqual(summary(back), expected, `trial ${trial}`);
    }
  });

  it('refuses malformed feedback', () => {
    for (const name of ['twccStatusCountTooLarge', 'twccZeroStatusCount', 'twccReservedSymbol', 'twccDeltasCut'] as const) {
      assert.equal(parse(hex(malformed[name].hex)), undefined, name);
    }
    assert.equal(parse(hex(chromiumRtcp.twccRunLength), 31), undefined, 'more packets than the capacity');
    assert.equal(parse(hex(chromiumRtcp.receiverReport)), undefined, 'not TWCC');
  });

  it('refuses to write a delta its symbol cannot hold', () => {
    const fb = new TwccFeedback(4);
    fb.statusCount = 1;
    fb.symbols[0] = TwccSymbol.SmallDelta;
    fb.deltas[0] = 256;
    assert.throws(() => fb.write(Buffer.alloc(64), 0), RangeError);
    fb.symbols[0] = TwccSymbol.LargeDelta;
    fb.deltas[0] = 0x8000;
    assert.throws(() => fb.write(Buffer.alloc(64), 0), RangeError);
    fb.statusCount = 0;
    assert.throws(() => fb.write(Buffer.alloc(64), 0), RangeError);
  });
});
