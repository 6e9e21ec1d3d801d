import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { rtpCheck, rtpPayloadType, rtpSeq, rtpSsrc, rtpTimestamp } from './rtpHeader';
import { unwrapRtx, writeRtxPacket } from './rtx';

const VIDEO_SSRC = chromiumRtp.vp8KeyFrame.ssrc;

describe('RTX (RFC 4588)', () => {
  it("unwraps Chromium's retransmission into the original packet", () => {
    const fixture = chromiumRtp.rtxRetransmission;
    const buf = hex(fixture.hex);
    const len = unwrapRtx(buf, buf.length, VIDEO_SSRC, 96);
    assert.equal(len, buf.length - 2);
    assert.equal(rtpSeq(buf), 0x607a, 'the OSN');
    assert.equal(rtpSsrc(buf), VIDEO_SSRC);
    assert.equal(rtpPayloadType(buf), 96);
    assert.equal(rtpTimestamp(buf), fixture.timestamp);
    assert.equal(rtpCheck(buf, len), fixture.payloadOffset);
    // The original's VP8 payload descriptor: X=1, S=0, a later packet of the key frame (same timestamp).
    assert.equal(buf[fixture.payloadOffset], 0x80);
  });

  it('a padding-only probe has nothing to unwrap', () => {
    const buf = hex(chromiumRtp.rtxPaddingProbe.hex);
    assert.equal(unwrapRtx(buf, buf.length, VIDEO_SSRC, 96), -1);
  });

  it('wraps and unwraps back to the same bytes', () => {
    const original = hex(chromiumRtp.vp8DeltaFrameStart.hex);
    const rtx = Buffer.alloc(1500);
    const len = writeRtxPacket(original, original.length, rtx, 0x11223344, 97, 500);
    assert.equal(len, original.length + 2);
    assert.equal(rtpSsrc(rtx), 0x11223344);
    assert.equal(rtpPayloadType(rtx), 97);
    assert.equal(rtpSeq(rtx), 500);
    assert.equal(rtx.readUInt16BE(chromiumRtp.vp8DeltaFrameStart.payloadOffset), chromiumRtp.vp8DeltaFrameStart.seq);
    const back = unwrapRtx(rtx, len, chromiumRtp.vp8DeltaFrameStart.ssrc, 96);
    assert.deepEqual(rtx.subarray(0, back), original);
  });

  it('drops padding when wrapping, and refuses a destination too small or an invalid source', () => {
    const padded = hex('a0600001000000020000000301020304' + '00000004');
    const rtx = Buffer.alloc(64);
    const len = writeRtxPacket(padded, padded.length, rtx, 9, 97, 1);
    assert.equal(len, 12 + 2 + 4);
    assert.equal(rtx[0]! & 0x20, 0);
    assert.equal(rtx.toString('hex', 12, len), '0001' + '01020304');
    assert.equal(writeRtxPacket(padded, padded.length, Buffer.alloc(10), 9, 97, 1), -1);
    assert.equal(writeRtxPacket(hex('00'), 1, rtx, 9, 97, 1), -1);
  });
});
