import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROMIUM_EXTENSION_IDS as IDS, chromiumRtp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { findRtpExtension, readAudioLevel, readTransportCcSeq, stampTransportCcSeq } from './rtpExtensions';
import { rtpCheck } from './rtpHeader';

/** `packet` copied into a slot with room to grow. */
function slot(packet: Buffer): Buffer {
  const buf = Buffer.alloc(packet.length + 16, 0xee);
  packet.copy(buf);
  return buf;
}

function payload(buf: Buffer, len: number): string {
  return buf.toString('hex', rtpCheck(buf, len), len);
}

describe('stampTransportCcSeq', () => {
  it('overwrites an element that is there, keeping the length', () => {
    const original = hex(chromiumRtp.vp8KeyFrame.hex);
    const buf = slot(original);
    const len = stampTransportCcSeq(buf, original.length, IDS.transportWideCc, 0xbeef);
    assert.equal(len, original.length);
    assert.equal(readTransportCcSeq(buf, IDS.transportWideCc), 0xbeef);
    assert.equal(payload(buf, len), payload(original, original.length));
  });

  it('adds a one-byte-form block to a packet without extensions, moving the payload', () => {
    const original = hex('80e01234' + '00000001' + '11223344' + 'cafef00d0102');
    const buf = slot(original);
    const len = stampTransportCcSeq(buf, original.length, 3, 0x0102);
    assert.equal(len, original.length + 8);
    assert.ok(rtpCheck(buf, len) >= 12);
    assert.equal(readTransportCcSeq(buf, 3), 0x0102);
    assert.equal(payload(buf, len), 'cafef00d0102');
    assert.equal(buf.toString('hex', 0, 4), '90e01234');
  });

  it('keeps CSRCs and padding in place', () => {
    // CC=1, P bit, payload 'aa', then 3 bytes of padding.
    const original = hex('a1600001' + '00000002' + '00000003' + '0000000a' + 'aa000003');
    const buf = slot(original);
    const len = stampTransportCcSeq(buf, original.length, 5, 7);
    assert.ok(rtpCheck(buf, len) >= 12);
    assert.equal(buf.toString('hex', 12, 16), '0000000a');
    assert.equal(readTransportCcSeq(buf, 5), 7);
    assert.equal(buf.toString('hex', len - 4, len), 'aa000003');
  });

  it('adds an element to a one-byte block: in its trailing padding, or in one more word', () => {
    // audio-level (id 1, one byte) then two bytes of padding: our 3-byte element needs a new word.
    const original = hex('90600001' + '00000002' + '00000003' + 'bede0001' + '10ff0000' + 'cafe');
    const buf = slot(original);
    const len = stampTransportCcSeq(buf, original.length, 3, 0x1234);
    assert.equal(len, original.length + 4);
    assert.ok(rtpCheck(buf, len) >= 12);
    assert.equal(readAudioLevel(buf, 1), 0xff);
    assert.equal(readTransportCcSeq(buf, 3), 0x1234);
    assert.equal(payload(buf, len), 'cafe');
    // A block with a word of padding at its end takes the element there.
    const roomy = hex('90600001' + '00000002' + '00000003' + 'bede0002' + '10ff0000' + '00000000' + 'cafe');
    const buf2 = slot(roomy);
    assert.equal(stampTransportCcSeq(buf2, roomy.length, 3, 9), roomy.length);
    assert.equal(readTransportCcSeq(buf2, 3), 9);
    assert.equal(readAudioLevel(buf2, 1), 0xff);
  });

  it('adds an element to a two-byte block', () => {
    const original = hex('90600001' + '00000002' + '00000003' + '10000001' + '0101aa00' + 'beef');
    const buf = slot(original);
    const len = stampTransportCcSeq(buf, original.length, 3, 0xfffe);
    assert.equal(len, original.length + 4);
    assert.ok(rtpCheck(buf, len) >= 12);
    assert.equal(readTransportCcSeq(buf, 3), 0xfffe);
    assert.equal(payload(buf, len), 'beef');
    assert.notEqual(findRtpExtension(buf, 1), -1);
  });

  it('leaves a block of an unknown profile or a malformed one alone', () => {
    const unknown = hex('90600001' + '00000002' + '00000003' + '12340001' + '01020304' + 'cafe');
    const buf = slot(unknown);
    assert.equal(stampTransportCcSeq(buf, unknown.length, 3, 1), -1);
    assert.equal(buf.toString('hex', 0, unknown.length), unknown.toString('hex'));
    const reserved = hex('90600001' + '00000002' + '00000003' + 'bede0001' + 'f0000000' + 'cafe');
    assert.equal(stampTransportCcSeq(slot(reserved), reserved.length, 3, 1), -1);
  });
});
