import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHROMIUM_EXTENSION_IDS as IDS, chromiumRtp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import {
  absSendTimeFromMicros,
  audioLevelDbov,
  audioLevelVoice,
  extensionLength,
  extensionOffset,
  findRtpExtension,
  readAbsSendTime,
  readAudioLevel,
  readSdesItem,
  readTransportCcSeq,
  remapRtpExtensions,
  stripRtpExtensions,
  writeAbsSendTime,
  writeTransportCcSeq,
} from './rtpExtensions';
import { rtpCheck, rtpHasExtension, rtpSeq } from './rtpHeader';

/** A packet with the X bit, the given extension block and a 4-byte payload. */
function packet(block: string): Buffer {
  return hex('90600001000000020000000' + '3' + block + 'cafef00d');
}

/** RFC 8285 4.2's one-byte example: ids 1 (1 byte), 2 (2 bytes), two padding bytes, 3 (4 bytes). */
const ONE_BYTE = 'bede0003' + '10aa21bb' + 'bb000033' + 'cccccccc';
/** RFC 8285 4.3's two-byte example: ids 1 (0 bytes), 2 (1 byte), a padding byte, 3 (4 bytes). */
const TWO_BYTE = '10000003' + '01000201' + 'aa000304' + 'bbbbbbbb';

function element(buf: Buffer, id: number): string | undefined {
  const ref = findRtpExtension(buf, id);
  return ref < 0 ? undefined : buf.toString('hex', extensionOffset(ref), extensionOffset(ref) + extensionLength(ref));
}

