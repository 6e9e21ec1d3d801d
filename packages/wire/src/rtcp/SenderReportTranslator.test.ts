import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtcp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { RtpStreamRewriter } from '../rtp/RtpStreamRewriter';
import { RtcpCursor } from './RtcpCursor';
import { compactNtp, newSenderInfo, readSenderInfo, type SenderInfo } from './reports';
import { SenderReportTranslator } from './SenderReportTranslator';

function packet(ssrc: number, seq: number, ts: number): Buffer {
  const buf = Buffer.alloc(112);
  buf[0] = 0x80;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(ts >>> 0, 4);
  buf.writeUInt32BE(ssrc, 8);
  return buf;
}

function chromiumSr(): SenderInfo {
  const buf = hex(chromiumRtcp.senderReportWithSdes);
  const info = newSenderInfo();
  assert.ok(readSenderInfo(buf, 0, 28, info));
  return info;
}

function readBack(buf: Buffer, end: number): SenderInfo {
  const cursor = new RtcpCursor().reset(buf, end);
  assert.ok(cursor.next());
  const info = newSenderInfo();
  assert.ok(readSenderInfo(buf, cursor.offset, cursor.end, info));
  return info;
}

/** NTP time (in seconds, as a float) that an SR's mapping gives an RTP timestamp. */
function ntpOf(sr: SenderInfo, ts: number, clockRate: number): number {
  const ticks = ((ts - sr.rtpTimestamp) | 0) / clockRate;
  return sr.ntpSeconds + sr.ntpFraction / 2 ** 32 + ticks;
}

describe('SenderReportTranslator', () => {
  it("moves Chromium's SR into the consumer's SSRC and timeline, keeping its NTP time", () => {
    const publisherSr = chromiumSr();
    const rewriter = new RtpStreamRewriter(0x5eed, 96, 90000);
    // The consumer first forwarded another source, so the offset is not zero.
    const first = packet(1, 500, 123_456);
    rewriter.rewrite(first, 100, 0);
    const forwarded = packet(publisherSr.ssrc, 24700, 3827370358);
    assert.ok(rewriter.rewrite(forwarded, 100, 40));
    const translator = new SenderReportTranslator(rewriter);
    const buf = Buffer.alloc(64);
    const end = translator.translate(publisherSr, buf, 0, 50);
    assert.equal(end, 28);
    const sr = readBack(buf, end);
    assert.deepEqual(sr, {
      ssrc: 0x5eed,
      ntpSeconds: publisherSr.ntpSeconds,
      ntpFraction: publisherSr.ntpFraction,
      rtpTimestamp: (publisherSr.rtpTimestamp + rewriter.timestampOffset) >>> 0,
      packetCount: 2,
      octetCount: 200,
    });
    // The receiver maps the forwarded packet to the same instant the publisher's SR gives the original.
    assert.equal(ntpOf(sr, forwarded.readUInt32BE(4), 90000), ntpOf(publisherSr, 3827370358, 90000));
  });

  it('keeps audio and video of one publisher on one clock whatever each consumer\'s offset', () => {
    // One instant, 12:00:00.5 on the publisher's NTP clock, as each stream's SR states it.
    const ntp = { ntpSeconds: 3_900_000_000, ntpFraction: 2 ** 31 };
    const audioSr = { ssrc: 10, ...ntp, rtpTimestamp: 4_000_000_000, packetCount: 0, octetCount: 0 };
    const videoSr = { ssrc: 20, ...ntp, rtpTimestamp: 77_000, packetCount: 0, octetCount: 0 };
    const audio = new RtpStreamRewriter(0xa, 111, 48000);
    const video = new RtpStreamRewriter(0xb, 96, 90000);
    audio.rewrite(packet(9, 1, 1000), 10, 0);
    audio.rewrite(packet(10, 7000, 4_000_000_960), 10, 20); // switched: offset != 0
    video.rewrite(packet(20, 3, 80_000), 10, 30);
    const out = Buffer.alloc(28);
    const a = readBack(out, new SenderReportTranslator(audio).translate(audioSr, out, 0, 40));
    const v = readBack(out, new SenderReportTranslator(video).translate(videoSr, out, 0, 40));
    // Audio captured 20 ms after the SR instant and video 33.3 ms after: the receiver sees the same gap.
    const audioAt = ntpOf(a, (4_000_000_000 + 960 + audio.timestampOffset) >>> 0, 48000);
    const videoAt = ntpOf(v, (77_000 + 3000 + video.timestampOffset) >>> 0, 90000);
    assert.ok(Math.abs(videoAt - audioAt - (3000 / 90000 - 960 / 48000)) < 1e-6); // doubles near 2^32 s: µs precision
  });

  it('translates nothing for a stream the consumer does not forward now', () => {
    const rewriter = new RtpStreamRewriter(0x5eed, 96, 90000);
    rewriter.rewrite(packet(1, 1, 1), 10, 0);
    const translator = new SenderReportTranslator(rewriter);
    assert.equal(translator.translate(chromiumSr(), Buffer.alloc(28), 0, 0), 0);
  });

  it("reads the round-trip time from the receiver's LSR and DLSR", () => {
    const sr = chromiumSr();
    const rewriter = new RtpStreamRewriter(0x5eed, 96, 90000);
    rewriter.rewrite(packet(sr.ssrc, 1, 1), 10, 0);
    const translator = new SenderReportTranslator(rewriter);
    translator.translate(sr, Buffer.alloc(28), 0, 1000);
    const lsr = compactNtp(sr.ntpSeconds, sr.ntpFraction);
    assert.equal(translator.roundTripMs(lsr, 16384, 1300), 50); // 300 ms minus 250 ms held by the receiver
    assert.equal(translator.roundTripMs(lsr + 1, 0, 1300), -1, 'an SR we did not send');
    assert.equal(translator.roundTripMs(0, 0, 1300), -1, 'no SR received yet');
  });
});
