import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtcp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import {
  FIR_SIZE,
  firEntryCount,
  firEntrySeqNr,
  firEntrySsrc,
  isPli,
  newRemb,
  readNack,
  readRemb,
  writeFir,
  writeNack,
  writePli,
  writeRemb,
} from './feedback';
import { RtcpCursor } from './RtcpCursor';
import { rtcpMediaSsrc, rtcpSenderSsrc } from './rtcpHeader';

function second(buf: Buffer): RtcpCursor {
  const cursor = new RtcpCursor().reset(buf, buf.length);
  assert.ok(cursor.next() && cursor.next());
  return cursor;
}

function nacked(buf: Buffer, at: number, end: number, capacity = 100): number[] {
  const out = new Uint16Array(capacity);
  const n = readNack(buf, at, end, out);
  return n < 0 ? [n] : Array.from(out.subarray(0, n));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('feedback: NACK, PLI, FIR, REMB', () => {
  it("reads Chromium's NACKs: one PID, and PIDs with BLP bits (RFC 4585 6.2.1)", () => {
    const one = hex(chromiumRtcp.receiverReportWithNack);
    const c1 = second(one);
    assert.deepEqual(nacked(one, c1.offset, c1.end), [24745]);
    assert.equal(rtcpMediaSsrc(one, c1.offset), 0x98442f69);
    const two = hex(chromiumRtcp.receiverReportWithNack2);
    const c2 = second(two);
    // 60a9 fe00: 24745, then bits 9-15 -> 24755-24761; 60ba 0fff: 24762, then bits 0-11 -> 24763-24774.
    assert.deepEqual(nacked(two, c2.offset, c2.end), [24745, ...range(24755, 24774)]);
    assert.deepEqual(nacked(two, c2.offset, c2.end, 3), [24745, 24755, 24756], 'stops when the output is full');
  });

  it('refuses a NACK whose FCI is not whole items, and other packet types', () => {
    const broken = hex(malformed.nackHalfItem.hex);
    const cursor = new RtcpCursor().reset(broken, broken.length);
    assert.ok(cursor.next());
    assert.deepEqual(nacked(broken, cursor.offset, cursor.end), [-1]);
    const pli = hex(chromiumRtcp.receiverReportWithPli);
    assert.deepEqual(nacked(pli, 32, pli.length), [-1]);
  });

  it('builds NACKs that pack 17 sequence numbers per item, across the wrap', () => {
    const buf = Buffer.alloc(100);
    const seqs = [65534, 65535, 0, 16, 17, 40];
    const end = writeNack(buf, 0, 11, 22, seqs, seqs.length);
    // PID 65534 with bits 0 (65535) and 1 (0); 16 is 18 after it, so a new PID, with bit 0 (17); then 40.
    assert.equal(buf.toString('hex', 0, end), '81cd0005' + '0000000b' + '00000016' + 'fffe' + '0003' + '0010' + '0001' + '0028' + '0000');
    assert.deepEqual(nacked(buf, 0, end), seqs);
    assert.equal(rtcpSenderSsrc(buf, 0), 11);
  });

  it('round-trips random sorted loss lists', () => {
    const buf = Buffer.alloc(2000);
    for (let trial = 0; trial < 200; trial++) {
      const start = (trial * 7919) & 0xffff;
      const seqs: number[] = [];
      for (let s = 0; s < 300; s++) if ((s * 31 + trial) % 7 < 2) seqs.push((start + s) & 0xffff);
      const end = writeNack(buf, 0, 1, 2, seqs, seqs.length);
      assert.deepEqual(nacked(buf, 0, end, 1000), seqs);
    }
  });

  it("reads Chromium's PLI and builds the same bytes", () => {
    const buf = hex(chromiumRtcp.receiverReportWithPli);
    const cursor = second(buf);
    assert.equal(isPli(buf, cursor.offset, cursor.end), true);
    assert.equal(rtcpMediaSsrc(buf, cursor.offset), 0x98442f69);
    const built = Buffer.alloc(12);
    assert.equal(writePli(built, 0, 0xca6f9087, 0x98442f69), 12);
    assert.deepEqual(built, buf.subarray(32));
    assert.equal(isPli(buf, 0, 32), false, 'the RR is not a PLI');
    assert.equal(isPli(built, 0, 12), true, 'what we build reads back');
    assert.equal(rtcpSenderSsrc(built, 0), 0xca6f9087);
    assert.equal(isPli(built, 0, 8), false, 'too short');
  });

  it('builds and reads FIR (RFC 5104 4.3.1): media SSRC in the FCI, header media SSRC 0', () => {
    const buf = Buffer.alloc(FIR_SIZE);
    assert.equal(writeFir(buf, 0, 0x0a0b0c0d, 0x01020304, 258), FIR_SIZE);
    assert.equal(buf.toString('hex'), '84ce0004' + '0a0b0c0d' + '00000000' + '01020304' + '02000000');
    assert.equal(firEntryCount(buf, 0, FIR_SIZE), 1);
    assert.equal(firEntrySsrc(buf, 0, 0), 0x01020304);
    assert.equal(firEntrySeqNr(buf, 0, 0), 2);
    const two = Buffer.concat([buf, hex('0506070809000000')]);
    two[3] = 6;
    assert.equal(firEntryCount(two, 0, two.length), 2);
    assert.equal(firEntrySsrc(two, 0, 1), 0x05060708);
    assert.equal(firEntrySeqNr(two, 0, 1), 9);
    assert.equal(firEntryCount(two, 0, 24), -1, 'half an entry');
    assert.equal(firEntryCount(buf, 0, 8), -1, 'shorter than the feedback header');
  });

  it('builds REMB with an 18-bit mantissa and reads it back (draft-alvestrand-rmcat-remb 2.2)', () => {
    const buf = Buffer.alloc(64);
    const end = writeRemb(buf, 0, 0x0a0b0c0d, 1_000_000, [0x11111111]);
    // 1,000,000 = 250,000 * 2^2: exponent 2, mantissa 0x3d090.
    assert.equal(buf.toString('hex', 0, end), '8fce0005' + '0a0b0c0d' + '00000000' + '52454d42' + '01' + '0bd090' + '11111111');
    const remb = newRemb();
    assert.equal(readRemb(buf, 0, end, remb), true);
    assert.deepEqual(remb, { senderSsrc: 0x0a0b0c0d, bitrate: 1_000_000, ssrcs: [0x11111111] });
    writeRemb(buf, 0, 1, 123_456_789_012, [1, 2, 3]);
    assert.ok(readRemb(buf, 0, 32, remb));
    assert.deepEqual(remb.ssrcs, [1, 2, 3], 'the SSRC list is reused and resized');
    assert.ok(remb.bitrate <= 123_456_789_012 && remb.bitrate > 123_456_789_012 * (1 - 2 ** -17), 'rounded down, 17 bits exact');
    const truncated = hex(malformed.rembTruncated.hex);
    assert.equal(readRemb(truncated, 0, truncated.length, remb), false);
  });
});
