import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtcp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import { RtcpCursor } from './RtcpCursor';
import { looksLikeRtcp, rtcpMediaSsrc, rtcpSenderSsrc } from './rtcpHeader';

function walk(cursor: RtcpCursor, buf: Buffer): string[] {
  cursor.reset(buf, buf.length);
  const seen: string[] = [];
  while (cursor.next()) seen.push(`${cursor.type}/${cursor.count} ${cursor.offset}-${cursor.end}`);
  if (cursor.malformed) seen.push('malformed');
  return seen;
}

describe('RtcpCursor', () => {
  it("walks Chromium's compound packets, one reused cursor", () => {
    const cursor = new RtcpCursor();
    assert.deepEqual(walk(cursor, hex(chromiumRtcp.senderReportWithSdes)), ['200/0 0-28', '202/1 28-56']);
    assert.deepEqual(walk(cursor, hex(chromiumRtcp.receiverReport)), ['201/1 0-32']);
    assert.deepEqual(walk(cursor, hex(chromiumRtcp.receiverReportWithNack2)), ['201/1 0-32', '205/1 32-52']);
    assert.deepEqual(walk(cursor, hex(chromiumRtcp.receiverReportWithPli)), ['201/1 0-32', '206/1 32-44']);
  });

  it('excludes padding from the content (P bit, as Chromium pads TWCC feedback)', () => {
    const cursor = new RtcpCursor();
    assert.deepEqual(walk(cursor, hex(chromiumRtcp.twccOneBitVector)), ['205/15 0-29']);
    assert.deepEqual(walk(cursor, hex(chromiumRtcp.twccTwoBitVector)), ['205/15 0-26']);
  });

  it('reads sender and media SSRCs from the common feedback header', () => {
    const buf = hex(chromiumRtcp.receiverReportWithPli);
    assert.equal(rtcpSenderSsrc(buf, 32), 0xca6f9087);
    assert.equal(rtcpMediaSsrc(buf, 32), 0x98442f69);
  });

  it('stops at a malformed header and says so', () => {
    const cursor = new RtcpCursor();
    assert.deepEqual(walk(cursor, hex(malformed.rtcpLengthOverflow.hex)), ['malformed']);
    assert.deepEqual(walk(cursor, hex(malformed.rtcpBadVersion.hex)), ['malformed']);
    assert.deepEqual(walk(cursor, hex(malformed.rtcpPaddingTooLong.hex)), ['malformed']);
    assert.deepEqual(walk(cursor, hex(malformed.rtcpSecondPacketTruncated.hex)), ['200/0 0-28', 'malformed']);
    assert.deepEqual(walk(cursor, hex('81c90001ca6f90')), ['malformed'], 'cut inside the packet');
    assert.deepEqual(walk(cursor, hex('81c9')), ['malformed'], 'cut inside the header');
    assert.deepEqual(walk(cursor, Buffer.alloc(0)), [], 'empty is not malformed');
  });

  it('respects the given length and start offset', () => {
    const cursor = new RtcpCursor();
    const work = Buffer.alloc(200, 0xff);
    const packet = hex(chromiumRtcp.receiverReportWithPli);
    packet.copy(work, 10);
    cursor.reset(work, 10 + packet.length, 10);
    const types: number[] = [];
    while (cursor.next()) types.push(cursor.type);
    assert.deepEqual(types, [201, 206]);
    assert.equal(cursor.malformed, false);
  });

  it('tells RTCP from RTP (RFC 5761)', () => {
    const rr = hex(chromiumRtcp.receiverReport);
    assert.equal(looksLikeRtcp(rr, rr.length), true);
    assert.equal(looksLikeRtcp(hex('90600001'), 4), false);
  });
});
