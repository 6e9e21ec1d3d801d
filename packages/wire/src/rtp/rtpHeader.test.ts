import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import {
  RtpInvalid,
  looksLikeRtp,
  rtpCheck,
  rtpCsrcCount,
  rtpHasExtension,
  rtpMarker,
  rtpPaddingSize,
  rtpPayloadType,
  rtpSeq,
  rtpSsrc,
  rtpTimestamp,
  setRtpMarker,
  setRtpPayloadType,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
} from './rtpHeader';

describe('RTP header', () => {
  for (const [name, fixture] of Object.entries(chromiumRtp)) {
    it(`reads Chromium's ${name}`, () => {
      const buf = hex(fixture.hex);
      assert.equal(rtpCheck(buf, buf.length), fixture.payloadOffset);
      assert.equal(rtpSsrc(buf), fixture.ssrc);
      assert.equal(rtpSeq(buf), fixture.seq);
      assert.equal(rtpTimestamp(buf), fixture.timestamp);
      assert.equal(rtpPayloadType(buf), fixture.payloadType);
      assert.equal(rtpMarker(buf), fixture.marker);
      assert.equal(rtpPaddingSize(buf, buf.length), fixture.paddingSize);
      assert.equal(rtpHasExtension(buf), true);
      assert.equal(rtpCsrcCount(buf), 0);
      assert.equal(looksLikeRtp(buf, buf.length), true);
    });
  }

  it('refuses each malformed header with its reason', () => {
    const cases: [keyof typeof malformed, number][] = [
      ['rtpTruncatedHeader', RtpInvalid.TooShort],
      ['rtpVersion1', RtpInvalid.BadVersion],
      ['rtpCsrcOverflow', RtpInvalid.CsrcOverflow],
      ['rtpExtensionOverflow', RtpInvalid.ExtensionOverflow],
      ['rtpPaddingZero', RtpInvalid.BadPadding],
      ['rtpPaddingTooLong', RtpInvalid.BadPadding],
    ];
    for (const [name, reason] of cases) {
      const buf = hex(malformed[name].hex);
      assert.equal(rtpCheck(buf, buf.length), reason, name);
    }
  });

  it('checks against the given length, not the buffer size', () => {
    const work = Buffer.alloc(1500);
    const packet = hex(chromiumRtp.opus.hex);
    packet.copy(work);
    assert.equal(rtpCheck(work, packet.length), chromiumRtp.opus.payloadOffset);
    assert.equal(rtpCheck(work, 20), RtpInvalid.ExtensionOverflow); // the 12-byte block ends at 28
    assert.equal(rtpCheck(work, 1501), RtpInvalid.TooShort);
  });

  it('a CSRC list moves the payload (RFC 3550 5.1)', () => {
    // V=2, CC=2, PT=0, seq 1, ts 2, SSRC 3, CSRCs 4 and 5, 4 payload bytes.
    const buf = hex('820000010000000200000003000000040000000501020304');
    assert.equal(rtpCheck(buf, buf.length), 20);
    assert.equal(rtpCsrcCount(buf), 2);
    assert.equal(rtpSsrc(buf), 3);
  });

  it('rewrites fields in place and leaves the rest alone', () => {
    const original = hex(chromiumRtp.vp8DeltaFrameStart.hex);
    const buf = Buffer.from(original);
    setRtpSsrc(buf, 0xdeadbeef);
    setRtpSeq(buf, 0xffff);
    setRtpTimestamp(buf, 0xfffffffe);
    setRtpPayloadType(buf, 100);
    assert.equal(rtpSsrc(buf), 0xdeadbeef);
    assert.equal(rtpSeq(buf), 0xffff);
    assert.equal(rtpTimestamp(buf), 0xfffffffe);
    assert.equal(rtpPayloadType(buf), 100);
    assert.equal(rtpMarker(buf), true, 'payload type rewrite keeps the marker');
    setRtpMarker(buf, false);
    assert.equal(rtpMarker(buf), false);
    assert.equal(rtpPayloadType(buf), 100);
    assert.equal(buf[0], original[0]);
    assert.deepEqual(buf.subarray(12), original.subarray(12));
    setRtpTimestamp(buf, 2 ** 32 + 5); // numbers past 32 bits wrap, as RTP timestamps do
    assert.equal(rtpTimestamp(buf), 5);
  });

  it('tells RTP from RTCP (RFC 5761 4)', () => {
    const rr = hex('81c90001ca6f9087');
    assert.equal(looksLikeRtp(rr, rr.length), false);
    const pt72 = Buffer.from(hex(chromiumRtp.opus.hex));
    setRtpPayloadType(pt72, 72);
    assert.equal(looksLikeRtp(pt72, pt72.length), false);
  });
});
