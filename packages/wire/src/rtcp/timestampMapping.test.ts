import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSenderInfo, type SenderInfo } from './reports';
import { mapTimestampBySenderReports } from './timestampMapping';

function sr(ntpMs: number, rtpTimestamp: number): SenderInfo {
  const info = newSenderInfo();
  info.ntpSeconds = Math.floor(ntpMs / 1000);
  info.ntpFraction = Math.round(((ntpMs % 1000) / 1000) * 0x100000000) >>> 0;
  info.rtpTimestamp = rtpTimestamp >>> 0;
  return info;
}

test('two streams of one clock: a moment in one is found in the other', () => {
  // Layer h reported at 1000.000 s as 5,000; layer f at 1000.250 s as 4,000,000,000 (90 kHz).
  const h = sr(1_000_000, 5_000);
  const f = sr(1_000_250, 4_000_000_000);
  // f's timestamp 500 ms after its report is 750 ms after h's report.
  const ts = (4_000_000_000 + 45_000) >>> 0;
  assert.equal(mapTimestampBySenderReports(ts, f, h, 90_000), 5_000 + 67_500);
  // And back.
  assert.equal(mapTimestampBySenderReports(5_000 + 67_500, h, f, 90_000), ts);
});

test('timestamps wrap around 2^32 on either side', () => {
  const a = sr(2_000_000, 0xffff_ff00);
  const b = sr(2_000_000, 0x0000_0100);
  assert.equal(mapTimestampBySenderReports(0x0000_0200, b, a, 90_000), 0x0000_0000);
  assert.equal(mapTimestampBySenderReports(0xffff_fff0, a, b, 90_000), 0x0000_01f0);
});

test('a moment before the report maps before it', () => {
  const a = sr(3_000_000, 1_000_000);
  const b = sr(3_000_100, 2_000_000);
  assert.equal(mapTimestampBySenderReports(2_000_000 - 900, b, a, 90_000), 1_000_000 + 9_000 - 900);
});
