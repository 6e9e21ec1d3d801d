import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamAccount } from './StreamAccount';

const VIDEO = 90_000;
/** 30 fps: 3,000 timestamp units and 33.3 ms apart. */
const FRAME_UNITS = 3000;
const FRAME_MS = 1000 / 30;

test('a stream without gaps: nothing lost, nothing late, no jitter when arrivals keep the media clock', () => {
  const a = new StreamAccount(1, VIDEO);
  for (let i = 0; i < 100; i++) assert.equal(a.record(65_500 + i, i * FRAME_UNITS, 1000 + i * FRAME_MS, 1200), true);
  assert.deepEqual([a.packets, a.expected, a.lost, a.duplicates, a.reordered, a.bytes], [100, 100, 0, 0, 0, 120_000]);
  assert.ok(a.jitterMs < 1e-6, `jitter ${a.jitterMs}`);
});

test('gaps are lost packets, across the sequence number wrap', () => {
  const a = new StreamAccount(1, VIDEO);
  for (let i = 0; i < 200; i++) if (i % 10 !== 3) a.record((65_480 + i) & 0xffff, i * FRAME_UNITS, i * FRAME_MS, 100);
  assert.equal(a.expected, 200);
  assert.equal(a.lost, 20);
  assert.equal(a.packets, 180);
});

test('a late packet fills its gap and counts as reordered; a repeated one counts as duplicate, not received', () => {
  const a = new StreamAccount(1, VIDEO);
  for (const seq of [10, 11, 13, 14, 12, 14, 10]) a.record(seq, seq * FRAME_UNITS, seq * FRAME_MS, 100);
  assert.deepEqual([a.packets, a.expected, a.lost, a.reordered, a.duplicates], [5, 5, 0, 1, 2]);
});

test('a packet older than the first seen widens the span instead of being lost', () => {
  const a = new StreamAccount(1, VIDEO);
  for (const seq of [5, 6, 4, 8]) a.record(seq, 0, 0, 1);
  assert.deepEqual([a.expected, a.packets, a.lost], [5, 4, 1]);
});

test('jitter converges to the mean deviation of transit times (RFC 3550 A.8)', () => {
  const a = new StreamAccount(1, VIDEO);
  // Every other packet 10 ms late: |D| is 10 ms for every pair, so J tends to 10 ms.
  for (let i = 0; i < 400; i++) a.record(i, (i * FRAME_UNITS) >>> 0, i * FRAME_MS + (i % 2) * 10, 100);
  // Reported in whole timestamp units (RFC 3550): within 0.05 ms at 90 kHz.
  assert.ok(Math.abs(a.jitterMs - 10) < 0.05, `jitter ${a.jitterMs}`);
});

test('jitter does not jump at the RTP timestamp wrap', () => {
  const a = new StreamAccount(1, 48_000);
  const start = 0xffff_ffff - 960 * 50;
  for (let i = 0; i < 100; i++) a.record(i, (start + i * 960) >>> 0, i * 20, 100);
  assert.ok(a.jitterMs < 1e-6, `jitter ${a.jitterMs}`);
});

test('a receiver report block: loss since the last report, extended highest sequence number, LSR and DLSR', async () => {
  const { newReportBlock } = await import('@confab/wire');
  const a = new StreamAccount(7, VIDEO);
  for (let i = 0; i < 100; i++) if (i !== 50) a.record((65_500 + i) & 0xffff, i * FRAME_UNITS, i * FRAME_MS, 100);
  a.onSenderReport(0x1234, 0x5678_0000, 1000);
  const first = a.report(1500, newReportBlock());
  assert.deepEqual([first.ssrc, first.cumulativeLost, first.fractionLost, first.highestSeq], [7, 1, Math.floor(256 / 100), 0x10000 + 63]);
  assert.deepEqual([first.lastSr, first.delaySinceLastSr], [0x1234_5678, 32_768]);
  for (let i = 100; i < 200; i++) a.record((65_500 + i) & 0xffff, i * FRAME_UNITS, i * FRAME_MS, 100);
  assert.equal(a.report(2000, newReportBlock()).fractionLost, 0);
});