describe('RTP header extensions', () => {
  it('finds elements in the one-byte form (RFC 8285 4.2), across padding', () => {
    const buf = packet(ONE_BYTE);
    assert.equal(rtpCheck(buf, buf.length), 28);
    assert.equal(element(buf, 1), 'aa');
    assert.equal(element(buf, 2), 'bbbb');
    assert.equal(element(buf, 3), 'cccccccc');
    assert.equal(element(buf, 4), undefined);
    assert.equal(element(buf, 0), undefined);
  });

  it('finds elements in the two-byte form (RFC 8285 4.3), including an empty one', () => {
    const buf = packet(TWO_BYTE);
    assert.equal(element(buf, 1), '');
    assert.equal(element(buf, 2), 'aa');
    assert.equal(element(buf, 3), 'bbbbbbbb');
    assert.equal(element(buf, 200), undefined);
  });

  it("reads the values Chromium sent", () => {
    const video = hex(chromiumRtp.vp8KeyFrame.hex);
    assert.equal(readTransportCcSeq(video, IDS.transportWideCc), 2);
    assert.equal(readAbsSendTime(video, IDS.absSendTime), 0x7116d2);
    assert.equal(readSdesItem(video, IDS.mid), '1');
    assert.equal(readAudioLevel(video, IDS.audioLevel), -1, 'video carries no audio level');
    const audio = hex(chromiumRtp.opus.hex);
    assert.equal(readTransportCcSeq(audio, IDS.transportWideCc), 0x14);
    const level = readAudioLevel(audio, IDS.audioLevel);
    assert.equal(level, 0x87);
    assert.equal(audioLevelVoice(level), true);
    assert.equal(audioLevelDbov(level), 7);
    assert.equal(readAbsSendTime(audio, IDS.absSendTime), -1);
    assert.equal(readSdesItem(audio, IDS.mid), '0');
    for (const fixture of Object.values(chromiumRtp)) {
      const buf = hex(fixture.hex);
      for (const [id, value] of Object.entries(fixture.extensions)) assert.equal(element(buf, Number(id)), value);
    }
  });

  it('remaps ids in place and drops unknown ones as padding (one-byte form)', () => {
    const buf = packet(ONE_BYTE);
    const table = new Uint8Array(256);
    table[1] = 7;
    table[3] = 14;
    assert.equal(remapRtpExtensions(buf, table), 2);
    assert.equal(buf.length, packet(ONE_BYTE).length);
    assert.equal(element(buf, 7), 'aa');
    assert.equal(element(buf, 14), 'cccccccc');
    assert.equal(element(buf, 1), undefined);
    assert.equal(element(buf, 2), undefined);
    assert.equal(buf.toString('hex', 16, 28), '70aa0000' + '000000e3' + 'cccccccc');
    assert.equal(buf.toString('hex', 28), 'cafef00d', 'payload untouched');
  });

  it('drops an element whose new id the one-byte form cannot carry', () => {
    const buf = packet(ONE_BYTE);
    const table = new Uint8Array(256);
    table[1] = 15;
    table[2] = 20;
    table[3] = 3;
    assert.equal(remapRtpExtensions(buf, table), 1);
    assert.equal(element(buf, 3), 'cccccccc');
    assert.equal(buf.toString('hex', 16, 28), '00000000' + '00000033' + 'cccccccc');
  });

  it('remaps the two-byte form to any id 1-255', () => {
    const buf = packet(TWO_BYTE);
    const table = new Uint8Array(256);
    table[2] = 200;
    table[3] = 3;
    assert.equal(remapRtpExtensions(buf, table), 2);
    assert.equal(element(buf, 200), 'aa');
    assert.equal(element(buf, 3), 'bbbbbbbb');
    assert.equal(element(buf, 1), undefined);
    assert.equal(buf.toString('hex', 16, 20), '0000c801');
  });

  it('remaps a Chromium packet to a subscriber\'s ids and the values survive', () => {
    const buf = hex(chromiumRtp.vp8KeyFrame.hex);
    const table = new Uint8Array(256);
    table[IDS.transportWideCc] = 5;
    table[IDS.absSendTime] = 9;
    assert.equal(remapRtpExtensions(buf, table), 2);
    assert.equal(readTransportCcSeq(buf, 5), 2);
    assert.equal(readAbsSendTime(buf, 9), 0x7116d2);
    assert.equal(readSdesItem(buf, IDS.mid), undefined);
    assert.equal(rtpCheck(buf, buf.length), chromiumRtp.vp8KeyFrame.payloadOffset);
    assert.equal(writeTransportCcSeq(buf, 5, 0xabcd), true);
    assert.equal(readTransportCcSeq(buf, 5), 0xabcd);
    assert.equal(writeAbsSendTime(buf, 9, 0x123456), true);
    assert.equal(readAbsSendTime(buf, 9), 0x123456);
    assert.equal(writeTransportCcSeq(buf, IDS.transportWideCc, 1), false, 'the old id is gone');
  });

  it('stops at the reserved id 15 and blanks what follows it when remapping', () => {
    const buf = hex(malformed.rtpReservedId15.hex);
    assert.ok(rtpCheck(buf, buf.length) > 0);
    assert.equal(element(buf, 1), undefined, 'the audio level after id 15 is not read');
    const identity = new Uint8Array(256).map((_, i) => i);
    assert.equal(remapRtpExtensions(buf, identity), 0);
    assert.equal(buf.toString('hex', 16, 24), '0000000000000000');
  });

  it('an element running past its block ends the walk', () => {
    const buf = hex(malformed.rtpElementOverrun.hex);
    assert.ok(rtpCheck(buf, buf.length) > 0);
    assert.equal(element(buf, 3), undefined);
    assert.equal(element(buf, 1), undefined);
    const identity = new Uint8Array(256).map((_, i) => i);
    assert.equal(remapRtpExtensions(buf, identity), 0);
    assert.equal(buf.toString('hex', 16, 24), '0000000000000000');
    assert.equal(buf.toString('hex', 24), hex(chromiumRtp.opus.hex).toString('hex', 24), 'payload untouched');
  });

  it('blanks a block of an unknown profile', () => {
    const buf = packet('abcd0001' + '11223344');
    assert.equal(element(buf, 1), undefined);
    assert.equal(remapRtpExtensions(buf, new Uint8Array(256).fill(1)), 0);
    assert.equal(buf.toString('hex', 16, 20), '00000000');
  });

  it('strips the block and moves the payload down', () => {
    const source = hex(chromiumRtp.opus.hex);
    const buf = Buffer.from(source);
    const len = stripRtpExtensions(buf, buf.length);
    assert.equal(len, source.length - 12);
    assert.equal(rtpHasExtension(buf), false);
    assert.equal(rtpCheck(buf, len), 12);
    assert.equal(rtpSeq(buf), chromiumRtp.opus.seq);
    assert.deepEqual(buf.subarray(12, len), source.subarray(24));
    const plain = hex('80000001000000020000000301020304');
    assert.equal(stripRtpExtensions(plain, plain.length), plain.length);
  });

  it('converts microseconds to abs-send-time (6.18 fixed point, 64 s wrap)', () => {
    assert.equal(absSendTimeFromMicros(0), 0);
    assert.equal(absSendTimeFromMicros(1_000_000), 1 << 18);
    assert.equal(absSendTimeFromMicros(1_500_000), 3 << 17);
    assert.equal(absSendTimeFromMicros(64_000_000), 0);
    assert.equal(absSendTimeFromMicros(1e15 + 2_000_000), 2 << 18, 'exact for large clocks');
  });

  it('reads a mid written with trailing NUL padding', () => {
    const buf = packet('bede0001' + '42616200'); // id 4, 3 bytes "ab\\0"
    assert.equal(readSdesItem(buf, 4), 'ab');
  });
});
