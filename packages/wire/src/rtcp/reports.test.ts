import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtcp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import { RtcpCursor } from './RtcpCursor';
import {
  REPORT_BLOCK_SIZE,
  compactNtp,
  newReportBlock,
  newSenderInfo,
  readReportBlock,
  readSenderInfo,
  reportBlocksOffset,
  writeReceiverReport,
  writeSenderReport,
  type ReportBlock,
} from './reports';
import { readBye, readSdes, writeBye, writeSdes } from './sdes';

function first(buf: Buffer, skip = 0): RtcpCursor {
  const cursor = new RtcpCursor().reset(buf, buf.length);
  for (let i = 0; i <= skip; i++) assert.ok(cursor.next());
  return cursor;
}

function blocks(buf: Buffer, cursor: RtcpCursor): ReportBlock[] {
  const at = reportBlocksOffset(buf, cursor.offset, cursor.end);
  assert.ok(at > 0);
  const out: ReportBlock[] = [];
  for (let i = 0; i < cursor.count; i++) {
    const block = newReportBlock();
    readReportBlock(buf, at + i * REPORT_BLOCK_SIZE, block);
    out.push(block);
  }
  return out;
}

describe('SR, RR, SDES, BYE', () => {
  it("reads Chromium's Sender Report and CNAME", () => {
    const buf = hex(chromiumRtcp.senderReportWithSdes);
    const sr = first(buf);
    const info = newSenderInfo();
    assert.equal(readSenderInfo(buf, sr.offset, sr.end, info), true);
    assert.deepEqual(info, {
      ssrc: 0xca6f9087,
      ntpSeconds: 0xeeac2b9c,
      ntpFraction: 0xc23baba7,
      rtpTimestamp: 3827373358,
      packetCount: 21,
      octetCount: 14999,
    });
    assert.equal(reportBlocksOffset(buf, sr.offset, sr.end), 28);
    const sdes = first(buf, 1);
    assert.deepEqual(readSdes(buf, sdes.offset, sdes.end), [{ ssrc: 0xca6f9087, cname: 'qC8UWsfnf9fCSHJ9' }]);
  });

  it("reads Chromium's receiver report blocks, with and without a last SR", () => {
    const plain = hex(chromiumRtcp.receiverReport);
    assert.deepEqual(blocks(plain, first(plain)), [
      { ssrc: 2554605417, fractionLost: 0, cumulativeLost: 0, highestSeq: 24709, jitter: 1534, lastSr: 0, delaySinceLastSr: 0 },
    ]);
    const withSr = hex(chromiumRtcp.receiverReportWithNack);
    assert.deepEqual(blocks(withSr, first(withSr)), [
      { ssrc: 2554605417, fractionLost: 0, cumulativeLost: 1, highestSeq: 24754, jitter: 387, lastSr: 731775031, delaySinceLastSr: 20949 },
    ]);
    assert.equal(readSenderInfo(plain, 0, plain.length, newSenderInfo()), false, 'an RR is not an SR');
  });

  it('refuses a report whose count needs more room than it has', () => {
    const buf = hex(malformed.rtcpReportCountTooLarge.hex);
    const cursor = first(buf);
    assert.equal(reportBlocksOffset(buf, cursor.offset, cursor.end), -1);
  });

  it('round-trips an SR with report blocks, negative and clamped losses included', () => {
    const info = { ssrc: 1, ntpSeconds: 0xffffffff, ntpFraction: 0x80000000, rtpTimestamp: 0xfffffff0, packetCount: 7, octetCount: 0xffffffff };
    const written: ReportBlock[] = [
      { ssrc: 2, fractionLost: 255, cumulativeLost: -3, highestSeq: 0x1ffff, jitter: 12, lastSr: 0x12345678, delaySinceLastSr: 65536 },
      { ssrc: 3, fractionLost: 0, cumulativeLost: 0x7fffff, highestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 },
    ];
    const buf = Buffer.alloc(100);
    const end = writeSenderReport(buf, 0, info, written);
    assert.equal(end, 28 + 48);
    const cursor = new RtcpCursor().reset(buf, end);
    assert.ok(cursor.next());
    assert.equal(cursor.count, 2);
    const read = newSenderInfo();
    assert.ok(readSenderInfo(buf, cursor.offset, cursor.end, read));
    assert.deepEqual(read, info);
    assert.deepEqual(blocks(buf, cursor), written);
    assert.equal(cursor.next(), false);
    assert.equal(cursor.malformed, false);

    const clamped = Buffer.alloc(32);
    writeReceiverReport(clamped, 0, 9, [{ ...written[0]!, cumulativeLost: -10_000_000 }]);
    assert.equal(blocks(clamped, first(clamped))[0]!.cumulativeLost, -0x800000);
  });

  it('round-trips an RR, including the empty one', () => {
    const buf = Buffer.alloc(64);
    assert.equal(writeReceiverReport(buf, 4, 0xabcdef01), 12);
    assert.equal(buf.toString('hex', 4, 12), '80c90001abcdef01');
    const block: ReportBlock = { ssrc: 5, fractionLost: 12, cumulativeLost: 100, highestSeq: 70000, jitter: 33, lastSr: 9, delaySinceLastSr: 10 };
    const end = writeReceiverReport(buf, 0, 77, [block]);
    assert.equal(end, 32);
    assert.deepEqual(blocks(buf, first(buf.subarray(0, end))), [block]);
    assert.throws(() => writeReceiverReport(buf, 40, 1, [block]), RangeError);
    assert.throws(() => writeReceiverReport(Buffer.alloc(2000), 0, 1, new Array(32).fill(block)), RangeError);
  });

  it('round-trips SDES with several chunks and CNAME lengths around the word boundary', () => {
    const chunks = [
      { ssrc: 1, cname: 'a' },
      { ssrc: 2, cname: 'ab' },
      { ssrc: 3, cname: 'abc' },
      { ssrc: 4, cname: 'abcd' },
      { ssrc: 5, cname: 'ünïcödé' },
    ];
    const buf = Buffer.alloc(200);
    const end = writeSdes(buf, 0, chunks);
    assert.equal(end % 4, 0);
    const cursor = first(buf.subarray(0, end));
    assert.equal(cursor.end, end);
    assert.deepEqual(readSdes(buf, 0, end), chunks);
    // RFC 3550 6.5: a 1-byte CNAME chunk is SSRC, 01 01 'a', END, and no more padding than the word needs.
    writeSdes(buf, 0, [{ ssrc: 0x01020304, cname: 'a' }]);
    assert.equal(buf.toString('hex', 0, 12), '81ca0002' + '01020304' + '01016100');
  });

  it('reads SDES chunks without CNAME and refuses one without an END item', () => {
    // One chunk with a NAME item (type 2) only.
    assert.deepEqual(readSdes(hex('81ca000300000007' + '02026869' + '00000000'), 0, 16), [{ ssrc: 7 }]);
    const broken = hex(malformed.sdesUnterminated.hex);
    assert.equal(readSdes(broken, 0, broken.length), undefined);
  });

  it('round-trips BYE with and without a reason', () => {
    const buf = Buffer.alloc(64);
    let end = writeBye(buf, 0, [1, 2]);
    assert.deepEqual(readBye(buf, 0, end), { ssrcs: [1, 2] });
    end = writeBye(buf, 0, [0xffffffff], 'gone');
    assert.equal(end, 4 + 4 + 8);
    assert.deepEqual(readBye(buf, 0, end), { ssrcs: [0xffffffff], reason: 'gone' });
    assert.equal(readBye(hex('82cb000100000001'), 0, 8), undefined, 'two SSRCs announced, one present');
  });

  it('compacts NTP to its middle 32 bits (LSR)', () => {
    assert.equal(compactNtp(0xeeac2b9c, 0xc23baba7), 0x2b9cc23b);
  });
});
