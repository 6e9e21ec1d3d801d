import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rtpPayloadType, rtpSeq, rtpSsrc, rtpTimestamp } from './rtpHeader';
import { RtpStreamRewriter } from './RtpStreamRewriter';

const OUT_SSRC = 0x5eed;
const OUT_PT = 100;

function packet(ssrc: number, seq: number, ts: number): Buffer {
  const buf = Buffer.alloc(16);
  buf[0] = 0x80;
  buf[1] = 96;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(ts >>> 0, 4);
  buf.writeUInt32BE(ssrc, 8);
  return buf;
}

/** Rewrites and returns [seq, timestamp] as sent, or null if refused. */
function send(rw: RtpStreamRewriter, ssrc: number, seq: number, ts: number, nowMs: number): [number, number] | null {
  const buf = packet(ssrc, seq, ts);
  if (!rw.rewrite(buf, 4, nowMs)) {
    assert.deepEqual(buf, packet(ssrc, seq, ts), 'a refused packet is left alone');
    return null;
  }
  assert.equal(rtpSsrc(buf), OUT_SSRC);
  assert.equal(rtpPayloadType(buf), OUT_PT);
  return [rtpSeq(buf), rtpTimestamp(buf)];
}

describe('RtpStreamRewriter', () => {
  it('passes the first source through with its own numbering, gaps from loss included', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 90000);
    assert.deepEqual(send(rw, 1, 100, 9000, 0), [100, 9000]);
    assert.deepEqual(send(rw, 1, 101, 9000, 1), [101, 9000]);
    assert.deepEqual(send(rw, 1, 103, 12000, 33), [103, 12000], 'a lost packet stays a gap');
    assert.deepEqual(send(rw, 1, 102, 12000, 34), [102, 12000], 'reordered packets pass');
    assert.equal(rw.packetCount, 4);
    assert.equal(rw.octetCount, 16);
    assert.equal(rw.currentSourceSsrc, 1);
  });

  it('continues without a gap when the producer restarts with a new SSRC, seq and timestamp', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 90000);
    send(rw, 1, 65534, 4_294_960_000, 0);
    send(rw, 1, 65535, 4_294_963_000, 33);
    // New source 200 ms later: its first packet follows the last one sent, 200 ms of timestamps on.
    assert.deepEqual(send(rw, 2, 31000, 777, 233), [0, (4_294_963_000 + 18000) % 2 ** 32]);
    assert.deepEqual(send(rw, 2, 31001, 3777, 266), [1, (4_294_963_000 + 21000) % 2 ** 32]);
    assert.equal(rw.timestampOffset, (4_294_963_000 + 18000 - 777) % 2 ** 32);
    assert.equal(send(rw, 1, 65533, 4_294_957_000, 267), null, 'a late packet from the old source');
  });

  it('resync() after a pause hides the packets the source sent meanwhile', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 48000);
    send(rw, 7, 10, 960, 0);
    send(rw, 7, 11, 1920, 20);
    rw.resync();
    // 500 packets (10 s) later from the same source.
    assert.deepEqual(send(rw, 7, 511, 481920, 10020), [12, 1920 + 480000]);
    assert.equal(send(rw, 7, 510, 480960, 10021), null, 'from before the resync point');
    assert.deepEqual(send(rw, 7, 513, 483840, 10060), [14, 1920 + 480000 + 1920], 'then loss shows again');
  });

  it('timestamps move at least one tick across a switch within the same millisecond', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 90000);
    send(rw, 1, 1, 1000, 5);
    const next = send(rw, 2, 50, 5, 5);
    assert.deepEqual(next, [2, 1001]);
  });

  it('a switch starts at the timestamp worked out from Sender Reports, not at the time it was forwarded', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 90000);
    send(rw, 1, 1, 1000, 0);
    // The new layer's key frame was captured 40 ms after the last frame sent but, held up in
    // the publisher's pacer, forwarded 300 ms after it: its capture time wins.
    rw.resync(1000 + 3600);
    assert.deepEqual(send(rw, 2, 50, 777, 300), [2, 4600]);
    assert.deepEqual(send(rw, 2, 51, 777 + 3000, 333), [3, 7600], 'the rest of the segment follows the source');
    // A start not after the last timestamp sent is not believed: the elapsed time decides.
    rw.resync(7600);
    assert.deepEqual(send(rw, 3, 9, 5, 343), [4, 7600 + 900]);
  });

  it('maps receiver sequence numbers back to the source, within the current segment only', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 90000);
    for (let i = 0; i < 5; i++) send(rw, 1, 1000 + i, 0, i);
    send(rw, 2, 60000, 0, 10); // out seq 1005
    send(rw, 2, 60001, 0, 11); // 1006
    assert.equal(rw.sourceSeq(1006), 60001);
    assert.equal(rw.sourceSeq(1005), 60000);
    assert.equal(rw.sourceSeq(1004), -1, 'sent before the switch');
    assert.equal(rw.sourceSeq(1007), -1, 'never sent');

    const retransmission = packet(2, 60000, 0);
    assert.equal(rw.rewriteRetransmission(retransmission), true);
    assert.equal(rtpSeq(retransmission), 1005);
    assert.equal(rtpSsrc(retransmission), OUT_SSRC);
    assert.equal(rw.packetCount, 7, 'retransmissions do not count as new packets');
    assert.equal(rw.rewriteRetransmission(packet(1, 1004, 0)), false, 'old source');
    assert.equal(rw.rewriteRetransmission(packet(2, 59999, 0)), false, 'before the segment');
  });

  it('keeps mapping correctly in a long segment past the sequence wrap', () => {
    const rw = new RtpStreamRewriter(OUT_SSRC, OUT_PT, 90000);
    send(rw, 1, 0, 0, 0);
    send(rw, 2, 100, 0, 1); // offset -99
    let last: [number, number] | null = null;
    for (let i = 1; i <= 70000; i++) last = send(rw, 2, (100 + i) & 0xffff, i * 3000, 1 + i);
    assert.deepEqual(last![0], (1 + 70000) & 0xffff);
    const reordered = send(rw, 2, (100 + 69990) & 0xffff, 0, 70002);
    assert.equal(reordered![0], (1 + 69990) & 0xffff, 'late packets deep into a segment still pass');
    assert.equal(rw.sourceSeq((1 + 69990) & 0xffff), (100 + 69990) & 0xffff);
    assert.equal(rw.sourceSeq((1 + 60000) & 0xffff), -1, 'too far back to be retransmitted');
  });
});
