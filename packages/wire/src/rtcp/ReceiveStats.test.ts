import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceiveStats } from './ReceiveStats';
import { newReportBlock } from './reports';

describe('ReceiveStats (RFC 3550 A.1, A.3, A.8)', () => {
  it('reports no loss for a clean stream', () => {
    const stats = new ReceiveStats(0xabc, 90000);
    for (let i = 0; i < 100; i++) stats.onPacket(1000 + i, i * 3000, i * 33.3333);
    const block = stats.report(4000, newReportBlock());
    assert.equal(block.ssrc, 0xabc);
    assert.equal(block.fractionLost, 0);
    assert.equal(block.cumulativeLost, 0);
    assert.equal(block.highestSeq, 1099);
    assert.equal(block.jitter, 0);
    assert.equal(block.lastSr, 0);
    assert.equal(block.delaySinceLastSr, 0);
  });

  it('fraction lost covers the interval since the last report, cumulative loss the whole stream', () => {
    const stats = new ReceiveStats(1, 90000);
    for (let i = 0; i < 100; i++) if (i % 10 !== 5) stats.onPacket(i, 0, 0);
    let block = stats.report(0, newReportBlock());
    assert.equal(block.cumulativeLost, 10);
    assert.equal(block.fractionLost, Math.floor((10 * 256) / 100));
    for (let i = 100; i < 200; i++) stats.onPacket(i, 0, 0);
    block = stats.report(0, newReportBlock());
    assert.equal(block.fractionLost, 0);
    assert.equal(block.cumulativeLost, 10);
    stats.onPacket(205, 0, 0); // 5 more lost
    block = stats.report(0, newReportBlock());
    assert.equal(block.fractionLost, Math.floor((5 * 256) / 6));
    assert.equal(block.cumulativeLost, 15);
  });

  it('extends the highest sequence number across the wrap, reordering included', () => {
    const stats = new ReceiveStats(1, 90000);
    for (const seq of [65530, 65531, 65533, 65532, 65534, 65535, 1, 0, 2]) stats.onPacket(seq, 0, 0);
    assert.equal(stats.extendedHighestSeq, 65536 + 2);
    assert.equal(stats.cumulativeLost, 0);
    assert.equal(stats.packetsReceived, 9);
  });

  it('duplicates make cumulative loss negative, and it is clamped to 24 bits', () => {
    const stats = new ReceiveStats(1, 90000);
    for (let i = 0; i < 3; i++) stats.onPacket(7, 0, 0);
    assert.equal(stats.report(0, newReportBlock()).cumulativeLost, -2);
  });

  it('computes interarrival jitter in timestamp units (known answer)', () => {
    const stats = new ReceiveStats(1, 48000);
    // 20 ms frames (960 ticks); the third arrives 10 ms late: D = 480 twice.
    stats.onPacket(1, 0, 0);
    stats.onPacket(2, 960, 20);
    stats.onPacket(3, 1920, 50);
    assert.equal(stats.jitter, 30); // 480 / 16
    stats.onPacket(4, 2880, 60);
    assert.equal(stats.jitter, 58); // 30 + (480 - 30) / 16 = 58.125
    stats.onPacket(5, 3840, 500, true);
    assert.equal(stats.jitter, 58, 'retransmissions do not count');
  });

  it('takes RTP timestamp differences mod 2^32', () => {
    const stats = new ReceiveStats(1, 90000);
    stats.onPacket(1, 0xffffff00, 0);
    stats.onPacket(2, 0xffffff00 + 3000 - 2 ** 32, 1000 / 30);
    assert.equal(stats.jitter, 0);
  });

  it('fills LSR and DLSR from the last Sender Report', () => {
    const stats = new ReceiveStats(1, 90000);
    stats.onPacket(1, 0, 0);
    stats.onSenderReport(0xeeac2b9c, 0xc23baba7, 1000);
    const block = stats.report(1500, newReportBlock());
    assert.equal(block.lastSr, 0x2b9cc23b);
    assert.equal(block.delaySinceLastSr, 32768); // 0.5 s in 1/65536 s
  });

  it('sets aside one packet after a large jump, and restarts when the next follows it', () => {
    const stats = new ReceiveStats(1, 90000);
    for (let i = 0; i < 10; i++) stats.onPacket(i, 0, 0);
    assert.equal(stats.onPacket(20000, 0, 0), false);
    assert.equal(stats.extendedHighestSeq, 9);
    assert.equal(stats.onPacket(20001, 0, 0), true);
    assert.equal(stats.extendedHighestSeq, 20001);
    assert.equal(stats.cumulativeLost, 0, 'counting starts again from the restart');
    assert.equal(stats.onPacket(40000, 0, 0), false);
    assert.equal(stats.onPacket(20002, 0, 0), true, 'a lone stray packet changes nothing');
    assert.equal(stats.extendedHighestSeq, 20002);
  });

  it('is inactive until the first packet', () => {
    const stats = new ReceiveStats(1, 90000);
    assert.equal(stats.active, false);
    assert.equal(stats.report(0, newReportBlock()).cumulativeLost, 0);
    stats.onPacket(3, 0, 0);
    assert.equal(stats.active, true);
  });
});
