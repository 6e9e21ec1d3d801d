import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { isH264KeyFrame, isVp8KeyFrame } from './keyFrame';
import { rtpCheck, rtpPaddingSize } from './rtpHeader';

function vp8(payloadHex: string): boolean {
  const buf = hex(payloadHex);
  return isVp8KeyFrame(buf, 0, buf.length);
}

function h264(payloadHex: string): boolean {
  const buf = hex(payloadHex);
  return isH264KeyFrame(buf, 0, buf.length);
}

describe('key frame detection', () => {
  it("VP8: Chromium's key frame, delta frame and continuation packets", () => {
    const expected = { vp8KeyFrame: true, vp8DeltaFrameStart: false, vp8Continuation: false };
    for (const [name, want] of Object.entries(expected)) {
      const buf = hex(chromiumRtp[name as keyof typeof expected].hex);
      const start = rtpCheck(buf, buf.length);
      assert.equal(isVp8KeyFrame(buf, start, buf.length - rtpPaddingSize(buf, buf.length)), want, name);
    }
  });

  it('VP8: walks the extended payload descriptor (RFC 7741 4.2)', () => {
    // X S | I L T | PictureID M=1 (15 bits) | TL0PICIDX | TID | payload header with P=0
    assert.equal(vp8('90' + 'e0' + '8001' + '05' + '60' + '10' + '02009d012a'), true);
    assert.equal(vp8('90' + 'e0' + '8001' + '05' + '60' + '11' + '02009d012a'), false, 'P=1: inter frame');
    assert.equal(vp8('90' + '80' + '12' + '10'), true, 'I with a 7-bit PictureID');
    assert.equal(vp8('90' + '10' + '60' + '10'), true, 'K alone adds the KEYIDX byte');
    assert.equal(vp8('80' + 'e0' + '8001' + '05' + '60' + '10'), false, 'S=0: not the start of a frame');
    assert.equal(vp8('91' + '00' + '10'), false, 'partition 1');
    assert.equal(vp8('10' + '10'), true, 'no extension');
    assert.equal(vp8('90' + 'e0' + '80'), false, 'cut inside the PictureID');
    assert.equal(vp8('90'), false, 'cut after the first byte');
    assert.equal(vp8(''), false);
  });

  it('H264: IDR or SPS alone, in STAP-A, at the start of FU-A (RFC 6184 5.6-5.8)', () => {
    assert.equal(h264('65888400'), true, 'IDR slice');
    assert.equal(h264('6742e01f'), true, 'SPS');
    assert.equal(h264('68ce3c80'), false, 'PPS');
    assert.equal(h264('419a0000'), false, 'non-IDR slice');
    assert.equal(h264('78' + '00046742e01f' + '000268ce'), true, 'STAP-A with SPS and PPS');
    assert.equal(h264('78' + '000268ce' + '00026588'), true, 'STAP-A with IDR second');
    assert.equal(h264('78' + '000268ce' + '0002419a'), false, 'STAP-A without key frame units');
    assert.equal(h264('78' + '001067'), false, 'STAP-A unit longer than the packet');
    assert.equal(h264('78' + '0000' + '00026588'), false, 'STAP-A with a zero-size unit');
    assert.equal(h264('7c85' + 'b800'), true, 'FU-A start of an IDR');
    assert.equal(h264('7c05' + 'b800'), false, 'FU-A middle of an IDR');
    assert.equal(h264('5c81' + '9a00'), false, 'FU-A start of a non-IDR slice');
    assert.equal(h264('7c'), false, 'FU-A without its header');
    assert.equal(h264(''), false);
  });
});
